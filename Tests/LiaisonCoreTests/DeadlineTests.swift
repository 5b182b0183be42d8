import Foundation
import LiaisonCore
import Testing

/// The deadline engine against dates computed by hand from the instruments' periods and
/// Regulation 1182/71 Art. 3 (the day or hour of the event not counted, weekends and holidays
/// counted, a last day on a weekend or holiday moved to the next working day, periods in hours
/// never moved), in three kinds of jurisdiction: Brussels time with Christmas, New Year and Easter
/// Monday as holidays; a Friday–Saturday weekend; plain elapsed time in UTC.
@Suite("Statutory deadlines")
struct DeadlineTests {
    static let brussels = JurisdictionCalendar(
        jurisdiction: "XA", timeZone: "Europe/Brussels",
        holidays: ["2026-12-25", "2026-12-26", "2027-01-01", "2027-03-29", "2027-05-06"]
    )
    static let gulf = JurisdictionCalendar(jurisdiction: "XD", timeZone: "Asia/Dubai", weekend: [6, 7])
    static let elapsed = JurisdictionCalendar(jurisdiction: "XE", timeZone: "UTC", rule: .elapsed)

    /// A local time in a jurisdiction, "YYYY-MM-DD HH:MM".
    static func at(_ text: String, _ zone: String = "Europe/Brussels") -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" }).map { Int($0)! }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: parts.count > 3 ? parts[3] : 0, minute: parts.count > 4 ? parts[4] : 0))!
    }

    struct Scenario: CustomTestStringConvertible, Sendable {
        var name: String
        var calendar: JurisdictionCalendar
        var clock: StatutoryClock?
        var period: LegalPeriod
        var event: String
        /// The first local instant after the period, "YYYY-MM-DD HH:MM".
        var expected: String
        var testDescription: String { name }

        init(_ name: String, _ calendar: JurisdictionCalendar = DeadlineTests.brussels, clock: StatutoryClock, _ event: String, _ expected: String) {
            self.name = name
            self.calendar = calendar
            self.clock = clock
            period = clock.period
            self.event = event
            self.expected = expected
        }

        init(_ name: String, _ calendar: JurisdictionCalendar = DeadlineTests.brussels, period: LegalPeriod, _ event: String, _ expected: String) {
            self.name = name
            self.calendar = calendar
            clock = nil
            self.period = period
            self.event = event
            self.expected = expected
        }
    }

    static let scenarios: [Scenario] = [
        // EIO acknowledgement, one week (Directive 2014/41/EU Art. 16(1)), from each day of one week.
        .init("EIO ack from Monday", clock: .eioAcknowledgement, "2027-01-11 09:00", "2027-01-19 00:00"),
        .init("EIO ack from Tuesday", clock: .eioAcknowledgement, "2027-01-12 09:00", "2027-01-20 00:00"),
        .init("EIO ack from Wednesday", clock: .eioAcknowledgement, "2027-01-13 09:00", "2027-01-21 00:00"),
        .init("EIO ack from Thursday", clock: .eioAcknowledgement, "2027-01-14 09:00", "2027-01-22 00:00"),
        .init("EIO ack from Friday", clock: .eioAcknowledgement, "2027-01-15 09:00", "2027-01-23 00:00"),
        .init("EIO ack from Saturday: last day Saturday, moved to Monday", clock: .eioAcknowledgement, "2027-01-16 09:00", "2027-01-26 00:00"),
        .init("EIO ack from Sunday: last day Sunday, moved to Monday", clock: .eioAcknowledgement, "2027-01-17 23:59", "2027-01-26 00:00"),
        .init("EIO ack over Christmas: Friday 25th a holiday, then the weekend", clock: .eioAcknowledgement, "2026-12-18 10:00", "2026-12-29 00:00"),
        .init("EIO ack from Monday 7 December", clock: .eioAcknowledgement, "2026-12-07 10:00", "2026-12-15 00:00"),
        // EIO recognition, 30 days (Art. 12(3)).
        .init("EIO recognition, plain", clock: .eioRecognition, "2026-12-07 10:00", "2027-01-07 00:00"),
        .init("EIO recognition ending on New Year's Day, then the weekend", clock: .eioRecognition, "2026-12-02 10:00", "2027-01-05 00:00"),
        .init("EIO recognition ending on Saturday 26 December (holiday and weekend)", clock: .eioRecognition, "2026-11-26 16:00", "2026-12-29 00:00"),
        .init("EIO recognition across the change to summer time", clock: .eioRecognition, "2027-03-10 08:00", "2027-04-10 00:00"),
        .init("EIO recognition ending on Easter Monday", clock: .eioRecognition, "2027-02-27 12:00", "2027-03-31 00:00"),
        // EIO execution, 90 days (Art. 12(4)).
        .init("EIO execution ending on a Sunday", clock: .eioExecution, "2026-12-07 10:00", "2027-03-09 00:00"),
        .init("EIO execution, plain", clock: .eioExecution, "2027-01-06 10:00", "2027-04-07 00:00"),
        // EIO provisional measures, 24 hours (Art. 32(2)): hours are never moved.
        .init("provisional measures from 10:25", clock: .eioProvisionalMeasures, "2026-12-07 10:25", "2026-12-08 11:00"),
        .init("provisional measures from exactly 10:00 (the event's hour is not counted)", clock: .eioProvisionalMeasures, "2026-12-07 10:00", "2026-12-08 11:00"),
        .init("provisional measures from Saturday night, ending on Sunday", clock: .eioProvisionalMeasures, "2026-12-12 22:10", "2026-12-13 23:00"),
        .init("provisional measures on Christmas Eve, ending on Christmas Day", clock: .eioProvisionalMeasures, "2026-12-24 09:59", "2026-12-25 10:00"),
        .init("provisional measures from 23:30, ending at midnight", clock: .eioProvisionalMeasures, "2026-12-07 23:30", "2026-12-09 00:00"),
        // EAW with consent, 10 days (FD 2002/584/JHA Art. 17(2)), from each day of one week.
        .init("EAW consent on Monday", clock: .eawDecisionWithConsent, "2027-02-01 11:00", "2027-02-12 00:00"),
        .init("EAW consent on Tuesday", clock: .eawDecisionWithConsent, "2027-02-02 11:00", "2027-02-13 00:00"),
        .init("EAW consent on Wednesday: last day Saturday", clock: .eawDecisionWithConsent, "2027-02-03 11:00", "2027-02-16 00:00"),
        .init("EAW consent on Thursday: last day Sunday", clock: .eawDecisionWithConsent, "2027-02-04 11:00", "2027-02-16 00:00"),
        .init("EAW consent on Friday", clock: .eawDecisionWithConsent, "2027-02-05 11:00", "2027-02-16 00:00"),
        .init("EAW consent on Saturday", clock: .eawDecisionWithConsent, "2027-02-06 11:00", "2027-02-17 00:00"),
        .init("EAW consent on Sunday", clock: .eawDecisionWithConsent, "2027-02-07 11:00", "2027-02-18 00:00"),
        // EAW without consent, 60 days from the arrest (Art. 17(3)); surrender 10 days (Art. 23(2)).
        .init("EAW decision 60 days", clock: .eawDecision, "2026-12-07 06:00", "2027-02-06 00:00"),
        .init("EAW decision 60 days ending on a Saturday", clock: .eawDecision, "2026-12-08 06:00", "2027-02-09 00:00"),
        .init("EAW surrender ending on Christmas Day", clock: .eawSurrender, "2026-12-15 15:00", "2026-12-29 00:00"),
        .init("EAW surrender, plain", clock: .eawSurrender, "2027-01-05 15:00", "2027-01-16 00:00"),
        .init("EAW surrender ending on New Year's Day", clock: .eawSurrender, "2026-12-22 15:00", "2027-01-05 00:00"),
        .init("confiscation counted from Christmas Day (holidays count within a period)", clock: .confiscationRecognition, "2026-12-25 10:00", "2027-02-09 00:00"),
        // Urgent freezing, 48 + 48 hours (Reg. (EU) 2018/1805 Art. 9).
        .init("urgent freezing recognised within 48 hours", clock: .freezingUrgentRecognition, "2026-12-07 10:25", "2026-12-09 11:00"),
        .init("urgent freezing over a weekend: hours are not moved", clock: .freezingUrgentRecognition, "2026-12-11 23:30", "2026-12-14 00:00"),
        .init("urgent freezing executed within a further 48 hours", clock: .freezingUrgentExecution, "2026-12-09 11:00", "2026-12-11 12:00"),
        .init("urgent freezing across the change to summer time (elapsed hours)", clock: .freezingUrgentRecognition, "2027-03-27 09:15", "2027-03-29 11:00"),
        // Confiscation, 45 days (Art. 20(1)).
        .init("confiscation recognised within 45 days", clock: .confiscationRecognition, "2026-12-07 10:00", "2027-01-22 00:00"),
        .init("confiscation ending on a Sunday", clock: .confiscationRecognition, "2026-12-10 10:00", "2027-01-26 00:00"),
        // e-Evidence (Reg. (EU) 2023/1543).
        .init("EPOC 10 days over New Year", clock: .productionOrder, "2026-12-24 12:00", "2027-01-05 00:00"),
        .init("EPOC 10 days, plain", clock: .productionOrder, "2027-01-12 12:00", "2027-01-23 00:00"),
        .init("EPOC emergency 8 hours, overnight", clock: .productionOrderEmergency, "2026-12-07 17:40", "2026-12-08 02:00"),
        .init("EPOC emergency 8 hours on a Sunday", clock: .productionOrderEmergency, "2026-12-13 08:05", "2026-12-13 17:00"),
        .init("EPOC objection 10 days ending on a Saturday", clock: .productionOrderObjection, "2027-01-13 09:00", "2027-01-26 00:00"),
        .init("EPOC objection 96 hours in an emergency, across summer time", clock: .productionOrderObjectionEmergency, "2027-03-26 09:15", "2027-03-30 11:00"),
        .init("EPOC-PR 60 days", clock: .preservationOrder, "2026-12-07 10:00", "2027-02-06 00:00"),
        .init("EPOC-PR 60 days ending on Easter Monday", clock: .preservationOrder, "2027-01-28 10:00", "2027-03-31 00:00"),
        // Months and weeks (Art. 3(2)(c)).
        .init("one month from 31 January: the last day of February, a Sunday, moved to Monday", period: .months(1), "2027-01-31 10:00", "2027-03-02 00:00"),
        .init("one month, plain", period: .months(1), "2026-12-07 10:00", "2027-01-08 00:00"),
        .init("four months, ending on a Saturday", period: .months(4), "2027-01-08 10:00", "2027-05-11 00:00"),
        .init("two weeks from a Sunday", period: .weeks(2), "2026-12-13 10:00", "2026-12-29 00:00"),
        // Time zones: the day of the event is the local day.
        .init("an event at 23:30 UTC is the next day in Brussels", period: .days(10), "2026-12-08 00:30", "2026-12-19 00:00"),
        .init("ten days in UTC from the same instant (elapsed rule)", DeadlineTests.elapsed, period: .days(10), "2026-12-07 23:30", "2026-12-17 23:30"),
        // A Friday–Saturday weekend.
        .init("Gulf weekend: last day Thursday", DeadlineTests.gulf, period: .days(10), "2026-12-07 10:00", "2026-12-18 00:00"),
        .init("Gulf weekend: last day Friday, moved to Sunday", DeadlineTests.gulf, period: .days(10), "2026-12-08 10:00", "2026-12-21 00:00"),
        .init("Gulf weekend: last day Saturday, moved to Sunday", DeadlineTests.gulf, period: .days(10), "2026-12-09 10:00", "2026-12-21 00:00"),
        .init("Gulf weekend: a Sunday last day is a working day", DeadlineTests.gulf, period: .days(10), "2026-12-10 10:00", "2026-12-21 00:00"),
        // Elapsed time: no rounding, no moving.
        .init("elapsed 30 days", DeadlineTests.elapsed, clock: .eioRecognition, "2026-12-07 10:00", "2027-01-06 10:00"),
        .init("elapsed 48 hours", DeadlineTests.elapsed, clock: .freezingUrgentRecognition, "2026-12-11 23:30", "2026-12-13 23:30"),
        .init("elapsed one week ending on a Sunday", DeadlineTests.elapsed, clock: .eioAcknowledgement, "2026-12-06 08:00", "2026-12-13 08:00"),
    ]

    @Test("every scenario ends where the hand count says", arguments: scenarios)
    func scenario(_ scenario: Scenario) throws {
        let engine = try DeadlineEngine(scenario.calendar)
        let zone = scenario.calendar.timeZone
        let deadline = engine.deadline(from: Self.at(scenario.event, zone), period: scenario.period)
        #expect(deadline == Self.at(scenario.expected, zone), "\(scenario.name): \(deadline.formatted(.iso8601))")
        if scenario.calendar.rule == .regulation1182, scenario.period.unit != .hours {
            #expect(engine.walkedDeadline(from: Self.at(scenario.event, zone), period: scenario.period) == deadline)
        }
    }

    @Test("the engine agrees with a day-by-day walk on 5,000 random events and periods")
    func againstTheWalk() throws {
        let engine = try DeadlineEngine(Self.brussels)
        var generator = SystemRandomNumberGenerator()
        let start = Self.at("2026-01-01 00:00").timeIntervalSince1970
        for _ in 0..<5_000 {
            let event = Date(timeIntervalSince1970: start + Double.random(in: 0..<(2 * 365 * 86_400), using: &generator))
            let unit = [LegalPeriod.Unit.days, .weeks, .months].randomElement(using: &generator)!
            let period = LegalPeriod(Int.random(in: 0...120, using: &generator) / (unit == .months ? 10 : unit == .weeks ? 4 : 1), unit)
            #expect(engine.deadline(from: event, period: period) == engine.walkedDeadline(from: event, period: period), "\(event) + \(period)")
        }
    }

    @Test("the requesting authority's shorter date applies; a later one does not lengthen the period; extensions need a reason and stay within the law's maximum")
    func readings() throws {
        let engine = try DeadlineEngine(Self.brussels)
        let receipt = Self.at("2026-12-07 10:00")
        let plain = try engine.reading(.eioRecognition, startedAt: receipt)
        #expect(plain.deadline == Self.at("2027-01-07 00:00") && plain.statutoryDeadline == plain.deadline)
        #expect(try engine.reading(.eioRecognition, startedAt: receipt, requested: Self.at("2026-12-20 00:00")).deadline == Self.at("2026-12-20 00:00"))
        #expect(try engine.reading(.eioRecognition, startedAt: receipt, requested: Self.at("2027-03-01 00:00")).deadline == Self.at("2027-01-07 00:00"))
        // 30 more days from the last day, 6 January: 5 February, a Friday.
        let extended = try engine.reading(.eioRecognition, startedAt: receipt, extendedBy: (.days(30), "The bank needs a court order first."))
        #expect(extended.deadline == Self.at("2027-02-06 00:00") && extended.extensionReason == "The bank needs a court order first.")
        // EAW: 60 days end on 5 February; 30 more end on Sunday 7 March, moved to Monday 8 March.
        #expect(try engine.reading(.eawDecision, startedAt: Self.at("2026-12-07 06:00"), extendedBy: (.days(30), "Awaiting the issuing state's guarantees.")).deadline == Self.at("2027-03-09 00:00"))
        #expect(throws: LiaisonError.self) { try engine.reading(.eioRecognition, startedAt: receipt, extendedBy: (.days(30), "  ")) }
        #expect(throws: LiaisonError.self) { try engine.reading(.eioRecognition, startedAt: receipt, extendedBy: (.days(31), "Too long.")) }
        #expect(throws: LiaisonError.self) { try engine.reading(.eioExecution, startedAt: receipt, extendedBy: (.days(10), "Not extendable.")) }
        do {
            _ = try engine.reading(.eioRecognition, startedAt: receipt, extendedBy: (.days(30), ""))
        } catch {
            #expect(error.code == .justificationRequired)
        }
    }

    @Test("a calendar with an unknown time zone, an impossible holiday or a seven-day weekend is refused")
    func badCalendars() {
        #expect(throws: LiaisonError.self) { try DeadlineEngine(JurisdictionCalendar(jurisdiction: "XZ", timeZone: "Mars/Olympus")) }
        #expect(throws: LiaisonError.self) { try DeadlineEngine(JurisdictionCalendar(jurisdiction: "XZ", timeZone: "UTC", holidays: ["2027-02-30"])) }
        #expect(throws: LiaisonError.self) { try DeadlineEngine(JurisdictionCalendar(jurisdiction: "XZ", timeZone: "UTC", weekend: Set(1...7))) }
    }
}
