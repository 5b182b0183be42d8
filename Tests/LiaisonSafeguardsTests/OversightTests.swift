import Foundation
import LiaisonCore
import LiaisonSafeguards
import Testing

@Suite("Access anomalies and the transparency report")
struct OversightRuleTests {
    /// Monday 2026-09-21 10:00 UTC.
    static let monday = ISO8601DateFormatter().date(from: "2026-09-21T10:00:00Z")!

    static func read(_ user: String, at date: Date, index: UInt64) -> LoggedEvent {
        LoggedEvent(index: index, event: AuditEvent(time: date, operation: .messageRead, actor: "user:\(user)", subject: "message:m\(index)"))
    }

    static var normalWeek: [LoggedEvent] {
        var events: [LoggedEvent] = []
        var index: UInt64 = 0
        for day in 0..<5 {
            for (user, reads) in [("ana", 12), ("bo", 15), ("cy", 10), ("di", 14)] {
                for n in 0..<reads {
                    index += 1
                    events.append(read(user, at: monday.addingTimeInterval(TimeInterval(day * 86_400 + n * 600)), index: index))
                }
            }
        }
        return events
    }

    @Test("a normal week of reading in office hours raises nothing")
    func normalUse() {
        #expect(AccessAnomalyDetector.detect(Self.normalWeek).isEmpty)
    }

    @Test("bulk reading at night by one user raises peer-volume and out-of-hours alerts with the entries behind them")
    func nightBulk() {
        var events = Self.normalWeek
        let night = ISO8601DateFormatter().date(from: "2026-09-23T02:00:00Z")!
        for read in 0..<250 { events.append(Self.read("eve", at: night.addingTimeInterval(TimeInterval(read * 10)), index: 10_000 + UInt64(read))) }
        let alerts = AccessAnomalyDetector.detect(events)
        #expect(alerts.map(\.kind) == [.peerVolume, .outOfHoursBulk])
        #expect(alerts.allSatisfy { $0.actor == "user:eve" && $0.count == 250 && $0.evidence.first == 10_000 && $0.evidence.count == 50 })
        #expect(alerts[0].summary == "user:eve consulted 250 records; the median of 4 peers is 65.")
    }

    @Test("queries with no case link and repeated denials within a day are flagged; spread-out denials are not")
    func refusals() {
        var events: [LoggedEvent] = []
        for hour in 0..<3 {
            events.append(LoggedEvent(index: UInt64(hour), event: AuditEvent(
                time: Self.monday.addingTimeInterval(TimeInterval(hour * 3600)), operation: .policyDecision, outcome: .denied, actor: "user:fay",
                details: ["decision": "deny", "reasons": "no-case-link"]
            )))
        }
        for minute in 0..<2 {
            events.append(LoggedEvent(index: 50 + UInt64(minute), event: AuditEvent(time: Self.monday.addingTimeInterval(TimeInterval(minute * 60)), operation: .accessDenied, outcome: .denied, actor: "user:fay")))
        }
        for day in 0..<5 {
            events.append(LoggedEvent(index: 100 + UInt64(day), event: AuditEvent(time: Self.monday.addingTimeInterval(TimeInterval(day * 2 * 86_400)), operation: .accessDenied, outcome: .denied, actor: "user:gus")))
        }
        let alerts = AccessAnomalyDetector.detect(events)
        #expect(alerts.map(\.kind) == [.noCaseLink, .repeatedDenials])
        #expect(alerts.map(\.actor) == ["user:fay", "user:fay"], "fay's five refusals in three hours; gus's five over ten days are not flagged")
    }

    @Test("weekends and nights are out of hours")
    func hours() {
        let rules = AccessAnomalyRules()
        let at = { (text: String) in ISO8601DateFormatter().date(from: text)! }
        #expect(AccessAnomalyDetector.outOfHours(at("2026-09-21T23:30:00Z"), rules))
        #expect(AccessAnomalyDetector.outOfHours(at("2026-09-22T05:59:00Z"), rules))
        #expect(!AccessAnomalyDetector.outOfHours(at("2026-09-22T06:00:00Z"), rules))
        #expect(AccessAnomalyDetector.outOfHours(at("2026-09-26T12:00:00Z"), rules), "Saturday")
    }

    @Test("the report counts messages per partner and purpose, approvals with the median time, refusals by reason, erasures and alerts")
    func report() {
        let t = Self.monday
        let events = [
            AuditEvent(time: t, operation: .messageSent, actor: "user:a", purpose: "investigation", recipients: ["XB-CUS", "XC-PRO"]),
            AuditEvent(time: t, operation: .messageSent, actor: "user:a", purpose: "investigation", recipients: ["XB-CUS"]),
            AuditEvent(time: t, operation: .messageSent, outcome: .denied, actor: "user:a", purpose: "investigation", recipients: ["XB-CUS"]),
            AuditEvent(time: t, operation: .messageReceived, actor: "node:XB-CUS", purpose: "prosecution"),
            AuditEvent(time: t, operation: .approvalRequested, actor: "user:a", subject: "approval:1"),
            AuditEvent(time: t.addingTimeInterval(7_200), operation: .approvalDecided, actor: "user:s", subject: "approval:1", details: ["decision": "approved"]),
            AuditEvent(time: t, operation: .approvalRequested, actor: "user:a", subject: "approval:2"),
            AuditEvent(time: t.addingTimeInterval(3_600), operation: .approvalDecided, actor: "user:s", subject: "approval:2", details: ["decision": "refused"]),
            AuditEvent(time: t, operation: .approvalRequested, actor: "user:a", subject: "approval:3"),
            AuditEvent(time: t, operation: .policyDecision, outcome: .denied, actor: "user:a", details: ["reasons": "no-case-link"]),
            AuditEvent(time: t, operation: .policyDecision, outcome: .denied, actor: "user:a", details: ["reasons": "agreement-expired,purpose-not-covered"]),
            AuditEvent(time: t, operation: .policyDecision, actor: "user:a", details: ["decision": "permit"]),
            AuditEvent(time: t, operation: .recordErased, actor: "system", subject: "message:1"),
            AuditEvent(time: t, operation: .recordErased, outcome: .denied, actor: "system", subject: "message:2"),
            AuditEvent(time: t, operation: .recordsAnonymised, actor: "system", details: ["count": "7"]),
            AuditEvent(time: t, operation: .alertRaised, outcome: .failure, actor: "system", details: ["kind": "access-anomaly/peer-volume"]),
            AuditEvent(time: t.addingTimeInterval(-86_400 * 400), operation: .messageSent, actor: "user:a", purpose: "investigation", recipients: ["XB-CUS"]),
        ]
        let report = TransparencyReport.compute(events, node: "XA-POL", from: t.addingTimeInterval(-86_400), to: t.addingTimeInterval(86_400))
        #expect(report.auditRecords == 16)
        #expect(report.exchanges.map { "\($0.partner)/\($0.purpose) \($0.sent)/\($0.received)" } == ["XB-CUS/investigation 2/0", "XB-CUS/prosecution 0/1", "XC-PRO/investigation 1/0"])
        #expect(report.approvals == .init(granted: 1, refused: 1, pending: 1, medianHoursToDecision: 1.5))
        #expect(report.policyRefusals == 2)
        #expect(report.policyRefusalReasons.map(\.key) == ["agreement-expired", "no-case-link", "purpose-not-covered"])
        #expect(report.erasures == 1 && report.erasuresSuspendedByHold == 1 && report.anonymised == 7 && report.alerts == 1)
        #expect(report.csv().contains("messages-sent,XB-CUS/investigation,2\r\n"))
    }
}
