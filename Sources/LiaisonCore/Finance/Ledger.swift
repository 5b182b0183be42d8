#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A bank account (or another account money moves through) as the transactions name it.
public struct FinancialAccount: Codable, Sendable, Equatable, Hashable {
    /// How the account is identified.
    public enum Scheme: String, Codable, Sendable, CaseIterable {
        /// ISO 13616 IBAN, checked (mod 97).
        case iban
        /// A domestic account number with the bank's BIC or national bank code.
        case domestic
        /// An account number from a data set with its own numbering (AMLSim, a bank's export).
        case local
        /// A party the statement names without an account number (a cash deposit, a card merchant).
        case unidentified
    }

    /// The key transactions refer to: `iban:DE89370400440532013000`, `domestic:RBOSGB2L:12547896`,
    /// `local:amlsim:4711`, `unidentified:name:C Consumer`.
    public var key: String
    public var scheme: Scheme
    /// The identifier as written in canonical form (the IBAN, the domestic number).
    public var identifier: String
    /// The account servicer's BIC (ISO 9362) where known.
    public var bic: String?
    /// ISO 3166-1 alpha-2 country of the account (from the IBAN, the BIC or the file).
    public var country: String?
    /// The account holder's name as the file gives it.
    public var holder: String?
    public var currency: Currency?
    /// When the account was opened and closed, where a statement or the file says so.
    public var openedOn: Date?
    public var closedOn: Date?

    public init(
        key: String, scheme: Scheme, identifier: String, bic: String? = nil, country: String? = nil,
        holder: String? = nil, currency: Currency? = nil, openedOn: Date? = nil, closedOn: Date? = nil
    ) {
        self.key = key
        self.scheme = scheme
        self.identifier = identifier
        self.bic = bic
        self.country = country
        self.holder = holder
        self.currency = currency
        self.openedOn = openedOn
        self.closedOn = closedOn
    }

    /// Fills what this record lacks from another record of the same account.
    public mutating func merge(_ other: FinancialAccount) {
        bic = bic ?? other.bic
        country = country ?? other.country
        holder = holder ?? other.holder
        currency = currency ?? other.currency
        openedOn = openedOn ?? other.openedOn
        closedOn = closedOn ?? other.closedOn
    }
}

/// One movement of money from a debtor's account to a creditor's account.
public struct FinancialTransaction: Codable, Sendable, Equatable, Hashable {
    /// The id the source gives it (an entry reference, an end-to-end id, a CSV column), unique within
    /// a case; two transactions with the same id and different content are refused on import.
    public var id: String
    /// Account keys (``FinancialAccount/key``).
    public var debtor: String
    public var creditor: String
    /// Always positive: the direction is debtor → creditor.
    public var amount: Money
    /// When the money moved: the value date (midnight UTC when only the day is known) or the
    /// settlement time where the file carries one.
    public var valueAt: Date
    /// The SWIFT gpi Unique End-to-end Transaction Reference (a UUID v4) that follows a payment
    /// through every bank on its way.
    public var uetr: String?
    /// Remittance information or the reference the debtor gave.
    public var reference: String?
    /// Where it was read: the file's format and the 1-based line of the record.
    public var sourceFormat: String
    public var sourceLine: Int

    public init(
        id: String, debtor: String, creditor: String, amount: Money, valueAt: Date, uetr: String? = nil,
        reference: String? = nil, sourceFormat: String, sourceLine: Int
    ) {
        self.id = id
        self.debtor = debtor
        self.creditor = creditor
        self.amount = amount
        self.valueAt = valueAt
        self.uetr = uetr
        self.reference = reference
        self.sourceFormat = sourceFormat
        self.sourceLine = sourceLine
    }

    /// Whether two records describe the same movement (the source line aside): a file imported
    /// twice adds nothing; the same id with other content is a conflict.
    public func sameContent(as other: FinancialTransaction) -> Bool {
        debtor == other.debtor && creditor == other.creditor && amount == other.amount && valueAt == other.valueAt
            && uetr == other.uetr
    }
}

/// The accounts and transactions read from one file, checked as a whole: nothing of a file with a
/// bad record is imported.
public struct FinancialImport: Sendable, Equatable {
    public var format: String
    public var accounts: [FinancialAccount]
    public var transactions: [FinancialTransaction]

    public init(format: String, accounts: [FinancialAccount], transactions: [FinancialTransaction]) {
        self.format = format
        self.accounts = accounts
        self.transactions = transactions
    }
}

/// Problems found in a file, each naming its line; thrown together so that a user fixes them all
/// at once.
public struct FileProblems: Sendable {
    public private(set) var messages: [String] = []
    /// Stops collecting after this many (a wrong column mapping breaks every line).
    public static let limit = 50

    public init() {}

    public mutating func add(line: Int?, _ message: String) {
        guard messages.count < Self.limit else { return }
        messages.append(line.map { "line \($0): \(message)" } ?? message)
    }

    public var isEmpty: Bool { messages.isEmpty }

    /// - Throws: ``LiaisonError`` `.invalidInput` listing every problem, when there is one.
    public func check(file: String) throws(LiaisonError) {
        guard !messages.isEmpty else { return }
        guard messages.count > 1 else {
            throw LiaisonError(.invalidInput, "\(file): \(messages[0]); nothing imported", errors: messages)
        }
        let more = messages.count >= Self.limit ? " (first \(Self.limit) shown)" : ""
        throw LiaisonError(.invalidInput, "\(file): \(messages.count) problems\(more); nothing imported", errors: messages)
    }
}

extension FinancialImport {
    /// Checks the file's records against each other and against what the case already holds:
    /// duplicate ids with different content, transactions dated before their account opened or
    /// after it closed, non-positive amounts. A transfer from an account to itself is kept (AMLSim
    /// writes some); it moves nothing a trace or a detector follows.
    /// - Parameters:
    ///   - existing: transactions already in the case, by id.
    ///   - knownAccounts: accounts already in the case, by key (their opening dates count too).
    /// - Throws: ``LiaisonError`` `.invalidInput` naming every bad line.
    public func validate(
        file: String, existing: [String: FinancialTransaction] = [:], knownAccounts: [String: FinancialAccount] = [:]
    ) throws(LiaisonError) {
        var problems = FileProblems()
        collectProblems(into: &problems, existing: existing, knownAccounts: knownAccounts)
        try problems.check(file: file)
    }

    /// Adds what ``validate(file:existing:knownAccounts:)`` finds to `problems`: readers call it on
    /// the records they could read, so that one run names every bad line.
    public func collectProblems(
        into problems: inout FileProblems, existing: [String: FinancialTransaction] = [:], knownAccounts: [String: FinancialAccount] = [:]
    ) {
        var accounts = knownAccounts
        for account in self.accounts {
            if var known = accounts[account.key] {
                known.merge(account)
                accounts[account.key] = known
            } else {
                accounts[account.key] = account
            }
        }
        let dated = accounts.values.contains { $0.openedOn != nil || $0.closedOn != nil }
        // The earlier record of each id used again in this file: positions sorted by id (a
        // dictionary of millions of records would hold a second copy of the file).
        var earlier: [Int: Int] = [:]
        let byID = transactions.indices.sorted { lhs, rhs in
            transactions[lhs].id != transactions[rhs].id ? transactions[lhs].id < transactions[rhs].id : lhs < rhs
        }
        for (previous, next) in zip(byID, byID.dropFirst()) where transactions[previous].id == transactions[next].id {
            earlier[next] = previous
        }
        for (position, transaction) in transactions.enumerated() {
            let line = transaction.sourceLine
            if transaction.amount.minor <= 0 {
                problems.add(line: line, "amount \(transaction.amount) must be positive (the direction is debtor to creditor)")
            }
            let inFile = earlier[position].map { transactions[$0] }
            if let other = inFile ?? existing[transaction.id], !other.sameContent(as: transaction) {
                let place = inFile != nil ? "line \(other.sourceLine) of this file" : "the case (imported earlier)"
                problems.add(line: line, "transaction id '\(transaction.id)' is already used by \(place) with different content")
            }
            guard dated else { continue }
            for key in [transaction.debtor, transaction.creditor] {
                guard let account = accounts[key] else { continue }
                if let opened = account.openedOn, transaction.valueAt < opened {
                    problems.add(line: line, "transaction '\(transaction.id)' is dated \(Self.day(transaction.valueAt)), before account \(account.identifier) opened on \(Self.day(opened))")
                }
                if let closed = account.closedOn, transaction.valueAt > closed.addingTimeInterval(86_400) {
                    problems.add(line: line, "transaction '\(transaction.id)' is dated \(Self.day(transaction.valueAt)), after account \(account.identifier) closed on \(Self.day(closed))")
                }
            }
        }
    }

    static func day(_ date: Date) -> String {
        String(date.formatted(.iso8601.year().month().day()))
    }
}
