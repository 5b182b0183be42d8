import Foundation
import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// The approvals pages: the approver's dashboard of pending and decided requests (overdue ones
/// flagged) and the requester's view of their own, with the decision form for the approver.
struct ApprovalPages {
    let renderer: PageRenderer
    let approvals: ApprovalWorkflow
    let forms: FormReader
    let clock: any WallClock

    struct DecisionForm: Decodable {
        var csrf: String?
        var decision: String?
        var reason: String?
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/approvals", access: AccessRule.caseHandlers, surface: .web) { request, context in
            let principal = try context.requirePrincipal()
            let text = text(request)
            let now = clock.now()
            let visible = try await approvals.visible(to: principal, state: nil)
            let pending = visible.filter { $0.state == .pending }.map { row($0, text: text, now: now) }
            let decided = visible.filter { $0.state != .pending }.prefix(100).map { row($0, text: text, now: now) }
            return renderer.page("approvals", title: { $0["approvals_title"] ?? "Liaison" }, request: request, context: context, values: [
                "pending": pending, "hasPending": !pending.isEmpty, "decided": Array(decided), "hasDecided": !decided.isEmpty,
            ])
        }
        routes.on(.get, "/approvals/:id", access: AccessRule.caseHandlers, surface: .web) { request, context in
            try await show(try context.parameters.require("id"), request: request, context: context)
        }
        routes.on(.post, "/approvals/:id/decision", access: AccessRule.caseHandlers, surface: .web) { request, context in
            let id = try context.parameters.require("id")
            let form = try await forms.read(DecisionForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                guard let decision = form.decision, ["approve", "refuse"].contains(decision) else {
                    throw LiaisonError(.invalidInput, "Choose approve or refuse.")
                }
                _ = try await approvals.decide(id, approve: decision == "approve", reason: form.reason ?? "", by: try context.requirePrincipal())
                return Response(status: .seeOther, headers: [.location: "/approvals/\(id)"])
            } catch let error as LiaisonError where error.code.kind != .notFound {
                return try await show(id, request: request, context: context, error: error.message, status: error.status)
            }
        }
    }

    private func text(_ request: Request) -> [String: String] {
        renderer.strings.strings(renderer.strings.language(for: request.headers[.acceptLanguage]))
    }

    private func row(_ record: ApprovalRecord, text: [String: String], now: Date) -> [String: Any] {
        let view = ApprovalView(record, now: now)
        var row: [String: Any] = [
            "id": record.id, "summary": record.summary, "requester": record.requester, "due": record.dueAt.formatted(.iso8601),
            "overdue": view.overdue, "reasons": view.reasons.map(\.code.rawValue).joined(separator: ", "),
            "state": text["approval_state_\(record.state.rawValue)"] ?? record.state.rawValue,
        ]
        if let reason = record.decisionReason { row["decisionReason"] = reason }
        return row
    }

    private func show(_ id: String, request: Request, context: LiaisonRequestContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let principal = try context.requirePrincipal()
        let record = try await approvals.approval(id, for: principal)
        let text = text(request)
        let view = ApprovalView(record, now: clock.now())
        let own = record.requester == "user:\(principal.username)"
        var values: [String: Any] = [
            "id": record.id, "summary": record.summary, "requester": record.requester, "requesterRole": record.requesterRole.rawValue,
            "requestedAt": record.requestedAt.formatted(.iso8601), "due": record.dueAt.formatted(.iso8601), "overdue": view.overdue,
            "recipients": record.recipients.joined(separator: ", "), "purpose": record.purpose, "justification": record.justification,
            "stateCode": record.state.rawValue, "state": text["approval_state_\(record.state.rawValue)"] ?? record.state.rawValue,
            "pending": record.state == .pending, "reasons": view.reasons.map { ["code": $0.code, "sentence": $0.sentence] },
            "canDecide": record.state == .pending && !own && principal.role == record.approverRole, "ownPending": record.state == .pending && own,
        ]
        if let caseRef = record.caseRef { values["caseRef"] = caseRef }
        if let by = record.decidedBy { values["decidedBy"] = by }
        if let at = record.decidedAt { values["decidedAt"] = at.formatted(.iso8601) }
        if let reason = record.decisionReason { values["decisionReason"] = reason }
        if let outcome = record.outcome {
            values["outcome"] = outcome
            if outcome.hasPrefix("message:") { values["messageID"] = String(outcome.dropFirst(8)) }
        }
        if let message = view.message {
            let entities = (message.entities ?? []).map { MessagePages.entityRow($0, text: text) }
            values["message"] = ["body": message.body, "entities": entities, "hasEntities": !entities.isEmpty] as [String: Any]
        }
        if let error { values["error"] = error }
        if case .session(let csrf, _) = context.credential { values["csrf"] = csrf }
        return renderer.page("approval", title: { "\($0["approval_title"]!): \(record.summary)" }, request: request, context: context, status: status, values: ["approval": values])
    }
}
