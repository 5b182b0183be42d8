import LiaisonCore
import Logging
import ServiceLifecycle

/// Work that runs every `interval` of the node's clock for as long as the node runs: the retention
/// sweep, the anomaly scan, designations whose response window ended, witnessing rounds, checkpoint
/// signing. One loop for all of them, waiting on the injected ``WallClock``, so that a test moves
/// its clock forward instead of sleeping.
///
/// A failed run is logged and the job goes on; cancellation and graceful shutdown end it.
struct PeriodicJob: Service {
    /// What the log calls the job.
    let name: String
    let interval: Duration
    /// Whether the job also runs once as the node starts, before the first interval has passed.
    let runsAtStart: Bool
    let clock: any WallClock
    let logger: Logger
    let work: @Sendable () async throws -> Void

    init(_ name: String, every interval: Duration, runsAtStart: Bool = false, clock: any WallClock, logger: Logger, work: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.runsAtStart = runsAtStart
        self.clock = clock
        self.logger = logger
        self.work = work
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            if runsAtStart { await runOnce() }
            while !Task.isCancelled {
                try await clock.sleep(for: interval)
                await runOnce()
            }
        }
    }

    /// One run; a failure is logged, not thrown, so that the next run still comes.
    func runOnce() async {
        do {
            try await work()
        } catch is CancellationError {
            return
        } catch {
            logger.error("\(name) failed", metadata: ["job": "\(name)", "error": "\(error)"])
        }
    }
}
