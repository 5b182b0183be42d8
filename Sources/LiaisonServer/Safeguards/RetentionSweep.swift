import LiaisonCore
import Logging

extension PeriodicJob {
    /// Runs the retention sweep as the node starts and then every `interval`.
    static func retentionSweep(_ sweeper: RetentionSweeper, every interval: Duration, clock: any WallClock, logger: Logger) -> PeriodicJob {
        PeriodicJob("retention sweep", every: interval, runsAtStart: true, clock: clock, logger: logger) {
            let result = try await sweeper.sweep()
            if !result.erased.isEmpty || result.screeningResultsAnonymised > 0 {
                logger.notice("retention sweep", metadata: [
                    "erased": "\(result.erased.count)", "held": "\(result.held.count)", "anonymised": "\(result.screeningResultsAnonymised)",
                ])
            }
        }
    }
}
