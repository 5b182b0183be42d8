#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A case: the spine that messages, evidence, hit/no-hit searches and follow-ups, approvals and
/// legal holds link to by its reference (or one of the partners' references for it).
public struct Case: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case open
        /// Closed: kept for review and retention, readable, but nothing new is disclosed under it.
        case closed
    }

    /// This node's reference, unique on the node (compared without regard to case).
    public var reference: String
    public var title: String
    /// What the case is about, for the team (free text).
    public var summary: String
    public var offenceCategories: [OffenceCategory]
    public var status: Status
    /// The lead investigator's user name; empty for a case made from a reference in use before
    /// cases existed, until a supervisor names one.
    public var lead: String
    /// The other users working the case (user names), the lead not repeated.
    public var team: [String]
    /// The national provision or instrument the investigation is conducted under.
    public var legalBasis: String
    public var retention: RetentionClass
    /// Partners' references for the same case (`XB-CUS/2026/77`, any text a partner uses): messages that carry one of them
    /// link here too.
    public var partnerReferences: [String]
    public var openedBy: String
    public var openedAt: Date
    public var closedBy: String?
    public var closedAt: Date?
    public var closingReason: String?

    public init(
        reference: String, title: String, summary: String = "", offenceCategories: [OffenceCategory], lead: String, team: [String] = [],
        legalBasis: String, retention: RetentionClass = .standard, partnerReferences: [String] = [], openedBy: String, openedAt: Date
    ) {
        self.reference = reference
        self.title = title
        self.summary = summary
        self.offenceCategories = offenceCategories
        self.status = .open
        self.lead = lead
        self.team = team
        self.legalBasis = legalBasis
        self.retention = retention
        self.partnerReferences = partnerReferences
        self.openedBy = openedBy
        self.openedAt = openedAt
    }

    /// Every reference the case is known by: its own first, then the partners'.
    public var references: [String] { [reference] + partnerReferences }

    /// Whether a user is the lead or on the team.
    public func isMember(_ username: String) -> Bool { lead == username || team.contains(username) }

    /// The date by which the need to keep the case must be reviewed (Directive 2016/680 Art. 5):
    /// the class's period from the closing, or from the opening while open.
    public var reviewDue: Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let from = closedAt ?? openedAt
        return calendar.date(byAdding: .year, value: retention.reviewYears, to: from) ?? from.addingTimeInterval(TimeInterval(retention.reviewYears) * 365 * 86_400)
    }

    /// The key a reference is stored and looked up by: trimmed, lower case.
    public static func key(_ reference: String) -> String {
        String(reference.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()).lowercased()
    }

    /// Checks this node's own reference: 1 to 60 letters, digits and `- _ .`, starting with a
    /// letter or digit (it appears in URLs, file names and partners' systems).
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
    public static func validateReference(_ reference: String, field: String = "reference") throws(LiaisonError) {
        let alphanumeric: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        let allowed = reference.unicodeScalars.allSatisfy { alphanumeric($0) || "-_.".unicodeScalars.contains($0) }
        guard (1...60).contains(reference.count), allowed, let first = reference.unicodeScalars.first, alphanumeric(first) else {
            throw LiaisonError(.invalidInput, "\(field): give 1 to 60 letters, digits, '-', '_' or '.', starting with a letter or digit (for example XA-2026-0042), not '\(reference.prefix(80))'.")
        }
    }

    /// Checks a case before it is stored.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field and what to write.
    public func validate() throws(LiaisonError) {
        try Self.validateReference(reference)
        guard title.filter({ !$0.isWhitespace }).count >= 3 else { throw LiaisonError(.invalidInput, "title: give the case a title of at least 3 characters.") }
        try TextRules.checkLine(self.title, "title", maximum: 200)
        try TextRules.checkText(summary, "summary")
        guard summary.count <= 10_000 else { throw LiaisonError(.invalidInput, "summary: at most 10,000 characters.") }
        guard !offenceCategories.isEmpty else { throw LiaisonError(.invalidInput, "offenceCategories: name at least one offence category (or 'other').") }
        guard Set(offenceCategories).count == offenceCategories.count else { throw LiaisonError(.invalidInput, "offenceCategories: each category once.") }
        guard legalBasis.filter({ !$0.isWhitespace }).count >= 3 else {
            throw LiaisonError(.invalidInput, "legalBasis: name the provision the investigation is conducted under (at least 3 characters).")
        }
        try TextRules.checkLine(legalBasis, "legalBasis", maximum: 500)
        for (field, name) in [("lead", lead)] + team.map({ ("team", $0) }) where !name.isEmpty {
            try TextRules.checkLine(name, field, maximum: 100)
        }
        guard team.count <= 200 else { throw LiaisonError(.invalidInput, "team: at most 200 members.") }
        guard Set(team).count == team.count, !team.contains(lead) else { throw LiaisonError(.invalidInput, "team: each member once, the lead not repeated.") }
        guard partnerReferences.count <= 50 else { throw LiaisonError(.invalidInput, "partnerReferences: at most 50.") }
        var keys: Set<String> = [Self.key(reference)]
        for other in partnerReferences {
            guard !other.allSatisfy(\.isWhitespace) else { throw LiaisonError(.invalidInput, "partnerReferences: a reference may not be empty.") }
            try TextRules.checkLine(other, "partnerReferences", maximum: 100)
            guard !other.hasPrefix("message:") else { throw LiaisonError(.invalidInput, "partnerReferences: '\(other)' names a message, not a case.") }
            guard keys.insert(Self.key(other)).inserted else { throw LiaisonError(.invalidInput, "partnerReferences: '\(other)' is given twice.") }
        }
    }
}

/// How long a case is kept before its need is reviewed (Directive (EU) 2016/680 Art. 5: time
/// limits for erasure or periodic review, set by the controller; US 28 CFR 23.20(h): review
/// before at most 5 years).
public enum RetentionClass: String, Codable, Sendable, CaseIterable {
    /// Minor offences and leads that did not develop: review after 3 years.
    case short = "review-3-years"
    /// The default: review after 5 years.
    case standard = "review-5-years"
    /// Serious and organised crime with proceedings likely: review after 10 years.
    case long = "review-10-years"

    public var reviewYears: Int {
        switch self {
        case .short: 3
        case .standard: 5
        case .long: 10
        }
    }
}

/// What the policy decision point needs to know of the case a user names for a new disclosure.
public enum CaseStanding: String, Sendable, Equatable {
    case open
    case closed
    /// No case on this node has that reference.
    case unknown
}
