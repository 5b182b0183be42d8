import Foundation
import Hummingbird
import LiaisonCore
import LiaisonMatching
import LiaisonSafeguards
import LiaisonStore

/// The data-protection officer's API for data subjects' requests.
struct SubjectRequestController {
    let rights: SubjectRights
    let configuration: NodeConfiguration

    struct RequestView: Encodable {
        var request: SubjectRequest
        var overdue: Bool
        var findings: SubjectFindings?
    }

    func register(on routes: RouteTable) {
        routes.on(.post, "/api/v1/subject-requests", access: .subjectRequestOfficers, surface: .api) { request, context in
            let body = try await JSONBody.decode(SubjectRights.NewRequest.self, from: request, limit: configuration.maxBodyBytes)
            let created = try await rights.receive(body, actor: AuditTrail.actor(context), role: context.principal?.role)
            return try JSONBody.response(RequestView(request: created, overdue: false, findings: nil), status: .created)
        }
        routes.on(.get, "/api/v1/subject-requests", access: .subjectRequestOfficers, surface: .api) { _, _ in
            let now = configuration.clock.now()
            return try JSONBody.response(try await rights.store.requests().map { RequestView(request: $0, overdue: $0.isOverdue(at: now), findings: nil) })
        }
        routes.on(.get, "/api/v1/subject-requests/:id", access: .subjectRequestOfficers, surface: .api) { _, context in
            let (request, findings) = try await rights.request(try context.parameters.require("id"))
            return try JSONBody.response(RequestView(request: request, overdue: request.isOverdue(at: configuration.clock.now()), findings: findings))
        }
        routes.on(.post, "/api/v1/subject-requests/:id/search", access: .subjectRequestOfficers, surface: .api) { _, context in
            try JSONBody.response(try await rights.search(try context.parameters.require("id"), actor: AuditTrail.actor(context), role: context.principal?.role))
        }
        routes.on(.post, "/api/v1/subject-requests/:id/decision", access: .subjectRequestOfficers, surface: .api) { request, context in
            let body = try await JSONBody.decode(SubjectRights.DecisionRequest.self, from: request, limit: configuration.maxBodyBytes)
            let decided = try await rights.decide(try context.parameters.require("id"), body, actor: AuditTrail.actor(context), role: context.principal?.role)
            return try JSONBody.response(RequestView(request: decided, overdue: false, findings: nil))
        }
        routes.on(.get, "/api/v1/subject-requests/:id/answer", access: .subjectRequestOfficers, surface: .api) { _, context in
            try JSONBody.response(try await rights.answer(try context.parameters.require("id"), actor: AuditTrail.actor(context), role: context.principal?.role))
        }
    }
}
