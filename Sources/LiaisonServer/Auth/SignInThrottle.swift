import Foundation
import LiaisonCore
import Synchronization

/// The failed sign-ins that the user table does not hold: those for usernames that do not exist
/// (so that they lock exactly as real accounts do, and a 429 does not tell an attacker which names
/// are real) and those from one client address across every username (password spraying).
///
/// Kept in memory, bounded in size: a replica that restarts forgets them, as a load balancer that
/// spreads one client over replicas divides them; the accounts' own lockout lives in the database.
final class SignInThrottle: Sendable {
    private struct State {
        /// Consecutive failures and lock of each unknown username.
        var unknown: [String: (failures: Int, lockedUntil: Date?)] = [:]
        /// Times of recent failures from each client address.
        var clients: [String: [Date]] = [:]
    }

    /// At most this many usernames and addresses are tracked; the table is emptied of stale entries,
    /// then of everything, when it is full.
    static let capacity = 10_000

    let rules: LoginThrottle
    private let state = Mutex(State())

    init(rules: LoginThrottle) {
        self.rules = rules
    }

    private var window: TimeInterval { TimeInterval(rules.clientWindow.components.seconds) }

    /// When the client at `address` may try again, or `nil` when it may now.
    func clientLockedUntil(_ address: String?, at now: Date) -> Date? {
        guard let address else { return nil }
        return state.withLock { state in
            let recent = (state.clients[address] ?? []).filter { now.timeIntervalSince($0) < window }
            guard recent.count >= rules.clientFailures, let oldest = recent.first else { return nil }
            return oldest.addingTimeInterval(window)
        }
    }

    /// When the unknown `username` may be tried again, or `nil` when it may now.
    func unknownLockedUntil(_ username: String, at now: Date) -> Date? {
        state.withLock { $0.unknown[username]?.lockedUntil }.flatMap { $0 > now ? $0 : nil }
    }

    /// Records a failed sign-in.
    /// - Parameter unknownUsername: the attempted name when no such user exists.
    func recordFailure(client address: String?, unknownUsername: String?, at now: Date) {
        state.withLock { state in
            if state.unknown.count + state.clients.count >= Self.capacity {
                state.unknown = state.unknown.filter { ($0.value.lockedUntil ?? .distantPast) > now }
                state.clients = state.clients.filter { ($0.value.last ?? .distantPast).addingTimeInterval(window) > now }
                if state.unknown.count + state.clients.count >= Self.capacity { state = State() }
            }
            if let address {
                var recent = (state.clients[address] ?? []).filter { now.timeIntervalSince($0) < window }
                recent.append(now)
                state.clients[address] = Array(recent.suffix(rules.clientFailures))
            }
            if let unknownUsername {
                let failures = (state.unknown[unknownUsername]?.failures ?? 0) + 1
                state.unknown[unknownUsername] = (failures, rules.lockedUntil(failures: failures, at: now))
            }
        }
    }
}
