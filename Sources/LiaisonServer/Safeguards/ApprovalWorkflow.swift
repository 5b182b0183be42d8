import Foundation
import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

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
