#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
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
    }
}

/// Back-off after failed logins: after ``freeAttempts`` consecutive failures each further failure
/// locks the account for a doubling period, capped at ``maximumLock``.
public struct LoginThrottle: Sendable, Equatable {
    public var freeAttempts: Int
    public var firstLock: Duration
    public var maximumLock: Duration

    public init(freeAttempts: Int = 5, firstLock: Duration = .seconds(30), maximumLock: Duration = .seconds(15 * 60)) {
        self.freeAttempts = freeAttempts
        self.firstLock = firstLock
        self.maximumLock = maximumLock
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
