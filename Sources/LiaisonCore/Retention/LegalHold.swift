#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A legal hold: deletion suspended for a case (or one record) until a date, for a reason.
public struct LegalHold: Codable, Sendable, Equatable {
    public var id: String
    /// The case it covers, or `nil` when it covers one record.
    public var caseRef: String?
    /// The one record it covers (`message:<id>`), or `nil` for a whole case.
    public var subject: String?
    public var reason: String
    public var until: Date
    public var createdBy: String
    public var createdAt: Date
    public var releasedBy: String?
    public var releasedAt: Date?

    public init(id: String, caseRef: String?, subject: String?, reason: String, until: Date, createdBy: String, createdAt: Date) {
        self.id = id
        self.caseRef = caseRef
        self.subject = subject
        self.reason = reason
        self.until = until
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    /// In force: not released and not past its end date.
    public func isActive(at date: Date) -> Bool { releasedAt == nil && date < until }

    /// Whether it covers a record of `caseRef` known as `subject`.
    public func covers(caseRef: String?, subject: String) -> Bool {
        if let own = self.subject { return own == subject }
        guard let own = self.caseRef, let caseRef else { return false }
        return own.lowercased() == caseRef.lowercased()
    }

    /// The hold in force among `holds` that covers the record, if any.
    public static func holding(_ holds: [LegalHold], caseRef: String?, subject: String, at date: Date) -> LegalHold? {
        holds.first { $0.isActive(at: date) && $0.covers(caseRef: caseRef, subject: subject) }
    }

    /// Checks a new hold.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
    public func validate(at now: Date) throws(LiaisonError) {
        guard (caseRef == nil) != (subject == nil) else { throw LiaisonError(.invalidInput, "name either a caseRef or a subject (message:<id>), not both") }
        if let caseRef, caseRef.allSatisfy(\.isWhitespace) || caseRef.count > 100 { throw LiaisonError(.invalidInput, "caseRef: give the case reference (1 to 100 characters)") }
        if let subject, !subject.hasPrefix("message:") { throw LiaisonError(.invalidInput, "subject must be message:<id>") }
        guard reason.filter({ !$0.isWhitespace }).count >= 10 else { throw LiaisonError(.invalidInput, "reason: give the reason for the hold (at least 10 characters)") }
        guard until > now else { throw LiaisonError(.invalidInput, "until must be in the future") }
        guard until <= now.addingTimeInterval(10 * 365 * 86_400) else { throw LiaisonError(.invalidInput, "until must be within 10 years; renew the hold when it ends") }
    }
}
