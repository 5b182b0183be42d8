#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Rules for usernames and passwords, kept here so that the CLI, the API and the web UI agree.
public enum CredentialRules {
    /// Usernames: 3 to 64 characters of lower-case letters, digits, `.`, `_` and `-`.
    public static func validateUsername(_ username: String) throws(LiaisonError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        guard (3...64).contains(username.count), username.allSatisfy({ allowed.contains($0) }) else {
            throw LiaisonError(
                .invalidInput,
                "username must be 3 to 64 characters of lower-case letters, digits, '.', '_' or '-'"
            )
        }
    }

    /// Passwords: at least 12 characters (NIST SP 800-63B §3.1.1.2 asks for at least 8 and
    /// allows more; 12 is our floor), at most 72 bytes because bcrypt ignores anything longer.
    public static func validatePassword(_ password: String) throws(LiaisonError) {
        guard password.count >= 12 else {
            throw LiaisonError(.invalidInput, "password must be at least 12 characters")
        }
        guard password.utf8.count <= 72 else {
            throw LiaisonError(.invalidInput, "password must be at most 72 bytes (bcrypt's limit)")
        }
        // NIST SP 800-63B §5.1.1.2 asks verifiers to refuse repetitive or sequential characters
        // and commonly used passwords: a length rule alone accepts "aaaaaaaaaaaaaaa".
        guard Set(password.lowercased()).count >= 5 else {
            throw LiaisonError(.invalidInput, "password must use at least 5 different characters (no repeated runs such as 'aaaaaaaaaaaa')")
        }
        let scalars = password.lowercased().unicodeScalars.map(\.value)
        let steps = Set(zip(scalars, scalars.dropFirst()).map { Int($1) - Int($0) })  // checked: Unicode scalar values fit in Int
        guard !(steps.count == 1 && [1, -1].contains(steps.first!)) else {
            throw LiaisonError(.invalidInput, "password must not be a sequence such as 'abcdefghijkl' or '123456789012'")
        }
        let lowered = password.lowercased()
        guard !commonPasswords.contains(where: { lowered.contains($0) && lowered.count < $0.count + 6 }) else {
            throw LiaisonError(.invalidInput, "password is built on a commonly used password; choose a passphrase of unrelated words")
        }
    }

    /// Stems that head every published list of breached passwords: one of these with fewer than
    /// six characters added is refused.
    static let commonPasswords = [
        "password", "passw0rd", "qwertyuiop", "1q2w3e4r", "iloveyou", "letmein", "welcome", "admin123", "trustno1", "qwerty123", "abc123456",
    ]
}

/// Back-off after failed logins: after ``freeAttempts`` consecutive failures each further failure
/// locks the account for a doubling period, capped at ``maximumLock``.
public struct LoginThrottle: Sendable, Equatable {
    public var freeAttempts: Int
    public var firstLock: Duration
    public var maximumLock: Duration

    /// Failed attempts from one client address, across all usernames, within ``clientWindow``
    /// before that address is refused (password spraying across accounts).
    public var clientFailures: Int
    public var clientWindow: Duration

    public init(
        freeAttempts: Int = 5, firstLock: Duration = .seconds(30), maximumLock: Duration = .seconds(15 * 60),
        clientFailures: Int = 30, clientWindow: Duration = .seconds(10 * 60)
    ) {
        self.freeAttempts = freeAttempts
        self.firstLock = firstLock
        self.maximumLock = maximumLock
        self.clientFailures = clientFailures
        self.clientWindow = clientWindow
    }

    /// When an account with this many consecutive failures may try again.
    /// - Parameters:
    ///   - failures: consecutive failed attempts, including the one just made.
    ///   - at: the time of the last failure.
    /// - Returns: the instant the lock ends, or `nil` when no lock applies.
    public func lockedUntil(failures: Int, at: Date) -> Date? {
        guard failures >= freeAttempts else { return nil }
        let doublings = min(failures - freeAttempts, 20)
        let seconds = min(
            Double(firstLock.components.seconds) * Double(1 << doublings),
            Double(maximumLock.components.seconds)
        )
        return at.addingTimeInterval(seconds)
    }
}
