import Foundation
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// The node's side of the policy decision point: loads the configuration, asks the pure
/// ``PolicyDecisionPoint``, records every decision in the audit log, and holds back what needs
/// approval.
struct SafeguardsService: Sendable {
    let agency: String
    let store: SafeguardsStore
    let federation: FederationStore
    let trail: AuditTrail
    let clock: any WallClock

    /// The node's configuration: the stored one, or the safe defaults.
    func configuration() async throws -> SafeguardsConfiguration {
        guard let document = try await store.configuration() else { return SafeguardsConfiguration() }
        return try JSON.decoder.decode(SafeguardsConfiguration.self, from: document)
    }

    /// Replaces the configuration after validating it.
    /// - Throws: ``LiaisonError`` 400 naming the bad field.
    func replaceConfiguration(_ configuration: SafeguardsConfiguration, actor: String, role: Role?) async throws {
        try configuration.validate()
        let document = try JSON.encoder.encode(configuration)
        let event = trail.event(
            .configurationChanged, actor: actor, role: role?.rawValue, subject: "safeguards",
            details: ["sha256": BlobStore.address(of: document)]
        )
        try await store.saveConfiguration(document, by: actor, audit: event, at: clock.now())
        await trail.wakeup.signal()
    }

    /// The agreements that can cover a flow (revoked ones never do).
    func activeAgreements() async throws -> [Agreement] {
        try await federation.agreements().filter { !$0.isRevoked }.map(\.agreement)
    }

    /// Asks the decision point and records its decision (`policy.decision`).
    /// - Parameters:
    ///   - request: the request.
    ///   - actor: who asks, for the log (`user:<name>`, `node:<code>`, `system`).
    ///   - subject: what it is about, for the log (`message:<id>`, `approval:<id>`).
    ///   - approval: the approver's decision, where one was asked for.
    func decide(
        _ request: PolicyRequest, actor: String, subject: String? = nil, approval: ApprovalStanding = .none,
        agreements: [Agreement]? = nil, configuration: SafeguardsConfiguration? = nil
    ) async throws -> PolicyOutcome {
        let configuration = if let configuration { configuration } else { try await self.configuration() }
        // Only a flow to another agency needs the agreements: a read or export does not load them.
        let agreements = if let agreements { agreements } else if request.action.crossesBorder { try await activeAgreements() } else { [Agreement]() }
        let outcome = PolicyDecisionPoint.decide(request, agreements: agreements, configuration: configuration, approval: approval)
        await trail.record(Self.event(for: outcome, of: request, actor: actor, subject: subject, approval: approval, trail: trail))
        return outcome
    }

    /// The decision and its audit event, for a caller that stores the event in the same
    /// transaction as what the decision permits (a sent message), or records it itself.
    func decideUnrecorded(
        _ request: PolicyRequest, actor: String, subject: String?, approval: ApprovalStanding, agreements: [Agreement], configuration: SafeguardsConfiguration
    ) -> (outcome: PolicyOutcome, event: AuditEvent) {
        let outcome = PolicyDecisionPoint.decide(request, agreements: agreements, configuration: configuration, approval: approval)
        return (outcome, Self.event(for: outcome, of: request, actor: actor, subject: subject, approval: approval, trail: trail))
    }

    /// The audit event for a decision: the request's who, what, why and to whom, the outcome and
    /// its reason codes.
    static func event(for outcome: PolicyOutcome, of request: PolicyRequest, actor: String, subject: String?, approval: ApprovalStanding, trail: AuditTrail) -> AuditEvent {
        var details = [
            "action": request.action.rawValue,
            "dataCategories": request.dataCategories.sorted().map(\.rawValue).joined(separator: ","),
            "records": "\(request.recordCount)",
        ]
        let (decision, outcomeStatus, reasons): (String, AuditEvent.Outcome, [PolicyReason]) = switch outcome.decision {
        case .permit: ("permit", .success, [])
        case .deny(let reasons): ("deny", .denied, reasons)
        case .needsApproval(_, let reasons): ("needs-approval", .success, reasons)
        }
        details["decision"] = decision
        if !reasons.isEmpty { details["reasons"] = reasons.map(\.code.rawValue).joined(separator: ",") }
        if !request.dataSubjectCategories.isEmpty { details["dataSubjectCategories"] = request.dataSubjectCategories.sorted().map(\.rawValue).joined(separator: ",") }
        if !request.specialCategories.isEmpty { details["specialCategories"] = request.specialCategories.sorted().map(\.rawValue).joined(separator: ",") }
        if request.minors > 0 { details["minors"] = "\(request.minors)" }
        if let caseRef = request.caseRef { details["caseRef"] = caseRef }
        if let agreement = outcome.agreement { details["agreement"] = agreement.id }
        if !outcome.redact.isEmpty { details["redacted"] = outcome.redact.sorted().map(\.rawValue).joined(separator: ",") }
        switch approval {
        case .none: break
        case .granted(let by, _): details["approvedBy"] = by
        case .refused(let by, _): details["refusedBy"] = by
        }
        return trail.event(
            .policyDecision, outcomeStatus, actor: actor, role: request.actor?.role.rawValue, subject: subject, purpose: request.purpose,
            legalBasis: request.legalBasis.isEmpty ? nil : request.legalBasis, recipients: request.recipient.map { [$0] }, details: details
        )
    }

    /// Holds a request back until the approver decides.
    func hold(
        kind: String, summary: String, request: PolicyRequest, recipients: [String], approver: Role, reasons: [PolicyReason], payload: Data,
        requester: String, rules: ProportionalityRules
    ) async throws -> ApprovalRecord {
        let now = clock.now()
        let record = ApprovalRecord(
            id: UUIDv7.make(at: now).uuidString.lowercased(), kind: kind, summary: summary, requester: requester,
            requesterRole: request.actor?.role ?? .investigator, requestedAt: now,
            dueAt: now.addingTimeInterval(TimeInterval(rules.approvalDeadlineHours) * 3600), approverRole: approver,
            reasons: try JSON.encoder.encode(reasons), justification: request.justification ?? "", caseRef: request.caseRef,
            purpose: request.purpose, recipients: recipients, payload: payload
        )
        let event = trail.event(
            .approvalRequested, actor: requester, role: request.actor?.role.rawValue, subject: "approval:\(record.id)", purpose: request.purpose,
            legalBasis: request.legalBasis, recipients: record.recipients,
            details: ["kind": kind, "approverRole": approver.rawValue, "reasons": reasons.map(\.code.rawValue).joined(separator: ","), "dueAt": record.dueAt.formatted(.iso8601)]
                .merging(request.caseRef.map { ["caseRef": $0] } ?? [:]) { first, _ in first }
        )
        try await store.hold(record, audit: [event], at: now)
        await trail.wakeup.signal()
        return record
    }

    /// Records the approver's decision. The approver must hold the approver role and may not
    /// approve their own request (four eyes); a reason is required either way.
    /// - Throws: ``LiaisonError`` 403/404/409/400.
    func decide(approval id: String, approve: Bool, reason: String, by principal: Principal) async throws -> ApprovalRecord {
        guard let record = try await store.approval(id) else {
            throw LiaisonError(.notFound, "No approval \(id).")
        }
        guard principal.role == record.approverRole else {
            throw LiaisonError(.notTheApprover, "Approval \(id) is for a \(record.approverRole.rawValue) to decide.")
        }
        guard record.requester != "user:\(principal.username)" else {
            throw LiaisonError(.ownRequest, "Nobody approves their own request: another \(record.approverRole.rawValue) decides it.")
        }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard reason.count >= 3, reason.count <= 2_000 else {
            throw LiaisonError(.invalidInput, "reason: say in 3 to 2000 characters why the request is \(approve ? "approved" : "refused").")
        }
        let event = trail.event(
            .approvalDecided, actor: "user:\(principal.username)", role: principal.role.rawValue, subject: "approval:\(id)", purpose: record.purpose,
            recipients: record.recipients, details: ["decision": approve ? "approved" : "refused", "reason": reason, "requester": record.requester]
                .merging(record.caseRef.map { ["caseRef": $0] } ?? [:]) { first, _ in first }
        )
        let decided = try await store.decide(id, approved: approve, by: "user:\(principal.username)", reason: reason, audit: event, at: clock.now())
        await trail.wakeup.signal()
        return decided
    }
}

extension SafeguardsService {
    /// Asks the decision point before an item of evidence is read or exported: the role must
    /// handle case content and the item's case is the case link; the decision is logged.
    /// - Throws: ``LiaisonError`` 403 with the reasons when it refuses. An unknown item passes, so that
    ///   the route answers its own 404.
    func authoriseEvidence(_ id: String, store: EvidenceStore, action: PolicyRequest.Action, principal: Principal?, actor: String) async throws {
        guard let record = try await store.item(id) else { return }
        let request = PolicyRequest(
            action: action, actor: principal, agency: agency, recipient: nil, dataCategories: [.evidence], dataSubjectCategories: [], recordCount: 1,
            purpose: "evidence of case \(record.item.caseRef)", legalBasis: record.item.legalAuthority, caseRef: record.item.caseRef, at: clock.now()
        )
        if case .deny(let reasons) = try await decide(request, actor: actor, subject: "evidence:\(id)").decision {
            throw LiaisonError(.refusedBySafeguards, reasons.map(\.sentence).joined(separator: " "), reasons: reasons.map(\.code.rawValue))
        }
    }
}
