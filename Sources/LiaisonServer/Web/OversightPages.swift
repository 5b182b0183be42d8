import Foundation
import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// The oversight console (/oversight) and the transparency report page (/oversight/transparency),
/// for the oversight and data-protection roles: statistics and alerts, never case content.
struct OversightPages {
    let renderer: PageRenderer
    let monitor: OversightMonitor
    let clock: any WallClock
    let forms: FormReader

    struct ReviewForm: Decodable {
        var csrf: String?
        var decision: String?
        var reason: String?
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/oversight", access: AccessRule.overseers, surface: .web) { request, context in
            let days: Int
            do {
                days = try OversightController.days(request.uri.queryParameters.get("days"))
            } catch let error as LiaisonError {
                return try await console(request: request, context: context, days: 30, error: error.message, status: error.status)
            }
            return try await console(request: request, context: context, days: days)
        }
        routes.on(.post, "/oversight/alerts/:id/review", access: AccessRule.overseers, surface: .web) { request, context in
            let form = try await forms.read(ReviewForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                guard let decision = form.decision, ["confirm", "reject"].contains(decision) else {
                    throw LiaisonError(.invalidInput, "Choose confirm or reject.")
                }
                _ = try await monitor.review(try context.parameters.require("id"), confirmed: decision == "confirm", reason: form.reason ?? "", actor: AuditTrail.actor(context), role: context.principal?.role)
                return Response(status: .seeOther, headers: [.location: "/oversight"])
            } catch let error as LiaisonError {
                return try await console(request: request, context: context, days: 30, error: error.message, status: error.status)
            }
        }
        routes.on(.get, "/oversight/transparency", access: AccessRule.overseers, surface: .web) { request, context in
            let fromText = request.uri.queryParameters.get("from"), toText = request.uri.queryParameters.get("to")
            var values: [String: Any] = [:]
            do {
                let (from, to) = try OversightController.period(fromText, toText, now: clock.now())
                let report = try await monitor.transparency(from: from, to: to)
                let day = Date.ISO8601FormatStyle().year().month().day()
                values = ["report": TransparencyHTML.fragment(report), "from": from.formatted(day), "to": to.addingTimeInterval(-1).formatted(day)]
            } catch let error as LiaisonError {
                values = ["error": error.message, "from": fromText ?? "", "to": toText ?? ""]
                return renderer.page("transparency", title: { $0["transparency_title"] ?? "Liaison" }, request: request, context: context, status: .badRequest, values: values)
            }
            return renderer.page("transparency", title: { $0["transparency_title"] ?? "Liaison" }, request: request, context: context, values: values)
        }
    }

    private func console(request: Request, context: LiaisonRequestContext, days: Int, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let summary = try await monitor.summary(days: days)
        var values: [String: Any] = [
            "days": days,
            "decisions": summary.policyDecisions.map { ["key": $0.key, "count": $0.count] },
            "refusals": summary.policyRefusalReasons.map { ["key": $0.key, "count": $0.count] },
            "hasRefusals": !summary.policyRefusalReasons.isEmpty,
            "approvalsPending": summary.approvals.pending, "approvalsOverdue": summary.approvals.overdue,
            "approvalsApproved": summary.approvals.approved, "approvalsRefused": summary.approvals.refused,
            "retentionDue": summary.retentionDue, "retentionHeld": summary.retentionHeld, "legalHolds": summary.legalHolds, "erasures": summary.erasures,
            "anomalies": summary.anomalies.map { anomaly -> [String: Any] in
                [
                    "kind": anomaly.kind.rawValue, "actor": anomaly.actor, "summary": anomaly.summary, "count": anomaly.count,
                    "first": anomaly.firstAt.formatted(.iso8601), "last": anomaly.lastAt.formatted(.iso8601),
                    "evidence": anomaly.evidence.prefix(20).map { ["index": $0] }, "more": anomaly.evidence.count > 20,
                ]
            },
            "hasAnomalies": !summary.anomalies.isEmpty,
            "alerts": summary.alerts.map { alert -> [String: Any] in
                var row: [String: Any] = ["id": alert.id, "time": alert.raisedAt.formatted(.iso8601), "kind": alert.kind, "source": alert.source, "detail": alert.detail]
                if let algorithm = alert.algorithm { row["algorithm"] = algorithm; row["inputHash"] = alert.inputHash ?? "" }
                if let review = alert.review { row["review"] = review; row["reviewedBy"] = alert.reviewedBy ?? ""; row["reviewReason"] = alert.reviewReason ?? "" }
                row["reviewable"] = alert.algorithm != nil && alert.review == nil
                return row
            },
            "hasAlerts": !summary.alerts.isEmpty,
        ]
        if let error { values["error"] = error }
        if case .session(let csrf, _) = context.credential { values["csrf"] = csrf }
        return renderer.page("oversight", title: { $0["oversight_title"] ?? "Liaison" }, request: request, context: context, status: status, values: values)
    }
}
