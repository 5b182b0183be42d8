#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A data subject's request about their personal data (Directive (EU) 2016/680 Arts. 14–17).
public struct SubjectRequest: Codable, Sendable, Equatable, Identifiable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Art. 14: to know whether and which data are processed.
        case access
        /// Art. 16(1): to have inaccurate data corrected.
        case rectification
        /// Art. 16(2): to have data erased.
        case erasure
        /// Art. 16(3): to have processing restricted.
        case restriction
    }

    /// How the controller answers.
    public enum Outcome: String, Codable, Sendable, CaseIterable {
        /// The request is met in full.
        case granted
        /// Met in part; the reasons say which part and why not the rest.
        case partiallyGranted = "partially-granted"
        /// Refused; the reasons name the ground.
        case refused
        /// Art. 15: access restricted to avoid prejudicing an investigation or prosecution; the
        /// subject is told they may exercise their rights through the supervisory authority (Art. 17).
        case restricted
        /// Nothing is held about the subject.
        case nothingHeld = "nothing-held"
    }

    public enum State: String, Codable, Sendable { case open, decided }

    public struct Decision: Codable, Sendable, Equatable {
        public var outcome: Outcome
        public var reasons: String
        public var decidedBy: String
        public var decidedAt: Date
        /// Records the decision acted on (erased, restricted), as `message:<id>` and the like.
        public var records: [String]

        public init(outcome: Outcome, reasons: String, decidedBy: String, decidedAt: Date, records: [String]) {
            self.outcome = outcome
            self.reasons = reasons
            self.decidedBy = decidedBy
            self.decidedAt = decidedAt
            self.records = records
        }
    }

    public var id: String
    public var kind: Kind
    /// The name the subject gave, in any script.
    public var name: String
    public var birthDate: String?
    /// Identifiers the subject gave (passport, phone, IBAN, plate…), as written.
    public var identifiers: [String]
    /// How the request arrived (letter, e-mail, through the supervisory authority…).
    public var channel: String
    /// What the subject asks, in their words (for rectification: what is wrong and what is right).
    public var details: String
    public var receivedAt: Date
    public var dueAt: Date
    public var recordedBy: String
    public var state: State
    public var decision: Decision?

    public init(
        id: String, kind: Kind, name: String, birthDate: String?, identifiers: [String], channel: String, details: String,
        receivedAt: Date, dueAt: Date, recordedBy: String
    ) {
        self.id = id
        self.kind = kind
        self.name = name
        self.birthDate = birthDate
        self.identifiers = identifiers
        self.channel = channel
        self.details = details
        self.receivedAt = receivedAt
        self.dueAt = dueAt
        self.recordedBy = recordedBy
        self.state = .open
    }

    /// Open past its deadline.
    public func isOverdue(at date: Date) -> Bool { state == .open && date >= dueAt }

    /// The deadline: `months` calendar months after receipt (one month by default, as GDPR
    /// Art. 12(3) sets and most transpositions of Directive 2016/680 Art. 12 follow).
    public static func deadline(receivedAt: Date, months: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: .month, value: months, to: receivedAt) ?? receivedAt.addingTimeInterval(TimeInterval(months) * 30 * 86_400)
    }

    /// Checks the request as recorded.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
    public func validate() throws(LiaisonError) {
        let letters = name.filter(\.isLetter).count
        guard letters >= 2, name.count <= 300 else { throw LiaisonError(.invalidInput, "name: give the subject's name (2 to 300 characters)") }
        guard !name.contains(where: { $0.isNewline || ($0.asciiValue.map { $0 < 32 } ?? false) }) else { throw LiaisonError(.invalidInput, "name must be one line of text") }
        if let birthDate {
            let parts = birthDate.split(separator: "-")
            guard (1...3).contains(parts.count), parts.allSatisfy({ Int($0) != nil }), parts[0].count == 4 else {  // checked: parses text: nil when not a number
                throw LiaisonError(.invalidInput, "birthDate must be YYYY, YYYY-MM or YYYY-MM-DD")
            }
        }
        guard identifiers.count <= 20, identifiers.allSatisfy({ (1...100).contains($0.count) }) else {
            throw LiaisonError(.invalidInput, "identifiers: at most 20, each 1 to 100 characters")
        }
        guard !channel.allSatisfy(\.isWhitespace), channel.count <= 200 else { throw LiaisonError(.invalidInput, "channel: say how the request arrived") }
        guard details.count <= 10_000 else { throw LiaisonError(.invalidInput, "details must be at most 10,000 characters") }
    }
}
