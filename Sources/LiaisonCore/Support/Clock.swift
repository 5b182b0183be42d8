#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The source of wall-clock time for every rule that depends on it (deadlines, sunsets, lockouts,
/// token expiry), injected so that tests move time instead of sleeping.
public protocol WallClock: Sendable {
    /// The current instant, in UTC.
    func now() -> Date
}

/// The system's clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
