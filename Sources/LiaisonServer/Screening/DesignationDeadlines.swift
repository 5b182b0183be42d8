import LiaisonCore
import LiaisonStore
import Logging

extension PeriodicJob {
    /// Makes designations effective when their response window ends, checking as the node starts
    /// and once a minute of the node's clock (every read of the designations checks too, so that
    /// what a page shows is never stale).
    static func designationDeadlines(_ screening: ScreeningService, clock: any WallClock, logger: Logger) -> PeriodicJob {
        PeriodicJob("designation deadlines", every: .seconds(60), runsAtStart: true, clock: clock, logger: logger) {
            for designation in try await screening.activateDue() {
                logger.notice("designation effective after its response window", metadata: ["designation": "\(designation.id)"])
            }
        }
    }
}
