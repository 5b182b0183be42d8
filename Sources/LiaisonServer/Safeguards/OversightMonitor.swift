import Crypto
import Foundation
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore
import Logging
import ServiceLifecycle

/// What the oversight console shows: statistics and alerts, never case content.
struct OversightSummary: Encodable, Sendable {
    struct Approvals: Encodable, Sendable {
        var pending: Int
        var overdue: Int
        var approved: Int
        var refused: Int
    }

    var from: Date
    var to: Date
    var policyDecisions: [TransparencyReport.Count]
    var policyRefusalReasons: [TransparencyReport.Count]
    var approvals: Approvals
    var retentionDue: Int
    var retentionHeld: Int
    var legalHolds: Int
    var erasures: Int
    var anomalies: [AccessAlert]
    var alerts: [AlertView]

    struct AlertView: Encodable, Sendable {
        var id: String
        var raisedAt: Date
        var kind: String
        var source: String
        var detail: String
        var algorithm: String?
        var inputHash: String?
        var review: String?
        var reviewedBy: String?
        var reviewReason: String?
    }
}

/// The oversight side of the safeguards: anomalous-access detection over the audit log, alerts,
/// the console's statistics and the transparency report.
struct OversightMonitor: Sendable {
    let agency: String
    let audit: AuditStore
    let alerts: WitnessStore
    let safeguards: SafeguardsService
    let retention: RetentionStore
    let trail: AuditTrail
    let clock: any WallClock
    var rules = AccessAnomalyRules()

    func events(from: Date, to: Date) async throws -> [LoggedEvent] {
        try await audit.events(from: from, to: to).map { LoggedEvent(index: $0.index, event: $0.event) }
    }

    /// Anomalies in the last `days` days.
    func anomalies(days: Int) async throws -> [AccessAlert] {
        let now = clock.now()
        return AccessAnomalyDetector.detect(try await events(from: now.addingTimeInterval(-TimeInterval(days) * 86_400), to: now.addingTimeInterval(1)), rules: rules)
    }

    /// The detector's name and version, stored with every alert it raises.
    static let algorithm = "liaison-access-anomalies/1"

    static func view(_ record: AlertRecord) -> OversightSummary.AlertView {
        .init(
            id: record.id, raisedAt: record.raisedAt, kind: record.kind, source: record.source, detail: record.detail, algorithm: record.algorithm,
            inputHash: record.inputHash, review: record.review, reviewedBy: record.reviewedBy, reviewReason: record.reviewReason
        )
    }

    /// Raises an alert (and its `alert.raise` audit record) for each anomaly of the last 30 days
    /// not already raised for the same user and rule in the last 24 hours. Each alert keeps the
    /// algorithm, its parameters and the SHA-256 of its input (the window, the log size and the
    /// entries behind it); it has no effect until a person confirms or rejects it.
    /// - Returns: the alerts raised now.
    @discardableResult
    func scan() async throws -> [AccessAlert] {
        let now = clock.now()
        let recent = try await alerts.alerts(limit: 1_000).filter { now.timeIntervalSince($0.raisedAt) < 86_400 }
        let from = now.addingTimeInterval(-30 * 86_400), to = now.addingTimeInterval(1)
        let logged = try await events(from: from, to: to)
        let parameters = try JSON.encoder.encode(rules)
        var raised: [AccessAlert] = []
        for anomaly in AccessAnomalyDetector.detect(logged, rules: rules) {
            let kind = "access-anomaly/\(anomaly.kind.rawValue)"
            guard !recent.contains(where: { $0.kind == kind && $0.source == anomaly.actor }) else { continue }
            let evidence = anomaly.evidence.isEmpty ? "" : " Audit entries: " + anomaly.evidence.prefix(20).map(String.init).joined(separator: ", ") + (anomaly.evidence.count > 20 ? ", …" : "") + "."
            let input = "\(Self.algorithm)|\(from.formatted(.iso8601))|\(to.formatted(.iso8601))|\(logged.count)|\(anomaly.actor)|" + anomaly.evidence.map(String.init).joined(separator: ",")
            let hash = SHA256.hash(data: Data(input.utf8)).map { String(format: "%02x", $0) }.joined()
            _ = try await alerts.raise(kind: kind, source: anomaly.actor, detail: anomaly.summary + evidence, algorithm: Self.algorithm, parameters: parameters, inputHash: hash, at: now)
            raised.append(anomaly)
        }
        if !raised.isEmpty { await trail.wakeup.signal() }
        return raised
    }

    /// A person's confirmation or rejection of an alert, with a reason.
    /// - Throws: ``LiaisonError`` 400/404/409.
    func review(_ id: String, confirmed: Bool, reason: String, actor: String, role: Role?) async throws -> AlertRecord {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard reason.count >= 10, reason.count <= 2_000 else {
            throw LiaisonError(.invalidInput, "reason: say in 10 to 2000 characters why the alert is \(confirmed ? "confirmed" : "rejected").")
        }
        let event = trail.event(.alertReviewed, actor: actor, role: role?.rawValue, subject: "alert:\(id)", details: ["decision": confirmed ? "confirmed" : "rejected", "reason": reason])
        let record = try await alerts.review(id, confirmed: confirmed, by: actor, reason: reason, audit: event, at: clock.now())
        await trail.wakeup.signal()
        return record
    }

    /// The transparency report for `from..<to`.
    func transparency(from: Date, to: Date) async throws -> TransparencyReport {
        TransparencyReport.compute(try await audit.events(from: from, to: to).map(\.event), node: agency, from: from, to: to)
    }

    /// The console's figures over the last `days` days.
    func summary(days: Int) async throws -> OversightSummary {
        let now = clock.now()
        let from = now.addingTimeInterval(-TimeInterval(days) * 86_400)
        let logged = try await events(from: from, to: now.addingTimeInterval(1))
        let report = TransparencyReport.compute(logged.map(\.event), node: agency, from: from, to: now.addingTimeInterval(1))
        var decisions: [String: Int] = [:]
        for entry in logged where entry.event.operation == .policyDecision { decisions[entry.event.details?["decision"] ?? "?", default: 0] += 1 }
        let approvals = try await safeguards.store.approvals(limit: 10_000)
        let configuration = try await safeguards.configuration()
        let due = try await RetentionSweeper.report(store: retention, rules: configuration.retention, withinDays: 30, at: now)
        return OversightSummary(
            from: from, to: now, policyDecisions: TransparencyReport.counts(decisions), policyRefusalReasons: report.policyRefusalReasons,
            approvals: .init(
                pending: approvals.filter { $0.state == .pending }.count, overdue: approvals.filter { $0.isOverdue(at: now) }.count,
                approved: approvals.filter { $0.state == .approved }.count, refused: approvals.filter { $0.state == .refused }.count
            ),
            retentionDue: due.items.filter { $0.heldBy == nil }.count, retentionHeld: due.items.filter { $0.heldBy != nil }.count,
            legalHolds: due.holds.count, erasures: report.erasures,
            anomalies: AccessAnomalyDetector.detect(logged, rules: rules),
            alerts: try await alerts.alerts(limit: 50).map(Self.view)
        )
    }
}
