/// The roles a user of a Liaison node holds. A user has exactly one role; what each role may do is
/// declared route by route and decided by the safeguards module.
public enum Role: String, CaseIterable, Codable, Sendable, Comparable {
    case investigator
    case analyst
    case supervisor
    case liaisonOfficer = "liaison-officer"
    case judicialAuthority = "judicial-authority"
    case dataProtectionOfficer = "data-protection-officer"
    /// Independent monitors: read-only over the audit log and statistics, never case content.
    case oversight
    case administrator

    /// Parses a role from its wire name, accepting `_` for `-` and any letter case.
    public init?(parsing text: String) {
        let normalised = String(text.lowercased().map { $0 == "_" ? "-" : $0 })
        self.init(rawValue: normalised)
    }

    /// The wire names of every role, for error messages and help text.
    public static var wireNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
