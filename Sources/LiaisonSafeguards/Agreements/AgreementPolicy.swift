public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A proposed flow of information between two agencies.
public struct Flow: Sendable, Equatable {
    public var sender: String
    public var recipient: String
    public var purpose: String
    public var dataCategories: Set<DataCategory>
    public var dataSubjectCategories: Set<DataSubjectCategory>
    /// A hit/no-hit answer (references only, no personal data) rather than a disclosure.
    public var isHitNoHit: Bool
    public var at: Date

    public init(
        sender: String, recipient: String, purpose: String, dataCategories: Set<DataCategory>,
        dataSubjectCategories: Set<DataSubjectCategory>, isHitNoHit: Bool = false, at: Date
    ) {
        self.sender = sender
        self.recipient = recipient
        self.purpose = purpose
        self.dataCategories = dataCategories
        self.dataSubjectCategories = dataSubjectCategories
        self.isHitNoHit = isHitNoHit
        self.at = at
    }
}

/// The outcome of checking a flow against the agreements in force.
public enum AgreementCoverage: Sendable, Equatable {
    /// An agreement in force covers every clause of the flow.
    case covered(by: Agreement)
    /// No agreement covers it; the reasons name the missing clause of the closest agreement.
    case notCovered([PolicyReason])

    /// The decision to return to the policy decision point's callers.
    public var decision: Decision {
        switch self {
        case .covered: return .permit
        case .notCovered(let reasons): return .deny(reasons)
        }
    }
}

/// Decides whether an agreement covers a flow: nothing flows without one in force that names
/// sender and recipient as parties, the purpose, and every data category and data-subject
/// category the flow carries.
public enum AgreementPolicy {
    /// The codes of the reasons this policy gives: a refusal carrying one of them is the
    /// agreement's, not another safeguard's.
    public static let reasonCodes: Set<PolicyReason.Code> = [
        .noAgreement, .agreementNotYetInForce, .agreementExpired, .purposeNotCovered, .dataCategoryNotCovered, .dataSubjectCategoryNotCovered, .hitNoHitOnly,
    ]

    /// - Parameters:
    ///   - flow: what would flow.
    ///   - agreements: the agreements this node holds that are not revoked.
    /// - Returns: the covering agreement, or reasons naming what is missing.
    public static func coverage(of flow: Flow, under agreements: [Agreement]) -> AgreementCoverage {
        let between = agreements.filter { $0.binds(flow.sender, flow.recipient) }
        guard !between.isEmpty else {
            return .notCovered([PolicyReason(
                code: .noAgreement,
                sentence: "No cooperation agreement binds \(flow.sender) and \(flow.recipient)."
            )])
        }
        var closest: (missing: Int, reasons: [PolicyReason])?
        for agreement in between {
            let reasons = missingClauses(of: flow, in: agreement)
            if reasons.isEmpty { return .covered(by: agreement) }
            if closest == nil || reasons.count < closest!.missing {
                closest = (reasons.count, reasons)
            }
        }
        return .notCovered(closest!.reasons)
    }

    static func missingClauses(of flow: Flow, in agreement: Agreement) -> [PolicyReason] {
        var reasons: [PolicyReason] = []
        let id = agreement.id
        if flow.at < agreement.validFrom {
            reasons.append(PolicyReason(code: .agreementNotYetInForce, sentence: "Agreement \(id) is in force only from \(agreement.validFrom.formatted(.iso8601))."))
        }
        if flow.at >= agreement.validUntil {
            reasons.append(PolicyReason(code: .agreementExpired, sentence: "Agreement \(id) expired at \(agreement.validUntil.formatted(.iso8601))."))
        }
        if !agreement.purposes.contains(flow.purpose) {
            reasons.append(PolicyReason(code: .purposeNotCovered, sentence: "Agreement \(id) does not cover the purpose '\(flow.purpose)'; it covers: \(agreement.purposes.joined(separator: ", "))."))
        }
        for category in flow.dataCategories.sorted() where !agreement.dataCategories.contains(category) {
            reasons.append(PolicyReason(code: .dataCategoryNotCovered, sentence: "Agreement \(id) does not cover the data category '\(category.rawValue)'."))
        }
        for category in flow.dataSubjectCategories.sorted() where !agreement.dataSubjectCategories.contains(category) {
            reasons.append(PolicyReason(code: .dataSubjectCategoryNotCovered, sentence: "Agreement \(id) does not cover data on the data-subject category '\(category.rawValue)' (Directive 2016/680 Art. 6)."))
        }
        if agreement.hitNoHitOnly && !flow.isHitNoHit {
            reasons.append(PolicyReason(code: .hitNoHitOnly, sentence: "Agreement \(id) allows only hit/no-hit answers, not disclosures."))
        }
        return reasons
    }
}
