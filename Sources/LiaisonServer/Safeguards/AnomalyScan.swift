import LiaisonCore
import LiaisonSafeguards
import Logging

extension PeriodicJob {
    /// Scans the audit log for anomalous access every `interval`, raising alerts.
    static func anomalyScan(_ monitor: OversightMonitor, every interval: Duration, clock: any WallClock, logger: Logger) -> PeriodicJob {
        PeriodicJob("anomaly scan", every: interval, clock: clock, logger: logger) {
            for alert in try await monitor.scan() {
                logger.warning("anomalous access", metadata: ["kind": "\(alert.kind.rawValue)", "actor": "\(alert.actor)"])
            }
        }
    }
}
