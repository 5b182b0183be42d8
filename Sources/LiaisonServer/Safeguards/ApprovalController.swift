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

extension LiaisonRequestContext {
    /// The signed-in user; routes that declare roles always have one.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw LiaisonError(.notAuthenticated, "Sign in first.") }
        return principal
    }
}
