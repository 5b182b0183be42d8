#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A money-laundering typology: a shape of transactions that investigators and financial
/// intelligence units look for (FATF typology reports; AMLSim's alert patterns).
public enum Typology: String, Codable, Sendable, CaseIterable, Hashable {
    /// One account pays many accounts it does not otherwise pay, in a short time.
    case fanOut = "fan-out"
    /// Many accounts that do not otherwise pay it pay one account in a short time.
    case fanIn = "fan-in"
    /// Funds go round accounts back to where they started, each hop passing on most of what it got.
    case cycle
    /// One account pays several intermediaries, who each pass most of it to one other account.
    case scatterGather = "scatter-gather"
    /// Several accounts pay one hub, which soon pays most of it out to several others.
    case gatherScatter = "gather-scatter"
    /// A group of accounts pays each of another group of accounts.
    case bipartite
    /// Bipartite layers one after another: origins → intermediaries → beneficiaries.
    case stack
    /// Several amounts just below a reporting threshold into or out of one account in a short time.
    case structuring
    /// An account that passes on almost all it receives within a day or two, again and again.
    case rapidPassThrough = "rapid-pass-through"
    /// Funds leave a country through foreign accounts and come back to another account there.
    case roundTripping = "round-tripping"

    /// The typology in words, for the alert list.
    public var title: String {
        switch self {
        case .fanOut: "Fan-out"
        case .fanIn: "Fan-in"
        case .cycle: "Cycle"
        case .scatterGather: "Scatter-gather"
        case .gatherScatter: "Gather-scatter"
        case .bipartite: "Bipartite"
        case .stack: "Stack (layered bipartite)"
        case .structuring: "Structuring below a reporting threshold"
        case .rapidPassThrough: "Rapid pass-through"
        case .roundTripping: "Round-tripping across borders"
        }
    }
}

/// The thresholds typology detection runs with: set per node (`finance.typologies` in the node's
/// configuration), stored with every alert.
public struct TypologyParameters: Codable, Sendable, Equatable {
    /// The period a pattern must fit in, in days.
    public var windowDays: Int = 10
    /// Fan-in, fan-out, gather-scatter: the fewest distinct counterparties in the window.
    public var minCounterparties: Int = 5
    /// Fan-in, fan-out, gather-scatter: how unlikely so many payments in one window must be at the
    /// account's usual rate (the Poisson tail probability) to count as a burst.
    public var burstProbability: Double = 1e-5
    /// Fan-in, fan-out, gather-scatter: how many bursts chance may raise in a whole scan. The larger
    /// the data, the more windows are tested, so the probability a burst must reach is at most
    /// this divided by the number of account-windows (a Bonferroni correction), and at most
    /// `burstProbability`.
    public var burstFalseAlarms: Double = 1
    /// A counterparty paid (or paying) this often or more over the whole data is a regular one
    /// (salaries, rent), not part of a burst.
    public var regularCounterpartyPayments: Int = 3
    /// Cycle, scatter-gather, stack, pass-through, round-tripping: the least and most share of what an
    /// account received that it passes on (a laundering hop typically forwards about 90 %).
    public var minForwardShare: Double = 0.7
    public var maxForwardShare: Double = 1.0
    /// Cycle, scatter-gather, pass-through, round-tripping: the least share of what an intermediary
    /// held when it paid on that the incoming payment must make up (so that a busy account's
    /// unrelated payments do not chain into a pattern).
    public var minFundsShare: Double = 0
    /// Round-tripping: an intermediary that made more payments than this in the window after it was
    /// paid (a busy company, a payment provider) does not count as a hop: its onward payment is
    /// likely unrelated.
    public var maxIntermediaryPayments: Int = 3
    /// Round-tripping: when a quiet intermediary paid something else first, its first payment that
    /// passes on the share still counts if a payment of that size is rare for it — the chance that
    /// one of its payments up to that one falls in the band, at the share of its other payments
    /// that do, at most this.
    public var intermediaryChance: Double = 0.05
    /// Cycle and round-tripping: the longest path followed.
    public var maxCycleLength: Int = 6
    /// Cycle: whether each hop must come after the one before (off for data whose generator spreads
    /// a cycle's hops at random over its period, as AMLSim's samples do).
    public var timeOrderedCycles: Bool = true
    /// Scatter-gather and stack: the fewest intermediaries.
    public var minIntermediaries: Int = 3
    /// Bipartite and stack: the fewest accounts on each side.
    public var minGroup: Int = 3
    /// Structuring: the reporting threshold in major units of each currency, and the share of it
    /// from which an amount counts as "just below". EUR 10,000: Directive (EU) 2015/849 Art. 2(1)(3)(e)
    /// and Art. 11(b)(i) (occasional transactions); USD 10,000: 31 CFR 1010.311 (currency
    /// transaction reports).
    public var reportingThresholds: [String: Int64] = ["EUR": 10_000, "USD": 10_000, "GBP": 10_000, "CHF": 15_000]
    public var belowThresholdShare: Double = 0.8
    /// Structuring: the fewest amounts just below the threshold in the window.
    public var minStructuredAmounts: Int = 3
    /// Rapid pass-through: how soon the money must leave again, in hours, and how many times.
    public var passThroughHours: Int = 48
    public var minPassThroughs: Int = 3
    /// Rapid pass-through: how unlikely that many matches must be by chance, given how many of the
    /// account's payments out would fit its payments in.
    public var passThroughProbability: Double = 1e-3

    public init() {}

    /// Reads a partial configuration: keys that are absent keep their defaults, so that a node's
    /// `finance-typologies.json` names only what it changes.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var value = TypologyParameters()
        func read<T: Decodable>(_ key: CodingKeys, _ path: WritableKeyPath<TypologyParameters, T>) throws {
            if let decoded = try container.decodeIfPresent(T.self, forKey: key) { value[keyPath: path] = decoded }
        }
        try read(.windowDays, \.windowDays)
        try read(.minCounterparties, \.minCounterparties)
        try read(.burstProbability, \.burstProbability)
        try read(.burstFalseAlarms, \.burstFalseAlarms)
        try read(.regularCounterpartyPayments, \.regularCounterpartyPayments)
        try read(.minForwardShare, \.minForwardShare)
        try read(.maxForwardShare, \.maxForwardShare)
        try read(.minFundsShare, \.minFundsShare)
        try read(.maxIntermediaryPayments, \.maxIntermediaryPayments)
        try read(.intermediaryChance, \.intermediaryChance)
        try read(.maxCycleLength, \.maxCycleLength)
        try read(.timeOrderedCycles, \.timeOrderedCycles)
        try read(.minIntermediaries, \.minIntermediaries)
        try read(.minGroup, \.minGroup)
        try read(.reportingThresholds, \.reportingThresholds)
        try read(.belowThresholdShare, \.belowThresholdShare)
        try read(.minStructuredAmounts, \.minStructuredAmounts)
        try read(.passThroughHours, \.passThroughHours)
        try read(.minPassThroughs, \.minPassThroughs)
        try read(.passThroughProbability, \.passThroughProbability)
        self = value
    }

    /// The parameters as text, stored with each alert (the safeguards keep the algorithm, its
    /// version and its parameters with every automated output).
    public var summary: [String: String] {
        var values: [String: String] = [
            "windowDays": "\(windowDays)", "minCounterparties": "\(minCounterparties)", "burstProbability": "\(burstProbability)", "burstFalseAlarms": "\(burstFalseAlarms)", "minFundsShare": "\(minFundsShare)", "maxIntermediaryPayments": "\(maxIntermediaryPayments)", "intermediaryChance": "\(intermediaryChance)",
            "regularCounterpartyPayments": "\(regularCounterpartyPayments)", "minForwardShare": "\(minForwardShare)",
            "maxForwardShare": "\(maxForwardShare)", "maxCycleLength": "\(maxCycleLength)", "timeOrderedCycles": "\(timeOrderedCycles)",
            "minIntermediaries": "\(minIntermediaries)", "minGroup": "\(minGroup)", "belowThresholdShare": "\(belowThresholdShare)",
            "minStructuredAmounts": "\(minStructuredAmounts)", "passThroughHours": "\(passThroughHours)", "minPassThroughs": "\(minPassThroughs)", "passThroughProbability": "\(passThroughProbability)",
        ]
        values["reportingThresholds"] = reportingThresholds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return values
    }

    /// - Throws: ``LiaisonError`` `.invalidInput` naming a parameter out of its range.
    public func validate() throws(LiaisonError) {
        func check(_ ok: Bool, _ message: String) throws(LiaisonError) {
            if !ok { throw LiaisonError(.invalidInput, "typology parameters: \(message)") }
        }
        try check((1...366).contains(windowDays), "windowDays must be 1 to 366")
        try check((2...1000).contains(minCounterparties), "minCounterparties must be 2 to 1000")
        try check(burstProbability > 0 && burstProbability < 1, "burstProbability must be between 0 and 1")
        try check(burstFalseAlarms > 0 && burstFalseAlarms <= 1_000_000, "burstFalseAlarms must be above 0 and at most 10^6")
        try check(minFundsShare >= 0 && minFundsShare <= 1, "minFundsShare must be 0 to 1")
        try check((1...1000).contains(maxIntermediaryPayments), "maxIntermediaryPayments must be 1 to 1000")
        try check(intermediaryChance >= 0 && intermediaryChance <= 1, "intermediaryChance must be 0 to 1")
        try check((2...1000).contains(regularCounterpartyPayments), "regularCounterpartyPayments must be 2 to 1000")
        try check(minForwardShare > 0 && minForwardShare <= maxForwardShare && maxForwardShare <= 1.5, "forward shares must satisfy 0 < min ≤ max ≤ 1.5")
        try check((2...12).contains(maxCycleLength), "maxCycleLength must be 2 to 12")
        try check((2...100).contains(minIntermediaries), "minIntermediaries must be 2 to 100")
        try check((2...100).contains(minGroup), "minGroup must be 2 to 100")
        try check(belowThresholdShare > 0 && belowThresholdShare < 1, "belowThresholdShare must be between 0 and 1")
        try check((2...100).contains(minStructuredAmounts), "minStructuredAmounts must be 2 to 100")
        try check((1...720).contains(passThroughHours), "passThroughHours must be 1 to 720")
        try check((1...100).contains(minPassThroughs), "minPassThroughs must be 1 to 100")
        try check(passThroughProbability > 0 && passThroughProbability < 1, "passThroughProbability must be between 0 and 1")
        for (code, threshold) in reportingThresholds {
            try check(Currency.iso4217[code] != nil, "reporting threshold for '\(code)', which is not an ISO 4217 currency")
            try check(threshold > 0 && threshold <= 1_000_000_000_000, "reporting threshold for \(code) must be between 1 and 10^12")
        }
    }
}

/// What a detector found: a typology, the accounts and transactions that make it, and the reasons
/// in words. An automated output: it waits for a person to confirm or dismiss it.
public struct TypologyAlert: Codable, Sendable, Equatable {
    public var typology: Typology
    /// The account the pattern centres on (the fan-out's payer, the cycle's first account).
    public var focus: String
    /// Every account in the pattern (keys), the focus first.
    public var accounts: [String]
    /// The transactions that make it (ids), in time order.
    public var transactions: [String]
    /// The total moved by those transactions, per currency.
    public var total: [Money]
    public var from: Date
    public var to: Date
    /// Why it is an alert, one fact per line (accounts, amounts, times).
    public var explanation: [String]
    /// `liaison.finance.<typology>` and its version, and the parameters it ran with.
    public var algorithm: String
    public var algorithmVersion: String
    public var parameters: [String: String]

    public init(
        typology: Typology, focus: String, accounts: [String], transactions: [String], total: [Money], from: Date, to: Date,
        explanation: [String], algorithmVersion: String, parameters: [String: String]
    ) {
        self.typology = typology
        self.focus = focus
        self.accounts = accounts
        self.transactions = transactions
        self.total = total
        self.from = from
        self.to = to
        self.explanation = explanation
        self.algorithm = "liaison.finance.\(typology.rawValue)"
        self.algorithmVersion = algorithmVersion
        self.parameters = parameters
    }

    /// A stable identity of the finding (typology, focus and transactions), so that scanning again
    /// does not raise the same alert twice.
    public var fingerprint: String {
        ([typology.rawValue, focus] + transactions.sorted()).joined(separator: "|")
    }
}
