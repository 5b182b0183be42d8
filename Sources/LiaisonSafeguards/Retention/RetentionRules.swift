public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// How long a node keeps personal data before deleting it or reviewing the need to keep it
/// (Directive (EU) 2016/680 Art. 5: time limits for erasure or periodic review).
public struct RetentionRules: Codable, Sendable, Equatable {
    /// Days to keep data on each data-subject category. Suspects and convicted persons: 5 years,
    /// the longest 28 CFR 23.20(h) allows before a review; victims and witnesses 3 years; contacts
    /// and others, whose data Art. 6 asks to treat apart from suspects', 1 year.
    public var days: [DataSubjectCategory: Int] = [.suspect: 1_825, .convicted: 1_825, .victim: 1_095, .witness: 1_095, .contact: 365, .other: 365]
    /// Days to keep a message that names nobody (its text may still be personal data).
    public var messageDays = 1_825
    /// Days after which a screening result is anonymised: the screened name and the matched
    /// name go, the list, score and decision stay for the statistics.
    public var screeningDays = 1_825
    /// Days after registration by which an item of evidence is reviewed (28 CFR 23.20(h): review
    /// before at most 5 years). Evidence is never erased by a sweep — disposal is a custody event
    /// ordered by the authority — so the review ends with disposal (returned, destroyed) or a
    /// legal hold that says why and until when it is kept.
    public var evidenceReviewDays = 1_825
    /// Days after their decision by which the personal data in decided approvals (the held
    /// message) and data subjects' requests (name, identifiers, findings) are anonymised; the
    /// decision itself stays, for accountability.
    public var decidedRecordDays = 1_095

    public init() {}

    enum CodingKeys: String, CodingKey { case days, messageDays, screeningDays, evidenceReviewDays, decidedRecordDays }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RetentionRules()
        if let given = try container.decodeIfPresent([String: Int].self, forKey: .days) {
            var days = defaults.days
            for (key, value) in given {
                guard let category = DataSubjectCategory(rawValue: key) else {
                    throw DecodingError.dataCorruptedError(forKey: .days, in: container, debugDescription: "'\(key)' is not a data-subject category")
                }
                days[category] = value
            }
            self.days = days
        }
        messageDays = try container.decodeIfPresent(Int.self, forKey: .messageDays) ?? defaults.messageDays
        screeningDays = try container.decodeIfPresent(Int.self, forKey: .screeningDays) ?? defaults.screeningDays
        evidenceReviewDays = try container.decodeIfPresent(Int.self, forKey: .evidenceReviewDays) ?? defaults.evidenceReviewDays
        decidedRecordDays = try container.decodeIfPresent(Int.self, forKey: .decidedRecordDays) ?? defaults.decidedRecordDays
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Dictionary(uniqueKeysWithValues: days.map { ($0.key.rawValue, $0.value) }), forKey: .days)
        try container.encode(messageDays, forKey: .messageDays)
        try container.encode(screeningDays, forKey: .screeningDays)
        try container.encode(evidenceReviewDays, forKey: .evidenceReviewDays)
        try container.encode(decidedRecordDays, forKey: .decidedRecordDays)
    }

    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
    public func validate() throws(LiaisonError) {
        // 28 CFR 23.20(h): review before at most 5 years; a node may keep less, and up to 10
        // years where national law says so, never indefinitely.
        let range = 1...3_650
        for (category, value) in days.sorted(by: { $0.key < $1.key }) where !range.contains(value) {
            throw LiaisonError(.invalidInput, "retention.days.\(category.rawValue) must be 1 to 3650 days")
        }
        guard range.contains(messageDays) else { throw LiaisonError(.invalidInput, "retention.messageDays must be 1 to 3650 days") }
        guard range.contains(screeningDays) else { throw LiaisonError(.invalidInput, "retention.screeningDays must be 1 to 3650 days") }
        guard range.contains(evidenceReviewDays) else { throw LiaisonError(.invalidInput, "retention.evidenceReviewDays must be 1 to 3650 days") }
        guard range.contains(decidedRecordDays) else { throw LiaisonError(.invalidInput, "retention.decidedRecordDays must be 1 to 3650 days") }
    }

    /// When a message must go: the shortest period of the data subjects it names (the most
    /// protected person sets the limit), and never later than the date its sender set.
    public func deleteAt(_ message: Message, storedAt: Date) -> Date {
        let subjects = message.dataSubjectCategories
        let keep = subjects.isEmpty ? messageDays : subjects.map { days[$0] ?? messageDays }.min()!
        let limit = storedAt.addingTimeInterval(TimeInterval(keep) * 86_400)
        return min(limit, message.retainUntil ?? limit)
    }
}
