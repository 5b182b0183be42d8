import Foundation
import LiaisonCore
import Testing

/// An instrument's clocks: which step starts which clock and which step answers it, the issuing
/// authority's own earlier date, one extension with a reason, and the register's next deadline.
@Suite("Judicial instruments' clocks")
struct InstrumentClockTests {
    /// Borvia: Helsinki time, Saturday and Sunday off, Reg. 1182/71 counting.
    static let calendar = JurisdictionCalendar(jurisdiction: "XB", timeZone: "Europe/Helsinki", holidays: ["2026-12-24", "2026-12-25"])
    /// Monday 7 December 2026, 10:00 UTC.
    static let monday = Date(timeIntervalSince1970: 1_796_637_600)

    static func instrument(_ kind: InstrumentKind, sections: [String: [FormEntry]] = [:]) -> Instrument {
        let form = InstrumentForm.of(kind)
        var document = InstrumentDocument(form: form.id, language: "en", sections: [:])
        document.sections = sections
        var instrument = Instrument(
            id: "i1", reference: "XC-PRO/\(kind.rawValue.uppercased())/2026/i1", kind: kind, direction: .incoming, issuer: "XC-PRO", executor: "XB-CUS",
            executingJurisdiction: "XB", caseReference: nil, document: document, drafter: "prosecutor", drafterRole: .judicialAuthority, at: monday
        )
        instrument.state = .transmitted
        return instrument
    }

    static func step(_ action: InstrumentAction, _ from: InstrumentState, at date: Date) -> InstrumentStep {
        InstrumentStep(action: action, from: from, to: InstrumentLifecycle.next(action, from: from)!, by: "someone", role: .judicialAuthority, at: date)
    }

    @Test("an EIO: receipt starts acknowledgement and recognition; each answer stops its clock; recognition starts execution")
    func eio() throws {
        let engine = try DeadlineEngine(Self.calendar)
        var eio = Self.instrument(.eio)
        try eio.record(Self.step(.receive, .transmitted, at: Self.monday), engine: engine)
        #expect(eio.clocks.map(\.reading.clock) == [.eioAcknowledgement, .eioRecognition])
        #expect(eio.clocks[0].reading.deadline == engine.deadline(from: Self.monday, period: .weeks(1)))
        #expect(eio.nextDeadline == eio.clocks[0].reading.deadline)
        let tuesday = Self.monday.addingTimeInterval(86_400)
        try eio.record(Self.step(.acknowledge, .received, at: tuesday), engine: engine)
        #expect(eio.clocks[0].stoppedAt == tuesday && !eio.clocks[0].missed(at: tuesday))
        #expect(eio.nextDeadline == eio.clocks[1].reading.deadline)
        let later = Self.monday.addingTimeInterval(20 * 86_400)
        try eio.record(Self.step(.recognise, .acknowledged, at: later), engine: engine)
        #expect(eio.clocks.map(\.reading.clock) == [.eioAcknowledgement, .eioRecognition, .eioExecution])
        #expect(eio.clocks[1].stoppedAt == later)
        #expect(eio.clocks[2].reading.deadline == engine.deadline(from: later, period: .days(90)))
        try eio.record(Self.step(.execute, .recognised, at: later.addingTimeInterval(86_400)), engine: engine)
        #expect(eio.nextDeadline == nil)
        #expect(eio.state == .executed && eio.history.count == 4)
    }

    @Test("a missed clock is missed while it runs past its deadline and once stopped late")
    func missed() throws {
        let engine = try DeadlineEngine(Self.calendar)
        var eio = Self.instrument(.eio)
        try eio.record(Self.step(.receive, .transmitted, at: Self.monday), engine: engine)
        let deadline = eio.clocks[0].reading.deadline
        #expect(!eio.clocks[0].missed(at: deadline.addingTimeInterval(-1)))
        #expect(eio.clocks[0].missed(at: deadline))
        try eio.record(Self.step(.acknowledge, .received, at: deadline.addingTimeInterval(3_600)), engine: engine)
        #expect(eio.clocks[0].missed(at: deadline.addingTimeInterval(-86_400 * 30)))
    }

    @Test("the issuing authority's earlier date shortens the clocks; a later one does not lengthen them")
    func requestedDate() throws {
        let engine = try DeadlineEngine(Self.calendar)
        var urgent = Self.instrument(.eio, sections: ["B": [["urgent": .text("yes"), "urgencyReasons": .text("Funds are moving"), "requestedDeadline": .text("2026-12-10")]]])
        try urgent.record(Self.step(.receive, .transmitted, at: Self.monday), engine: engine)
        #expect(urgent.clocks.map(\.reading.clock) == [.eioAcknowledgement, .eioRecognition, .eioProvisionalMeasures])
        // The end of 10 December in Helsinki (UTC+2): 22:00 UTC.
        let requested = Date(timeIntervalSince1970: 1_796_637_600 + 3 * 86_400 + 12 * 3_600)
        #expect(urgent.clocks[1].reading.deadline == requested)
        #expect(urgent.clocks[1].reading.statutoryDeadline == engine.deadline(from: Self.monday, period: .days(30)))
        // An hour period starts with the next hour (Reg. 1182/71 Art. 3(1)): 24 hours end at 11:00.
        #expect(urgent.clocks[2].reading.deadline == Self.monday.addingTimeInterval(25 * 3_600))

        var relaxed = Self.instrument(.eio, sections: ["B": [["requestedDeadline": .text("2027-06-30")]]])
        try relaxed.record(Self.step(.receive, .transmitted, at: Self.monday), engine: engine)
        #expect(relaxed.clocks[1].reading.deadline == relaxed.clocks[1].reading.statutoryDeadline)
    }

    @Test("clocks of the other instruments: urgent freezing 48 + 48 hours, confiscation 45 days, EPOC 10 days or 8 hours, EPOC-PR 60 days, EAW surrender")
    func otherInstruments() throws {
        let engine = try DeadlineEngine(Self.calendar)
        let cases: [(InstrumentKind, [String: [FormEntry]], InstrumentAction, InstrumentState, [StatutoryClock])] = [
            (.freezing, ["B": [["urgent": .text("yes")]]], .receive, .transmitted, [.freezingUrgentRecognition]),
            (.freezing, [:], .receive, .transmitted, []),
            (.confiscation, [:], .receive, .transmitted, [.confiscationRecognition]),
            (.productionOrder, [:], .receive, .transmitted, [.productionOrder]),
            (.productionOrder, ["C": [["emergency": .text("yes")]]], .receive, .transmitted, [.productionOrderEmergency]),
            (.preservationOrder, [:], .receive, .transmitted, [.preservationOrder]),
            (.eaw, [:], .recognise, .acknowledged, [.eawSurrender]),
        ]
        for (kind, sections, action, from, expected) in cases {
            var instrument = Self.instrument(kind, sections: sections)
            instrument.state = from
            try instrument.record(Self.step(action, from, at: Self.monday), engine: engine)
            #expect(instrument.clocks.map(\.reading.clock) == expected, "\(kind.rawValue) \(action.rawValue)")
        }
        var freezing = Self.instrument(.freezing, sections: ["B": [["urgent": .text("yes")]]])
        try freezing.record(Self.step(.receive, .transmitted, at: Self.monday), engine: engine)
        #expect(freezing.clocks[0].reading.deadline == Self.monday.addingTimeInterval(49 * 3_600))
        try freezing.record(Self.step(.acknowledge, .received, at: Self.monday), engine: engine)
        try freezing.record(Self.step(.recognise, .acknowledged, at: Self.monday.addingTimeInterval(3_600)), engine: engine)
        #expect(freezing.clocks.map(\.reading.clock) == [.freezingUrgentRecognition, .freezingUrgentExecution])
        #expect(freezing.clocks[1].reading.deadline == Self.monday.addingTimeInterval(50 * 3_600))
    }

    @Test("an EAW: the arrest starts the 60-day decision clock, the consent the 10-day one, the decision stops both and starts surrender")
    func arrestWarrant() throws {
        let engine = try DeadlineEngine(Self.calendar)
        var eaw = Self.instrument(.eaw)
        eaw.state = .acknowledged
        let lifecycle = InstrumentLifecycle(kind: .eaw)
        #expect(throws: LiaisonError.self) {
            _ = try lifecycle.step(.consent, from: .acknowledged, history: eaw.history, by: "j", role: .judicialAuthority, issuedBy: nil, at: Self.monday)
        }
        let arrest = try lifecycle.step(.arrest, from: .acknowledged, history: eaw.history, by: "desk", role: .liaisonOfficer, issuedBy: nil, at: Self.monday)
        try eaw.record(arrest, engine: engine)
        #expect(eaw.state == .acknowledged && eaw.clocks.map(\.reading.clock) == [.eawDecision])
        #expect(eaw.clocks[0].reading.deadline == engine.deadline(from: Self.monday, period: .days(60)))
        #expect(throws: LiaisonError.self) {
            _ = try lifecycle.step(.arrest, from: .acknowledged, history: eaw.history, by: "desk", role: .liaisonOfficer, issuedBy: nil, at: Self.monday)
        }
        let consent = try lifecycle.step(.consent, from: .acknowledged, history: eaw.history, by: "j", role: .judicialAuthority, issuedBy: nil, at: Self.monday.addingTimeInterval(86_400))
        try eaw.record(consent, engine: engine)
        #expect(eaw.clocks.map(\.reading.clock) == [.eawDecision, .eawDecisionWithConsent])
        #expect(eaw.nextDeadline == eaw.clocks[1].reading.deadline)
        try eaw.record(Self.step(.recognise, .acknowledged, at: Self.monday.addingTimeInterval(5 * 86_400)), engine: engine)
        #expect(eaw.clocks.filter(\.isRunning).map(\.reading.clock) == [.eawSurrender])
        // Not on an EIO.
        #expect(throws: LiaisonError.self) {
            _ = try InstrumentLifecycle(kind: .eio).step(.arrest, from: .acknowledged, history: [], by: "desk", role: .liaisonOfficer, issuedBy: nil, at: Self.monday)
        }
    }

    @Test("a withdrawal or a refusal stops every clock")
    func endings() throws {
        let engine = try DeadlineEngine(Self.calendar)
        for (action, from) in [(InstrumentAction.withdraw, InstrumentState.acknowledged), (.refuse, .acknowledged)] {
            var eio = Self.instrument(.eio)
            try eio.record(Self.step(.receive, .transmitted, at: Self.monday), engine: engine)
            eio.state = from
            try eio.record(Self.step(action, from, at: Self.monday.addingTimeInterval(3_600)), engine: engine)
            #expect(eio.clocks.allSatisfy { !$0.isRunning } && eio.nextDeadline == nil, "\(action.rawValue)")
        }
    }

    @Test("one extension with a reason, within the law's maximum, of a clock that allows one")
    func extensions() throws {
        let engine = try DeadlineEngine(Self.calendar)
        var eio = Self.instrument(.eio)
        try eio.record(Self.step(.receive, .transmitted, at: Self.monday), engine: engine)
        #expect(throws: LiaisonError.self) { try eio.extend(.eioAcknowledgement, by: .days(7), reason: "busy", engine: engine) }
        #expect(throws: LiaisonError.self) { try eio.extend(.eioRecognition, by: .days(31), reason: "Complex bank records", engine: engine) }
        #expect(throws: LiaisonError.self) { try eio.extend(.eioRecognition, by: .days(30), reason: " ", engine: engine) }
        let before = eio.clocks[1].reading.deadline
        try eio.extend(.eioRecognition, by: .days(30), reason: "Records held by three banks", engine: engine)
        #expect(eio.clocks[1].reading.deadline > before.addingTimeInterval(29 * 86_400))
        #expect(eio.clocks[1].reading.extensionReason == "Records held by three banks")
        #expect(throws: LiaisonError.self) { try eio.extend(.eioRecognition, by: .days(5), reason: "Once more", engine: engine) }
        #expect(throws: LiaisonError.self) { try eio.extend(.eioExecution, by: .days(5), reason: "Not running", engine: engine) }
    }
}
