#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The source of wall-clock time for every rule that depends on it (deadlines, sunsets, lockouts,
/// token expiry), injected so that tests move time instead of sleeping.
public protocol WallClock: Sendable {
    /// The current instant, in UTC.
    func now() -> Date

    /// Suspends until the clock reads `deadline` or later: periodic jobs wait on the node's clock,
    /// so that a test clock that is moved forward runs them.
    /// - Throws: `CancellationError` when the task is cancelled first.
    func sleep(until deadline: Date) async throws
}

extension WallClock {
    /// Suspends for `duration` of this clock's time.
    public func sleep(for duration: Duration) async throws {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        try await sleep(until: now().addingTimeInterval(seconds))
    }
}

/// The system's clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSince(now())
        guard seconds > 0 else { return try Task.checkCancellation() }
        try await Task.sleep(for: .nanoseconds(Int64(min(seconds, 1e9) * 1e9)))  // checked: 0 < seconds ≤ 10^9, in nanoseconds below 2^63
    }
}
