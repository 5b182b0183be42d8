package import Foundation
package import Testing

/// Waits until `condition` holds — the one place where a test waits for something that happens
/// in the background (a delivery, a sequenced audit entry, a witnessing round).
///
/// Before each new look it moves `clocks` forward by `step` seconds, so that periodic jobs waiting
/// on the node's clock (``PeriodicJob``) run; work that is not periodic (deliveries, the audit
/// sequencer) is simply given the time it takes. Records an issue naming `what` if the condition
/// still does not hold after `timeout`.
/// - Returns: whether the condition came to hold.
@discardableResult
package func eventually(
    _ what: @autoclosure () -> String, advancing clocks: [ManualClock] = [], by step: TimeInterval = 0, timeout: Duration = .seconds(20),
    sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    var pause = Duration.milliseconds(5)
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting until \(what())", sourceLocation: sourceLocation)
            return false
        }
        for clock in clocks { clock.advance(by: step) }
        try await Task.sleep(for: pause)
        pause = min(pause * 2, .milliseconds(100))
    }
}

/// Stands for work that takes a while (a slow load, a job that suspends midway), so that a test
/// can hold something in progress while others arrive. Not a way to wait for a condition: that
/// is ``eventually(_:advancing:by:timeout:sourceLocation:_:)``.
package func simulatedWork(for duration: Duration) async throws {
    try await Task.sleep(for: duration)
}

/// Runs `attempt` for each of `contenders` at once and counts those that succeeded (did not throw):
/// for tests of what must happen once when callers race (a decision, a custody position, a log index).
package func successes<Contender: Sendable>(racing contenders: [Contender], _ attempt: @escaping @Sendable (Contender) async throws -> Void) async -> Int {
    await withTaskGroup(of: Bool.self) { group in
        for contender in contenders {
            group.addTask { (try? await attempt(contender)) != nil }
        }
        return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
    }
}
