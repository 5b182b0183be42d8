import Foundation
import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// An approval as the API shows it: what is held, why, and where it stands.
struct ApprovalView: Encodable {
    var id: String
    var kind: String
    var summary: String
    var requester: String
    var requesterRole: Role
    var requestedAt: Date
    var dueAt: Date
    var overdue: Bool
    var approverRole: Role
    var reasons: [PolicyReason]
    var justification: String
    var caseRef: String?
    var purpose: String
    var recipients: [String]
    var state: String
    var decidedBy: String?
    var decidedAt: Date?
    var decisionReason: String?
    var outcome: String?
    /// The held message, so that the approver judges what would actually go.
    var message: MessageRequest?

    init(_ record: ApprovalRecord, now: Date) {
        id = record.id
        kind = record.kind
        summary = record.summary
        requester = record.requester
        requesterRole = record.requesterRole
        requestedAt = record.requestedAt
        dueAt = record.dueAt
        overdue = record.isOverdue(at: now)
        approverRole = record.approverRole
        reasons = (try? JSON.decoder.decode([PolicyReason].self, from: record.reasons)) ?? []
        justification = record.justification
        caseRef = record.caseRef
        purpose = record.purpose
        recipients = record.recipients
        state = record.state.rawValue
        decidedBy = record.decidedBy
        decidedAt = record.decidedAt
        decisionReason = record.decisionReason
        outcome = record.outcome
        message = (try? JSON.decoder.decode(HeldMessage.self, from: record.payload))?.request
    }
}

/// Approvals of what the safeguards hold back, for the approvers and the requesters; and the
/// node's safeguards configuration.
struct ApprovalController {
    let approvals: ApprovalWorkflow
    let configuration: NodeConfiguration

    struct DecisionBody: Decodable {
        var approve: Bool
        var reason: String
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v1/approvals", access: .caseHandlers, surface: .api) { request, context in
            let principal = try context.requirePrincipal()
            let stateName = request.uri.queryParameters.get("state")
            var state: ApprovalRecord.State?
            if let stateName {
                guard let parsed = ApprovalRecord.State(rawValue: stateName) else {
                    throw LiaisonError(.invalidInput, "state must be pending, approved or refused, not '\(stateName)'.")
                }
                state = parsed
            }
            let now = configuration.clock.now()
            return try JSONBody.response(try await approvals.visible(to: principal, state: state).map { ApprovalView($0, now: now) })
        }
        routes.on(.get, "/api/v1/approvals/:id", access: .caseHandlers, surface: .api) { _, context in
            let record = try await approvals.approval(try context.parameters.require("id"), for: try context.requirePrincipal())
            return try JSONBody.response(ApprovalView(record, now: configuration.clock.now()))
        }
        routes.on(.post, "/api/v1/approvals/:id/decision", access: .caseHandlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(DecisionBody.self, from: request, limit: configuration.maxBodyBytes)
            let record = try await approvals.decide(try context.parameters.require("id"), approve: body.approve, reason: body.reason, by: try context.requirePrincipal())
            return try JSONBody.response(ApprovalView(record, now: configuration.clock.now()))
        }
        routes.on(.get, "/api/v1/safeguards/configuration", access: .safeguardsReaders, surface: .api) { _, _ in
            try JSONBody.response(try await approvals.safeguards.configuration())
        }
        routes.on(.put, "/api/v1/safeguards/configuration", access: .administrators, surface: .api) { request, context in
            let body = try await JSONBody.decode(SafeguardsConfiguration.self, from: request, limit: configuration.maxBodyBytes)
            try await approvals.safeguards.replaceConfiguration(body, actor: AuditTrail.actor(context), role: context.principal?.role)
            return try JSONBody.response(try await approvals.safeguards.configuration())
        }
    }
}

/// The approval workflow: who sees which approvals, the decision, and the release of an
/// approved disclosure through the same path as any other send.
struct ApprovalWorkflow: Sendable {
    let safeguards: SafeguardsService
    let messages: MessageService

    /// The approvals a user may see: their own requests, and every request their role decides.
    func visible(to principal: Principal, state: ApprovalRecord.State?) async throws -> [ApprovalRecord] {
        try await safeguards.store.approvals(state: state).filter { Self.mayView($0, principal) }
    }

    static func mayView(_ record: ApprovalRecord, _ principal: Principal) -> Bool {
        record.requester == "user:\(principal.username)" || record.approverRole == principal.role
    }

    /// One approval, if the user may see it (404 otherwise, so that ids reveal nothing).
    func approval(_ id: String, for principal: Principal) async throws -> ApprovalRecord {
        guard let record = try await safeguards.store.approval(id), Self.mayView(record, principal) else {
            throw LiaisonError(.notFound, "No approval \(id).")
        }
        return record
    }

    /// Decides, and on approval releases the held message; what the release produced (or why it
    /// failed, for example an agreement that expired meanwhile) is kept with the approval.
    func decide(_ id: String, approve: Bool, reason: String, by principal: Principal) async throws -> ApprovalRecord {
        _ = try await approval(id, for: principal)
        var record = try await safeguards.decide(approval: id, approve: approve, reason: reason, by: principal)
        guard approve else { return record }
        let outcome: String
        do {
            outcome = try await messages.release(record, approvedBy: "user:\(principal.username)", reason: reason)
        } catch let error as LiaisonError {
            outcome = "failed: \(error.message)"
        }
        try await safeguards.store.setOutcome(id, outcome)
        record.outcome = outcome
        return record
    }
}

extension LiaisonRequestContext {
    /// The signed-in user; routes that declare roles always have one.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw LiaisonError(.notAuthenticated, "Sign in first.") }
        return principal
    }
}
