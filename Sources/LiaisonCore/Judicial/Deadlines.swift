#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A period a law sets: so many hours, days, weeks or months.
public struct LegalPeriod: Codable, Sendable, Hashable {
    public enum Unit: String, Codable, Sendable, CaseIterable { case hours, days, weeks, months }

    public var amount: Int
    public var unit: Unit

    public init(_ amount: Int, _ unit: Unit) {
        self.amount = amount
        self.unit = unit
    }

    public static func hours(_ amount: Int) -> LegalPeriod { .init(amount, .hours) }
    public static func days(_ amount: Int) -> LegalPeriod { .init(amount, .days) }
    public static func weeks(_ amount: Int) -> LegalPeriod { .init(amount, .weeks) }
    public static func months(_ amount: Int) -> LegalPeriod { .init(amount, .months) }
}

/// How a state counts a period.
public enum CountingRule: String, Codable, Sendable, CaseIterable {
    /// Regulation (EEC, Euratom) No 1182/71 Art. 3: the hour or day of the event is not counted
    /// (Art. 3(1)); a period runs from the start of its first hour or day to the expiry of its
    /// last (Art. 3(2)); a period in weeks or months ends on the day with the same name or date as
    /// the event's, or the month's last day when that date does not occur (Art. 3(2)(c)); weekends
    /// and public holidays count (Art. 3(3)); but a period not in hours whose last day is a
    /// Saturday, Sunday or public holiday ends with the expiry of the next working day (Art. 3(4)).
    case regulation1182 = "reg-1182-71"
    /// Elapsed time: the deadline is the event plus the period on the jurisdiction's clock, with
    /// no day skipped and no rounding.
    case elapsed
}

/// A jurisdiction's calendar for legal periods: its time zone (days end at local midnight), its
/// weekend, its public holidays (as data, per year) and the counting rule its law applies.
public struct JurisdictionCalendar: Codable, Sendable, Equatable {
    public var jurisdiction: String
    /// An IANA time zone ("Europe/Brussels").
    public var timeZone: String
    /// Weekday numbers of the weekend (Gregorian: 1 Sunday … 7 Saturday).
    public var weekend: Set<Int>
    /// Public holidays as `YYYY-MM-DD`.
    public var holidays: Set<String>
    public var rule: CountingRule

    public init(jurisdiction: String, timeZone: String, weekend: Set<Int> = [1, 7], holidays: Set<String> = [], rule: CountingRule = .regulation1182) {
        self.jurisdiction = jurisdiction
        self.timeZone = timeZone
        self.weekend = weekend
        self.holidays = holidays
        self.rule = rule
    }

    /// Checks the calendar's data.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
    public func validate() throws(LiaisonError) {
        guard TimeZone(identifier: timeZone) != nil else { throw LiaisonError(.invalidInput, "timeZone: '\(timeZone.prefix(60))' is not an IANA time zone (for example Europe/Brussels).") }
        guard weekend.allSatisfy({ (1...7).contains($0) }), weekend.count < 7 else { throw LiaisonError(.invalidInput, "weekend: weekday numbers 1 (Sunday) to 7 (Saturday), not all seven.") }
        for day in holidays where CalendarDay.start(of: day) == nil { throw LiaisonError(.invalidInput, "holidays: '\(day.prefix(20))' is not a date as YYYY-MM-DD.") }
    }
}

/// Computes when a legal period ends.
///
/// Day arithmetic is done on the jurisdiction's calendar (its days begin at local midnight, so a
/// period spanning a change to or from summer time still ends at midnight), hour arithmetic on
/// elapsed time. ``DeadlineEngine/deadline(from:period:in:)`` is constant-time in the length of
/// the period apart from the working-day shift, which skips at most the weekend and the holidays
/// that follow the last day.
public struct DeadlineEngine: Sendable {
    let calendar: Calendar
    let holidays: Set<DayNumber>
    let weekend: Set<Int>
    let rule: CountingRule

    /// A day as a number (days since 1970-01-01 in the jurisdiction's calendar), for holiday lookups
    /// without formatting dates.
    struct DayNumber: Hashable, Sendable { var value: Int }

    /// - Throws: ``LiaisonError`` `.invalidInput` for an unusable calendar.
    public init(_ jurisdiction: JurisdictionCalendar) throws(LiaisonError) {
        try jurisdiction.validate()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: jurisdiction.timeZone) ?? calendar.timeZone
        self.calendar = calendar
        weekend = jurisdiction.weekend
        rule = jurisdiction.rule
        holidays = Set(jurisdiction.holidays.compactMap { text in
            let parts = text.split(separator: "-").compactMap { Int($0) }  // checked: parses text: nil when not a number
            guard parts.count == 3, let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) else { return nil }
            return Self.number(of: date, in: calendar)
        })
    }

    static func number(of date: Date, in calendar: Calendar) -> DayNumber {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        // Days from civil date (proleptic Gregorian), so that no Date arithmetic is needed.
        let year = (parts.year ?? 1970) - ((parts.month ?? 1) <= 2 ? 1 : 0)
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let month = parts.month ?? 1
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + (parts.day ?? 1) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return DayNumber(value: era * 146_097 + dayOfEra - 719_468)
    }

    /// Whether `day` (the start of a day) is a working day: not in the weekend, not a holiday.
    public func isWorkingDay(_ day: Date) -> Bool {
        !weekend.contains(calendar.component(.weekday, from: day)) && !holidays.contains(Self.number(of: day, in: calendar))
    }

    /// When a period that starts with an event expires: the first instant after it (for a period
    /// in days, the local midnight that ends its last day).
    public func deadline(from event: Date, period: LegalPeriod) -> Date {
        let amount = max(0, period.amount)
        switch rule {
        case .elapsed:
            switch period.unit {
            case .hours: return event.addingTimeInterval(Double(amount) * 3600)
            case .days: return calendar.date(byAdding: .day, value: amount, to: event) ?? event
            case .weeks: return calendar.date(byAdding: .day, value: 7 * amount, to: event) ?? event
            case .months: return calendar.date(byAdding: .month, value: amount, to: event) ?? event
            }
        case .regulation1182:
            if period.unit == .hours {
                // Art. 3(1): the hour of the event is not counted; Art. 3(2)(a): from the start of
                // the next hour to the expiry of the last.
                let hour = calendar.dateInterval(of: .hour, for: event)?.end ?? event
                return hour.addingTimeInterval(Double(amount) * 3600)
            }
            let eventDay = calendar.startOfDay(for: event)
            var last: Date
            switch period.unit {
            case .days: last = calendar.date(byAdding: .day, value: amount, to: eventDay) ?? eventDay
            case .weeks: last = calendar.date(byAdding: .day, value: 7 * amount, to: eventDay) ?? eventDay
            case .months:
                // Art. 3(2)(c): the same date, or the last day of the month when it does not occur
                // (Calendar clamps 31 January + 1 month to 28 or 29 February).
                last = calendar.date(byAdding: .month, value: amount, to: eventDay) ?? eventDay
            case .hours: last = eventDay
            }
            // Art. 3(4): a last day that is not a working day moves to the next working day.
            var guardDays = 0
            while !isWorkingDay(last), guardDays < 366 {
                last = calendar.date(byAdding: .day, value: 1, to: last) ?? last
                guardDays += 1
            }
            // Art. 3(2)(b): the period ends with the expiry of the last hour of its last day.
            return calendar.date(byAdding: .day, value: 1, to: last) ?? last
        }
    }

    /// The same deadline found by walking the period one day or hour at a time: the reference the
    /// tests and the benchmark compare ``deadline(from:period:)`` with.
    public func walkedDeadline(from event: Date, period: LegalPeriod) -> Date {
        guard rule == .regulation1182, period.unit != .hours else { return deadline(from: event, period: period) }
        var day = calendar.startOfDay(for: event)
        let eventParts = calendar.dateComponents([.year, .month, .day], from: day)
        let steps: Int
        switch period.unit {
        case .days: steps = period.amount
        case .weeks: steps = 7 * period.amount
        case .months:
            var target = DateComponents(year: eventParts.year, month: (eventParts.month ?? 1) + period.amount, day: 1)
            let firstOfMonth = calendar.date(from: target) ?? day
            let length = calendar.range(of: .day, in: .month, for: firstOfMonth)?.count ?? 28
            target.day = min(eventParts.day ?? 1, length)
            let lastDay = calendar.date(from: target) ?? day
            steps = calendar.dateComponents([.day], from: day, to: lastDay).day ?? 0
        case .hours: steps = 0
        }
        for _ in 0..<max(0, steps) { day = calendar.date(byAdding: .day, value: 1, to: day) ?? day }
        while !isWorkingDay(day) { day = calendar.date(byAdding: .day, value: 1, to: day) ?? day }
        return calendar.date(byAdding: .day, value: 1, to: day) ?? day
    }
}

/// The statutory clocks of the judicial-cooperation instruments (see FACTS.md, legal cooperation
/// deadlines), each with the event that starts it, its period and, where the law allows one, the
/// longest extension (which needs a reason and a notice to the other side).
public enum StatutoryClock: String, Codable, Sendable, CaseIterable {
    /// EIO: acknowledge receipt (Annex B) within a week — Directive 2014/41/EU Art. 16(1).
    case eioAcknowledgement = "eio-acknowledgement"
    /// EIO: decide on recognition within 30 days of receipt — Art. 12(3); extendable by at most 30
    /// days with reasons — Art. 12(5).
    case eioRecognition = "eio-recognition"
    /// EIO: carry out the measure within 90 days of the decision — Art. 12(4).
    case eioExecution = "eio-execution"
    /// EIO: provisional measures decided within 24 hours where practicable — Art. 32(2).
    case eioProvisionalMeasures = "eio-provisional-measures"
    /// EAW: final decision within 10 days of the requested person's consent — FD 2002/584/JHA
    /// Art. 17(2).
    case eawDecisionWithConsent = "eaw-decision-with-consent"
    /// EAW: final decision within 60 days of the arrest — Art. 17(3); extendable by 30 days with
    /// reasons — Art. 17(4).
    case eawDecision = "eaw-decision"
    /// EAW: surrender within 10 days of the final decision — Art. 23(2).
    case eawSurrender = "eaw-surrender"
    /// Urgent freezing order: recognised within 48 hours — Reg. (EU) 2018/1805 Art. 9(3).
    case freezingUrgentRecognition = "freezing-urgent-recognition"
    /// Urgent freezing order: executed within a further 48 hours — Art. 9(4).
    case freezingUrgentExecution = "freezing-urgent-execution"
    /// Confiscation order: recognised within 45 days — Reg. (EU) 2018/1805 Art. 20(1).
    case confiscationRecognition = "confiscation-recognition"
    /// EPOC: data within 10 days of receiving the certificate — Reg. (EU) 2023/1543 Art. 10(2).
    case productionOrder = "epoc-production"
    /// EPOC in an emergency: data within 8 hours — Art. 10(4).
    case productionOrderEmergency = "epoc-production-emergency"
    /// EPOC with notification: the enforcing authority may raise grounds within 10 days — Art. 12.
    case productionOrderObjection = "epoc-objection"
    /// EPOC with notification in an emergency: grounds within 96 hours — Art. 12.
    case productionOrderObjectionEmergency = "epoc-objection-emergency"
    /// EPOC-PR: preserve the data for 60 days — Art. 11(1); extendable by 30 days.
    case preservationOrder = "epoc-pr-preservation"

    public var period: LegalPeriod {
        switch self {
        case .eioAcknowledgement: .weeks(1)
        case .eioRecognition: .days(30)
        case .eioExecution: .days(90)
        case .eioProvisionalMeasures: .hours(24)
        case .eawDecisionWithConsent: .days(10)
        case .eawDecision: .days(60)
        case .eawSurrender: .days(10)
        case .freezingUrgentRecognition, .freezingUrgentExecution: .hours(48)
        case .confiscationRecognition: .days(45)
        case .productionOrder: .days(10)
        case .productionOrderEmergency: .hours(8)
        case .productionOrderObjection: .days(10)
        case .productionOrderObjectionEmergency: .hours(96)
        case .preservationOrder: .days(60)
        }
    }

    /// The longest extension the law allows, if any.
    public var maximumExtension: LegalPeriod? {
        switch self {
        case .eioRecognition: .days(30)
        case .eawDecision: .days(30)
        case .preservationOrder: .days(30)
        default: nil
        }
    }

    /// What starts the clock, in words.
    public var startsWith: String {
        switch self {
        case .eioAcknowledgement, .eioRecognition, .confiscationRecognition, .productionOrder, .productionOrderEmergency, .freezingUrgentRecognition,
             .productionOrderObjection, .productionOrderObjectionEmergency, .eioProvisionalMeasures:
            "receipt"
        case .eioExecution, .eawSurrender: "decision"
        case .eawDecisionWithConsent: "consent"
        case .eawDecision: "arrest"
        case .freezingUrgentExecution: "recognition"
        case .preservationOrder: "preservation"
        }
    }
}

/// A running clock: when it started, when it ends (with the issuing authority's shorter
/// deadline and any extension), and how it was extended.
public struct ClockReading: Codable, Sendable, Equatable {
    public var clock: StatutoryClock
    public var startedAt: Date
    /// The statutory end (the first instant after the period), counted under the executing
    /// state's calendar.
    public var statutoryDeadline: Date
    /// The end that applies: the earlier of the statutory end and the requesting authority's own
    /// date, moved by an extension.
    public var deadline: Date
    public var extendedBy: LegalPeriod?
    public var extensionReason: String?
}

extension DeadlineEngine {
    /// Reads a statutory clock.
    /// - Parameters:
    ///   - requested: a shorter deadline or a date the issuing authority asked for (EIO Art.
    ///     12(2)); a later one does not lengthen the statutory period.
    ///   - granted: an extension (period and reason); it must not exceed the clock's maximum.
    /// - Throws: ``LiaisonError`` `.justificationRequired` for an extension without a reason,
    ///   `.invalidInput` for one the law does not allow or that is too long.
    public func reading(_ clock: StatutoryClock, startedAt: Date, requested: Date? = nil, extendedBy granted: (period: LegalPeriod, reason: String)? = nil) throws(LiaisonError) -> ClockReading {
        let statutory = deadline(from: startedAt, period: clock.period)
        var applies = min(statutory, requested ?? statutory)
        if let granted {
            guard let maximum = clock.maximumExtension else {
                throw LiaisonError(.invalidInput, "extension: the \(clock.rawValue) period cannot be extended.")
            }
            guard granted.period.unit == maximum.unit, granted.period.amount >= 1, granted.period.amount <= maximum.amount else {
                throw LiaisonError(.invalidInput, "extension: at most \(maximum.amount) \(maximum.unit.rawValue) for \(clock.rawValue).")
            }
            guard granted.reason.filter({ !$0.isWhitespace }).count >= 3 else {
                throw LiaisonError(.justificationRequired, "extension: give the reason for the delay; it is sent to the other side.")
            }
            // The extension runs on from the last day (or hour) of the period it extends.
            applies = deadline(from: statutory.addingTimeInterval(-0.001), period: granted.period)
        }
        return ClockReading(clock: clock, startedAt: startedAt, statutoryDeadline: statutory, deadline: applies, extendedBy: granted?.period, extensionReason: granted?.reason)
    }
}
