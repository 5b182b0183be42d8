#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Calendar days written as `YYYY-MM-DD` (ISO 8601), in UTC: report periods, the end of a legal
/// hold or of a user's access authorisation.
public enum CalendarDay {
    static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    /// The start (00:00 UTC) of the day `text` names, or `nil` unless it is a real date as
    /// `YYYY-MM-DD` (so `2026-02-30` and `2026-13-01` are refused, not rolled over).
    public static func start(of text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).compactMap { Int($0) }  // checked: parses text: nil when not a number
        guard text.count == 10, parts.count == 3,
              let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
              calendar.component(.month, from: date) == parts[1], calendar.component(.day, from: date) == parts[2]
        else { return nil }
        return date
    }

    /// The end of the day `text` names: the start of the next day, so that "until 2027-06-30"
    /// includes all of 30 June.
    public static func end(of text: String) -> Date? {
        start(of: text)?.addingTimeInterval(86_400)
    }

    /// A period of whole days, both named days included: `from..<to`.
    /// - Parameters:
    ///   - from: the first day; `nil` for 1 January of `now`'s year.
    ///   - to: the last day; `nil` for 31 December of `now`'s year.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
    public static func period(from: String?, to: String?, now: Date) throws(LiaisonError) -> (from: Date, to: Date) {
        let year = calendar.component(.year, from: now)
        func day(_ text: String?, _ name: String, default fallback: String) throws(LiaisonError) -> String {
            let text = text ?? fallback
            guard start(of: text) != nil else { throw LiaisonError(.invalidInput, "\(name) must be a date as YYYY-MM-DD, not '\(text)'") }
            return text
        }
        let first = start(of: try day(from, "from", default: "\(year)-01-01"))!
        let last = end(of: try day(to, "to", default: "\(year)-12-31"))!
        guard first < last else { throw LiaisonError(.invalidInput, "from must not be after to") }
        return (first, last)
    }
}
