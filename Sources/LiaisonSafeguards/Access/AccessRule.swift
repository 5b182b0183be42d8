public import LiaisonCore

/// Who may call an operation. Every route of the node declares one; there is no default that lets
/// anything through.
public enum AccessRule: Sendable, Hashable, CustomStringConvertible {
    /// Anyone, without credentials: health probes, metrics, the login page.
    case anonymous
    /// Any signed-in user, whatever the role.
    case anyRole
    /// Only users holding one of these roles.
    case roles(Set<Role>)

    /// Convenience for `.roles([...])`.
    public static func only(_ roles: Role...) -> AccessRule { .roles(Set(roles)) }

    /// The roles this rule admits (every role for `.anyRole`, none for `.anonymous` since no role is needed).
    public var admittedRoles: Set<Role> {
        switch self {
        case .anonymous, .anyRole: return Set(Role.allCases)
        case .roles(let roles): return roles
        }
    }

    public var description: String {
        switch self {
        case .anonymous: return "anonymous"
        case .anyRole: return "any role"
        case .roles(let roles): return roles.sorted().map(\.rawValue).joined(separator: ", ")
        }
    }
}

/// The subject of an access decision.
public struct Principal: Sendable, Equatable {
    public var userID: String
    public var username: String
    public var role: Role

    public init(userID: String, username: String, role: Role) {
        self.userID = userID
        self.username = username
        self.role = role
    }
}

/// Deny-by-default access decisions for operations.
public enum AccessPolicy {
    /// Decides whether `principal` may perform an operation guarded by `rule`.
    /// - Parameters:
    ///   - principal: the signed-in user, or `nil` for an anonymous caller.
    ///   - rule: the operation's declared rule; `nil` (an undeclared operation) is always denied.
    /// - Returns: `.permit`, or `.deny` with the reason.
    public static func decide(principal: Principal?, rule: AccessRule?) -> Decision {
        guard let rule else {
            return .deny([PolicyReason(code: .undeclaredOperation, sentence: "This operation declares no roles, so nobody may call it.")])
        }
        if case .anonymous = rule { return .permit }
        guard let principal else {
            return .deny([PolicyReason(code: .notAuthenticated, sentence: "Sign in first: this operation needs an authenticated user.")])
        }
        guard rule.admittedRoles.contains(principal.role) else {
            return .deny([PolicyReason(
                code: .roleNotPermitted,
                sentence: "The role \(principal.role.rawValue) may not perform this operation; it needs one of: \(rule)."
            )])
        }
        return .permit
    }
}
