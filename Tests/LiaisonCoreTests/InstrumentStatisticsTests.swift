import Foundation
import LiaisonCore
import Testing

/// Statistics from audit events alone: counts, durations from each side's start, refusals by
/// ground, missed deadlines, and the e-evidence figures of Reg. (EU) 2023/1543 Art. 28.
@Suite("Judicial statistics from the audit log")
struct InstrumentStatisticsTests {
    static let start = Date(timeIntervalSince1970: 1_796_637_600)

    static func step(_ reference: String, _ kind: String, _ action: String, day: Double, direction: String = "incoming", partner: String = "XC-PRO",
                     ground: String? = nil, urgent: Bool = false, learnedLater: Bool = false) -> AuditEvent {
        let at = start.addingTimeInterval(day * 86_400)
        var details = ["reference": reference, "kind": kind, "action": action, "direction": direction, "partner": partner, "at": at.formatted(.iso8601)]
        if let ground { details["ground"] = ground }
        if urgent { details["urgent"] = "yes" }
        // A step the other side took is logged when this node learns of it; it counts from its own time.
        return AuditEvent(time: learnedLater ? at.addingTimeInterval(5 * 86_400) : at, operation: .instrumentStep, actor: "node:X", details: details)
    }

    @Test("counts, median and 90th percentile per kind, direction and partner; refusals by ground; missed deadlines")
    func rows() {
        var events: [AuditEvent] = []
        // Ten incoming EIOs acknowledged after 1…10 days, recognised after 10…19, the last refused.
        for number in 1...10 {
            let reference = "XC-PRO/EIO/2026/\(number)"
            events.append(Self.step(reference, "eio", "receive", day: 0))
            events.append(Self.step(reference, "eio", "acknowledge", day: Double(number)))
            if number < 10 { events.append(Self.step(reference, "eio", "recognise", day: Double(number + 9))) }
            if number == 10 { events.append(Self.step(reference, "eio", "refuse", day: 20, ground: "eio-11-1-g")) }
        }
        events.append(AuditEvent(time: Self.start.addingTimeInterval(8 * 86_400), operation: .instrumentDeadlineMissed, actor: "system",
                                 details: ["reference": "XC-PRO/EIO/2026/9", "clock": "eio-acknowledgement"]))
        // Outgoing: one EAW to XA-POL whose acknowledgement this node learned five days late.
        events.append(Self.step("XB/EAW/1", "eaw", "transmit", day: 0, direction: "outgoing", partner: "XA-POL"))
        events.append(Self.step("XB/EAW/1", "eaw", "acknowledge", day: 2, direction: "outgoing", partner: "XA-POL", learnedLater: true))
        // One outside the period.
        events.append(Self.step("XC-PRO/EIO/2025/1", "eio", "receive", day: -400))
        let statistics = InstrumentStatistics.compute(events, from: Self.start.addingTimeInterval(-86_400), to: Self.start.addingTimeInterval(365 * 86_400))
        #expect(statistics.rows.count == 2)
        let eio = statistics.rows.first { $0.kind == "eio" }
        #expect(eio?.instruments == 10 && eio?.acknowledged == 10 && eio?.recognised == 9 && eio?.refused == 1)
        #expect(eio?.toAcknowledgement == .init(count: 10, medianDays: 5.5, p90Days: 9))
        #expect(eio?.toRecognition == .init(count: 9, medianDays: 14, p90Days: 18))
        #expect(eio?.refusalsByGround == ["eio-11-1-g": 1])
        #expect(eio?.deadlinesMissed == ["eio-acknowledgement": 1])
        let eaw = statistics.rows.first { $0.kind == "eaw" }
        #expect(eaw?.direction == "outgoing" && eaw?.partner == "XA-POL" && eaw?.toAcknowledgement.medianDays == 2)
    }

    @Test("e-evidence: orders by type, addressee and emergency, complied with or refused, average days to the data")
    func eEvidence() {
        let events = [
            Self.step("A", "epoc", "transmit", day: 0, direction: "outgoing", partner: "XB-CUS", urgent: true),
            Self.step("A", "epoc", "return-results", day: 0.5, direction: "outgoing", partner: "XB-CUS", urgent: true),
            Self.step("B", "epoc", "transmit", day: 0, direction: "outgoing", partner: "XB-CUS"),
            Self.step("B", "epoc", "return-results", day: 7.5, direction: "outgoing", partner: "XB-CUS"),
            Self.step("C", "epoc-pr", "transmit", day: 1, direction: "outgoing", partner: "XA-POL"),
            Self.step("D", "epoc", "transmit", day: 1, direction: "outgoing", partner: "XA-POL"),
            Self.step("D", "epoc", "refuse", day: 3, direction: "outgoing", partner: "XA-POL", ground: "e-evidence-12-1-a"),
        ]
        let statistics = InstrumentStatistics.compute(events, from: Self.start, to: Self.start.addingTimeInterval(30 * 86_400))
        #expect(statistics.eEvidence == [InstrumentStatistics.EEvidence(
            direction: "outgoing", productionOrders: 3, preservationOrders: 1, emergencies: 1, byAddressee: ["XB-CUS": 2, "XA-POL": 2], compliedWith: 2, notCompliedWith: 1,
            refusalsByGround: ["e-evidence-12-1-a": 1], averageDaysToData: 4
        )])
    }
}
