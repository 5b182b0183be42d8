import Foundation
import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// The data-protection officer's pages for data subjects' requests: the dashboard with deadlines
/// (overdue flagged) and the form to record a request; one request with its search, decision and
/// answer.
struct SubjectRequestPages {
    let renderer: PageRenderer
    let rights: SubjectRights
    let forms: FormReader
    let clock: any WallClock

    struct NewForm: Decodable {
        var csrf: String?
        var kind: String?
        var name: String?
        var birthDate: String?
        var identifiers: String?
        var channel: String?
        var details: String?
    }

    struct DecisionForm: Decodable {
        var csrf: String?
        var outcome: String?
        var reasons: String?
    }

    func register(on routes: RouteTable) {
        let officers = AccessRule.subjectRequestOfficers
        routes.on(.get, "/subject-requests", access: officers, surface: .web) { request, context in
            try await dashboard(request: request, context: context)
        }
        routes.on(.post, "/subject-requests", access: officers, surface: .web) { request, context in
            let form = try await forms.read(NewForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                guard let kind = SubjectRequest.Kind(rawValue: form.kind ?? "") else {
                    throw LiaisonError(.invalidInput, "kind: choose access, rectification, erasure or restriction.")
                }
                let created = try await rights.receive(.init(
                    kind: kind, name: form.name ?? "", birthDate: form.birthDate, identifiers: (form.identifiers ?? "").split(whereSeparator: { $0 == "," || $0.isNewline }).map(String.init),
                    channel: form.channel ?? "", details: form.details, receivedAt: nil
                ), actor: AuditTrail.actor(context), role: context.principal?.role)
                return Response(status: .seeOther, headers: [.location: "/subject-requests/\(created.id)"])
            } catch let error as LiaisonError {
                return try await dashboard(request: request, context: context, error: error.message, status: error.status)
            }
        }
        routes.on(.get, "/subject-requests/:id", access: officers, surface: .web) { request, context in
            try await show(try context.parameters.require("id"), request: request, context: context)
        }
        routes.on(.post, "/subject-requests/:id/search", access: officers, surface: .web) { request, context in
            let id = try context.parameters.require("id")
            let form = try await forms.read(DecisionForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            _ = try await rights.search(id, actor: AuditTrail.actor(context), role: context.principal?.role)
            return Response(status: .seeOther, headers: [.location: "/subject-requests/\(id)"])
        }
        routes.on(.post, "/subject-requests/:id/decision", access: officers, surface: .web) { request, context in
            let id = try context.parameters.require("id")
            let form = try await forms.read(DecisionForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                guard let outcome = SubjectRequest.Outcome(rawValue: form.outcome ?? "") else {
                    throw LiaisonError(.invalidInput, "outcome: choose one.")
                }
                _ = try await rights.decide(id, .init(outcome: outcome, reasons: form.reasons ?? ""), actor: AuditTrail.actor(context), role: context.principal?.role)
                return Response(status: .seeOther, headers: [.location: "/subject-requests/\(id)"])
            } catch let error as LiaisonError where error.code.kind != .notFound {
                return try await show(id, request: request, context: context, error: error.message, status: error.status)
            }
        }
        routes.on(.get, "/subject-requests/:id/answer", access: officers, surface: .web) { request, context in
            let answer = try await rights.answer(try context.parameters.require("id"), actor: AuditTrail.actor(context), role: context.principal?.role)
            return renderer.page("subject-answer", title: { $0["subject_answer_title"] ?? "Liaison" }, request: request, context: context, values: [
                "node": answer.node, "statement": answer.statement, "kind": answer.request.kind.rawValue, "name": answer.request.name,
                "received": answer.request.receivedAt.formatted(.iso8601), "outcome": answer.request.decision?.outcome.rawValue ?? "",
                "reasons": answer.request.decision?.reasons ?? "", "records": answer.records.map(Self.row), "hasRecords": !answer.records.isEmpty,
            ])
        }
    }

    static func row(_ finding: SubjectFinding) -> [String: Any] {
        var row: [String: Any] = [
            "record": finding.record, "kind": finding.kind, "how": finding.how, "matched": finding.matched, "date": finding.date.formatted(.iso8601),
            "counterparts": finding.counterparts.joined(separator: ", "), "purpose": finding.purpose ?? "",
            "data": (finding.data ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.joined(separator: ", "))" }.joined(separator: "; "),
        ]
        if let score = finding.score { row["score"] = String(format: "%.2f", score) }
        if let caseRef = finding.caseRef { row["caseRef"] = caseRef }
        if let category = finding.dataSubjectCategory { row["category"] = category }
        return row
    }

    private func dashboard(request: Request, context: LiaisonRequestContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let now = clock.now()
        let requests = try await rights.store.requests().map { item -> [String: Any] in
            var row: [String: Any] = [
                "id": item.id, "kind": item.kind.rawValue, "name": item.name, "received": item.receivedAt.formatted(.iso8601),
                "due": item.dueAt.formatted(.iso8601), "overdue": item.isOverdue(at: now), "state": item.state.rawValue,
            ]
            if let outcome = item.decision?.outcome { row["outcome"] = outcome.rawValue }
            return row
        }
        var values: [String: Any] = [
            "requests": requests, "hasRequests": !requests.isEmpty, "kinds": SubjectRequest.Kind.allCases.map(\.rawValue),
            "overdueCount": requests.filter { $0["overdue"] as? Bool == true }.count,
        ]
        if let error { values["error"] = error }
        if case .session(let csrf, _) = context.credential { values["csrf"] = csrf }
        return renderer.page("subject-requests", title: { $0["subject_requests_title"] ?? "Liaison" }, request: request, context: context, status: status, values: values)
    }

    private func show(_ id: String, request: Request, context: LiaisonRequestContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let (item, findings) = try await rights.request(id)
        var values: [String: Any] = [
            "id": item.id, "kind": item.kind.rawValue, "name": item.name, "birthDate": item.birthDate ?? "–", "identifiers": item.identifiers.joined(separator: ", "),
            "channel": item.channel, "details": item.details, "received": item.receivedAt.formatted(.iso8601), "due": item.dueAt.formatted(.iso8601),
            "overdue": item.isOverdue(at: clock.now()), "open": item.state == .open, "searched": findings != nil,
            "findings": (findings?.findings ?? []).map(Self.row), "hasFindings": !(findings?.findings.isEmpty ?? true),
            "outcomes": SubjectRequest.Outcome.allCases.map(\.rawValue),
        ]
        if let findings { values["searchedAt"] = findings.searchedAt.formatted(.iso8601); values["algorithm"] = findings.algorithm }
        if let decision = item.decision {
            values["decision"] = ["outcome": decision.outcome.rawValue, "reasons": decision.reasons, "by": decision.decidedBy, "at": decision.decidedAt.formatted(.iso8601), "acted": decision.records.count]
        }
        if let error { values["error"] = error }
        if case .session(let csrf, _) = context.credential { values["csrf"] = csrf }
        return renderer.page("subject-request", title: { "\($0["subject_request_title"]!): \(item.kind.rawValue)" }, request: request, context: context, status: status, values: values)
    }
}
