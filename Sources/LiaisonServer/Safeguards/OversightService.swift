import Crypto
import Foundation
import Hummingbird
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
        let parameters = try MessageStore.encoder.encode(rules)
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

/// Scans the audit log for anomalous access every `interval`, raising alerts.
struct OversightService: Service {
    let monitor: OversightMonitor
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                do {
                    for alert in try await monitor.scan() {
                        logger.warning("anomalous access", metadata: ["kind": "\(alert.kind.rawValue)", "actor": "\(alert.actor)"])
                    }
                } catch {
                    logger.error("anomaly scan failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

/// The oversight API and the transparency report.
struct OversightController {
    /// The oversight and data-protection roles: statistics, alerts and the audit trail.
    static let overseers: AccessRule = .only(.oversight, .dataProtectionOfficer)

    let monitor: OversightMonitor
    let configuration: NodeConfiguration

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v1/oversight/summary", access: Self.overseers, surface: .api) { request, _ in
            try JSONBody.response(try await monitor.summary(days: try Self.days(request.uri.queryParameters.get("days"))))
        }
        routes.on(.get, "/api/v1/oversight/anomalies", access: Self.overseers, surface: .api) { request, _ in
            try JSONBody.response(try await monitor.anomalies(days: try Self.days(request.uri.queryParameters.get("days"))))
        }
        routes.on(.post, "/api/v1/oversight/scan", access: Self.overseers, surface: .api) { _, _ in
            try JSONBody.response(try await monitor.scan())
        }
        routes.on(.post, "/api/v1/oversight/alerts/:id/review", access: Self.overseers, surface: .api) { request, context in
            struct Body: Decodable { var confirmed: Bool; var reason: String }
            let body = try await JSONBody.decode(Body.self, from: request, limit: configuration.maxBodyBytes)
            let record = try await monitor.review(try context.parameters.require("id"), confirmed: body.confirmed, reason: body.reason, actor: AuditTrail.actor(context), role: context.principal?.role)
            return try JSONBody.response(OversightMonitor.view(record))
        }
        routes.on(.get, "/api/v1/reports/transparency", access: Self.overseers, surface: .api) { request, _ in
            let (from, to) = try Self.period(request.uri.queryParameters.get("from"), request.uri.queryParameters.get("to"), now: configuration.clock.now())
            let report = try await monitor.transparency(from: from, to: to)
            switch request.uri.queryParameters.get("format") ?? "json" {
            case "json": return try JSONBody.response(report)
            case "csv": return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: report.csv())))
            case "html": return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: TransparencyHTML.document(report))))
            case let other: throw LiaisonError(.invalidInput, "format must be json, csv or html, not '\(other)'.")
            }
        }
    }

    /// The window in days (default 30).
    static func days(_ text: String?) throws -> Int {
        guard let text else { return 30 }
        guard let days = Int(text), (1...3_650).contains(days) else {  // checked: parses text: nil when not a number
            throw LiaisonError(.invalidInput, "days must be a whole number from 1 to 3650, not '\(text)'.")
        }
        return days
    }

    /// A reporting period from `YYYY-MM-DD` dates, both inclusive (default: this calendar year).
    /// - Throws: ``LiaisonError`` 400 naming the field.
    static func period(_ fromText: String?, _ toText: String?, now: Date) throws -> (Date, Date) {
        return try CalendarDay.period(from: fromText, to: toText, now: now)
    }
}

/// The transparency report as a self-contained HTML document (for publication) or fragment (for
/// the console page). Every value is escaped.
enum TransparencyHTML {
    static let escape = HTMLText.escape

    static func fragment(_ report: TransparencyReport) -> String {
        func row(_ label: String, _ value: String) -> String { "<tr><th scope=\"row\">\(escape(label))</th><td>\(escape(value))</td></tr>" }
        func table(_ caption: String, _ rows: [String]) -> String {
            "<table class=\"report\"><caption>\(escape(caption))</caption><tbody>\(rows.joined())</tbody></table>"
        }
        let day = Date.ISO8601FormatStyle().year().month().day()
        var html = "<section id=\"transparency-report\" aria-label=\"Transparency report\">"
        html += "<p>\(escape(report.node)) · \(escape(report.from.formatted(day))) – \(escape(report.to.addingTimeInterval(-1).formatted(day))) · computed from \(report.auditRecords) audit records.</p>"
        html += "<table class=\"report\" id=\"report-exchanges\"><caption>Messages exchanged per partner and purpose</caption><thead><tr><th scope=\"col\">Partner</th><th scope=\"col\">Purpose</th><th scope=\"col\">Sent</th><th scope=\"col\">Received</th></tr></thead><tbody>"
        html += report.exchanges.map { "<tr><td>\(escape($0.partner))</td><td>\(escape($0.purpose))</td><td>\($0.sent)</td><td>\($0.received)</td></tr>" }.joined()
        html += "</tbody></table>"
        html += table("Searches", [
            row("Hit/no-hit searches", "\(report.hitSearches)"), row("… with a hit or near hit", "\(report.hitSearchesWithHit)"),
            row("Names screened", "\(report.screenings)"), row("Screening adjudications", "\(report.adjudications)"),
        ])
        html += table("Disclosures held for approval", [
            row("Granted", "\(report.approvals.granted)"), row("Refused", "\(report.approvals.refused)"), row("Pending at the end", "\(report.approvals.pending)"),
            row("Median hours to a decision", report.approvals.medianHoursToDecision.map { "\($0)" } ?? "–"),
        ])
        html += table("Data subjects' requests", [row("Decided", "\(report.subjectRequests)")] + report.subjectRequestOutcomes.map { row($0.key, "\($0.count)") })
        html += table("Retention", [
            row("Records erased", "\(report.erasures)"), row("Erasures suspended by a legal hold", "\(report.erasuresSuspendedByHold)"),
            row("Records anonymised", "\(report.anonymised)"),
        ])
        html += table("Policy refusals", [row("Refusals", "\(report.policyRefusals)")] + report.policyRefusalReasons.map { row($0.key, "\($0.count)") })
        html += table("Alerts", [row("Raised", "\(report.alerts)")] + report.alertKinds.map { row($0.key, "\($0.count)") }
            + [row("Confirmed by a person", "\(report.alertsConfirmed)"), row("Rejected by a person", "\(report.alertsRejected)")])
        return html + "</section>"
    }

    static func document(_ report: TransparencyReport) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Transparency report — \(escape(report.node))</title>
        <style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;margin:1rem 0;width:100%}caption{text-align:left;font-weight:bold;padding:.3rem 0}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}</style>
        </head><body><h1>Transparency report — \(escape(report.node))</h1>
        \(fragment(report))
        </body></html>

        """
    }
}
