public import LiaisonCore

/// The proportionality rules a node applies to every read and disclosure of personal data.
/// The defaults are the safe ones; a node may loosen or tighten them, and an agreement may carry
/// its own (``SafeguardsConfiguration/agreements``).
public struct ProportionalityRules: Codable, Sendable, Equatable {
    /// Who approves what the rules hold back.
    public var approverRole: Role = .supervisor
    /// Special categories (Directive 2016/680 Art. 10) need approval.
    public var specialCategoriesNeedApproval = true
    /// Data-subject categories whose data need approval: victims and witnesses by default
    /// (Art. 6 asks controllers to treat them apart from suspects).
    public var protectedSubjects: [DataSubjectCategory] = [.victim, .witness]
    /// Data on minors need approval.
    public var minorsNeedApproval = true
    /// Below this age a person is a minor (UN Convention on the Rights of the Child, Art. 1).
    public var minorAge = 18
    /// More records than this in one request is bulk access and needs approval.
    public var bulkThreshold = 100
    /// Access without a case reference is refused.
    public var requireCaseLink = true
    /// The shortest written justification a request for approval may carry.
    public var minimumJustificationLength = 20
    /// How long an approver has before a pending approval is flagged overdue.
    public var approvalDeadlineHours = 48
    /// Roles that may read or disclose personal data at all; oversight, data protection and
    /// administration see statistics and the audit trail, never case content.
    public var personalDataRoles: [Role] = [.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority]

    public init() {}

    enum CodingKeys: String, CodingKey {
        case approverRole, specialCategoriesNeedApproval, protectedSubjects, minorsNeedApproval, minorAge, bulkThreshold
        case requireCaseLink, minimumJustificationLength, approvalDeadlineHours, personalDataRoles
    }

    /// Reads rules, taking the default for every key that is absent, so that a configuration
    /// names only what it changes.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ProportionalityRules()
        approverRole = try container.decodeIfPresent(Role.self, forKey: .approverRole) ?? defaults.approverRole
        specialCategoriesNeedApproval = try container.decodeIfPresent(Bool.self, forKey: .specialCategoriesNeedApproval) ?? defaults.specialCategoriesNeedApproval
        protectedSubjects = try container.decodeIfPresent([DataSubjectCategory].self, forKey: .protectedSubjects) ?? defaults.protectedSubjects
        minorsNeedApproval = try container.decodeIfPresent(Bool.self, forKey: .minorsNeedApproval) ?? defaults.minorsNeedApproval
        minorAge = try container.decodeIfPresent(Int.self, forKey: .minorAge) ?? defaults.minorAge
        bulkThreshold = try container.decodeIfPresent(Int.self, forKey: .bulkThreshold) ?? defaults.bulkThreshold
        requireCaseLink = try container.decodeIfPresent(Bool.self, forKey: .requireCaseLink) ?? defaults.requireCaseLink
        minimumJustificationLength = try container.decodeIfPresent(Int.self, forKey: .minimumJustificationLength) ?? defaults.minimumJustificationLength
        approvalDeadlineHours = try container.decodeIfPresent(Int.self, forKey: .approvalDeadlineHours) ?? defaults.approvalDeadlineHours
        personalDataRoles = try container.decodeIfPresent([Role].self, forKey: .personalDataRoles) ?? defaults.personalDataRoles
    }

    /// Checks that the rules make sense.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
    public func validate(at path: String = "rules") throws(LiaisonError) {
        guard (1...25).contains(minorAge) else { throw LiaisonError(.invalidInput, "\(path).minorAge must be 1 to 25") }
        guard bulkThreshold >= 1 else { throw LiaisonError(.invalidInput, "\(path).bulkThreshold must be at least 1") }
        guard (0...2_000).contains(minimumJustificationLength) else {
            throw LiaisonError(.invalidInput, "\(path).minimumJustificationLength must be 0 to 2000")
        }
        guard (1...8_760).contains(approvalDeadlineHours) else { throw LiaisonError(.invalidInput, "\(path).approvalDeadlineHours must be 1 to 8760") }
        let caseRoles: Set<Role> = [.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority]
        guard caseRoles.contains(approverRole) else {
            throw LiaisonError(.invalidInput, "\(path).approverRole must be a role that handles cases: \(caseRoles.sorted().map(\.rawValue).joined(separator: ", "))")
        }
        for role in personalDataRoles where !caseRoles.contains(role) {
            throw LiaisonError(.invalidInput, "\(path).personalDataRoles: \(role.rawValue) never sees case content")
        }
    }
}

/// A node's safeguards configuration: its rules, and rules of its own for some agreements.
public struct SafeguardsConfiguration: Codable, Sendable, Equatable {
    public var rules: ProportionalityRules
    /// Rules that replace the node's for flows under one agreement, by agreement id.
    public var agreements: [String: ProportionalityRules]
    public var retention: RetentionRules
    /// Calendar months a data subject's request may take (one by default).
    public var subjectRequestMonths: Int

    public init(rules: ProportionalityRules = ProportionalityRules(), agreements: [String: ProportionalityRules] = [:], retention: RetentionRules = RetentionRules()) {
        self.rules = rules
        self.agreements = agreements
        self.retention = retention
        self.subjectRequestMonths = 1
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rules = try container.decodeIfPresent(ProportionalityRules.self, forKey: .rules) ?? ProportionalityRules()
        agreements = try container.decodeIfPresent([String: ProportionalityRules].self, forKey: .agreements) ?? [:]
        retention = try container.decodeIfPresent(RetentionRules.self, forKey: .retention) ?? RetentionRules()
        subjectRequestMonths = try container.decodeIfPresent(Int.self, forKey: .subjectRequestMonths) ?? 1
    }

    /// The rules that apply under `agreement`, or the node's where it has none of its own.
    public func rules(for agreement: String?) -> ProportionalityRules {
        agreement.flatMap { agreements[$0] } ?? rules
    }

    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
    public func validate() throws(LiaisonError) {
        try rules.validate()
        for (id, rules) in agreements.sorted(by: { $0.key < $1.key }) { try rules.validate(at: "agreements.\(id)") }
        try retention.validate()
        // Art. 12(3) GDPR, followed by most transpositions: one month, extendable by two more.
        guard (1...3).contains(subjectRequestMonths) else { throw LiaisonError(.invalidInput, "subjectRequestMonths must be 1 to 3") }
    }
}
