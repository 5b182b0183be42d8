public import LiaisonCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The decision point's answer: the decision, and what the caller needs to carry it out.
public struct PolicyOutcome: Sendable, Equatable {
    public var decision: Decision
    /// The agreement in force that covers a cross-border action.
    public var agreement: Agreement?
    /// Data categories to remove before disclosure because the agreement does not cover them.
    public var redact: Set<DataCategory>
    /// The rules that applied (the agreement's own, or the node's).
    public var rules: ProportionalityRules

    public init(decision: Decision, agreement: Agreement? = nil, redact: Set<DataCategory> = [], rules: ProportionalityRules) {
        self.decision = decision
        self.agreement = agreement
        self.redact = redact
        self.rules = rules
    }
}

/// The one policy decision point for every read and disclosure of personal data. Pure: the same
/// request, agreements, configuration and approval give the same outcome, and nothing is
/// looked up or written here.
///
/// Order of the checks — refusals first, so that an approver is never asked to approve what the
/// rules forbid anyway:
/// 1. the role may handle personal data at all;
/// 2. a purpose, a legal basis and (by default) a case link; a case the caller looked up must
///    exist on this node, and be open for anything new under it;
/// 3. for a flow to another agency, an agreement in force covering parties, purpose and
///    data-subject categories; data categories it does not cover are redacted, except the
///    message itself and evidence, which are refused;
/// 4. what the proportionality rules hold back (special categories, protected data subjects,
///    minors, bulk) needs the approver's approval with a written justification; a refusal
///    stands with its reason.
public enum PolicyDecisionPoint {
    /// Categories that minimisation may remove from a disclosure: entity data, not the message
    /// or the evidence package that is the transfer itself.
    public static let redactable: Set<DataCategory> = Set(DataCategory.allCases).subtracting([.message, .evidence])

    /// Decides a request.
    /// - Parameters:
    ///   - request: who, what, why and to whom.
    ///   - agreements: the agreements this node holds that are not revoked.
    ///   - configuration: the node's rules and agreement-specific rules.
    ///   - approval: the approver's decision on this request, if one was asked for.
    public static func decide(
        _ request: PolicyRequest, agreements: [Agreement], configuration: SafeguardsConfiguration, approval: ApprovalStanding = .none
    ) -> PolicyOutcome {
        var rules = configuration.rules
        if let actor = request.actor, !rules.personalDataRoles.contains(actor.role) {
            return PolicyOutcome(decision: .deny([PolicyReason(
                code: .roleNotPermitted,
                sentence: "The role \(actor.role.rawValue) does not handle case content, so it may not \(verb(request.action)) personal data."
            )]), rules: rules)
        }
        var refusals: [PolicyReason] = []
        if request.purpose.allSatisfy(\.isWhitespace) {
            refusals.append(PolicyReason(code: .noPurpose, sentence: "Name the purpose the data are needed for (purpose limitation, Directive 2016/680 Art. 4(1)(b))."))
        }
        if request.action.crossesBorder, request.legalBasis.allSatisfy(\.isWhitespace) {
            refusals.append(PolicyReason(code: .noLegalBasis, sentence: "Name the legal basis of the disclosure (Directive 2016/680 Art. 8)."))
        }
        var agreement: Agreement?
        var redact: Set<DataCategory> = []
        if request.action.crossesBorder, let recipient = request.recipient {
            let flow = Flow(
                sender: request.agency, recipient: recipient, purpose: request.purpose,
                dataCategories: request.dataCategories.subtracting(redactable), dataSubjectCategories: request.dataSubjectCategories,
                isHitNoHit: request.action == .hitNoHitAnswer, at: request.at
            )
            switch AgreementPolicy.coverage(of: flow, under: agreements) {
            case .covered(let covering):
                agreement = covering
                rules = configuration.rules(for: covering.id)
                redact = request.dataCategories.intersection(redactable).subtracting(covering.dataCategories)
            case .notCovered(let reasons):
                refusals += reasons
            }
        }
        if rules.requireCaseLink, (request.caseRef ?? "").allSatisfy(\.isWhitespace) {
            refusals.append(PolicyReason(code: .noCaseLink, sentence: "Personal data are \(participle(request.action)) only for a case: give the case reference."))
        } else if let reference = request.caseRef, let standing = request.caseStanding {
            switch standing {
            case .unknown:
                refusals.append(PolicyReason(code: .unknownCase, sentence: "No case on this node has the reference '\(reference)': open the case first, or name its reference."))
            case .closed where request.action.isNewUnderCase:
                refusals.append(PolicyReason(code: .caseClosed, sentence: "Case \(reference) is closed: nothing new is disclosed under it unless a supervisor reopens it."))
            case .open, .closed:
                break
            }
        }
        guard refusals.isEmpty else { return PolicyOutcome(decision: .deny(refusals), agreement: agreement, rules: rules) }

        let held = heldBack(request, redact: redact, rules: rules)
        guard !held.isEmpty else { return PolicyOutcome(decision: .permit, agreement: agreement, redact: redact, rules: rules) }
        switch approval {
        case .granted:
            return PolicyOutcome(decision: .permit, agreement: agreement, redact: redact, rules: rules)
        case .refused(let by, let reason):
            return PolicyOutcome(decision: .deny([PolicyReason(code: .approvalRefused, sentence: "\(by) refused approval: \(reason)")] + held), agreement: agreement, rules: rules)
        case .none:
            let written = (request.justification ?? "").drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace)
            guard written.count >= rules.minimumJustificationLength else {
                let missing = PolicyReason(
                    code: .justificationRequired,
                    sentence: "This needs a \(rules.approverRole.rawValue)'s approval: write a justification of at least \(rules.minimumJustificationLength) characters."
                )
                return PolicyOutcome(decision: .deny([missing] + held), agreement: agreement, rules: rules)
            }
            return PolicyOutcome(decision: .needsApproval(by: rules.approverRole, held), agreement: agreement, redact: redact, rules: rules)
        }
    }

    /// What the rules hold back for approval, judged on what would actually be disclosed. A read
    /// of one record the node already holds is not held back (its role, purpose and case link are
    /// checked, and it is logged); reads in bulk are.
    static func heldBack(_ request: PolicyRequest, redact: Set<DataCategory>, rules: ProportionalityRules) -> [PolicyReason] {
        let bulk = request.recordCount > rules.bulkThreshold
            ? [PolicyReason(code: .bulk, sentence: "It covers \(request.recordCount) records, more than the bulk threshold of \(rules.bulkThreshold).")]
            : []
        guard request.action != .read else { return bulk }
        // A hit/no-hit query or answer is an automated comparison that the agreement provides for
        // (Council Decision 2008/615/JHA Arts. 3–4, 9, 12): its answer carries references only.
        // The special categories are held back where the data behind a hit are released
        // (`followUpRelease`, and the message that carries them).
        guard request.action != .hitNoHitAnswer else { return [] }
        var reasons: [PolicyReason] = []
        let special = request.specialCategories.union(request.dataCategories.subtracting(redact).compactMap(SpecialCategory.implied(by:)))
        if rules.specialCategoriesNeedApproval, !special.isEmpty {
            reasons.append(PolicyReason(
                code: .specialCategory,
                sentence: "It includes special categories of data (\(special.sorted().map(\.rawValue).joined(separator: ", "))), allowed only where strictly necessary (Directive 2016/680 Art. 10)."
            ))
        }
        let protected = request.dataSubjectCategories.intersection(rules.protectedSubjects)
        if !protected.isEmpty {
            reasons.append(PolicyReason(
                code: .protectedDataSubject,
                sentence: "It concerns \(protected.sorted().map { $0.rawValue + "s" }.joined(separator: " and ")), whose data are treated apart from suspects' (Directive 2016/680 Art. 6)."
            ))
        }
        if rules.minorsNeedApproval, request.minors > 0 {
            reasons.append(PolicyReason(code: .minor, sentence: "It concerns \(request.minors == 1 ? "a person" : "\(request.minors) people") under \(rules.minorAge)."))
        }
        return reasons + bulk
    }

    static func verb(_ action: PolicyRequest.Action) -> String {
        switch action {
        case .read: "read"
        case .export: "export"
        default: "disclose"
        }
    }

    static func participle(_ action: PolicyRequest.Action) -> String {
        switch action {
        case .read: "read"
        case .export: "exported"
        default: "disclosed"
        }
    }
}
