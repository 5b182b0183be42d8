public import LiaisonCore

/// A machine-readable reason for a policy outcome, with a plain sentence for people.
public struct PolicyReason: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Stable identifier, e.g. ``Code/roleNotPermitted`` (`role-not-permitted`).
    public var code: Code
    /// One plain sentence that a user, supervisor or auditor can read.
    public var sentence: String

    public init(code: Code, sentence: String) {
        self.code = code
        self.sentence = sentence
    }

    public var description: String { sentence }
}

/// The outcome of the policy decision point. An expected outcome is a value, never a thrown error.
public enum Decision: Sendable, Equatable {
    case permit
    case deny([PolicyReason])
    case needsApproval(by: Role, [PolicyReason])

    public var isPermit: Bool {
        if case .permit = self { return true }
        return false
    }
}
