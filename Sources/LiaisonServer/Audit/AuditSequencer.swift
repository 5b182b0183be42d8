package import Crypto
package import Foundation
package import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
package import LiaisonStore
import Logging
import ServiceLifecycle

extension PeriodicJob {
    /// Signs a checkpoint of the audit log every `interval` while it grows (signing is a no-op when
    /// the newest checkpoint covers the whole log).
    static func auditCheckpoints(_ log: AuditLog, every interval: Duration, clock: any WallClock, logger: Logger) -> PeriodicJob {
        PeriodicJob("audit checkpoint", every: interval, clock: clock, logger: logger) { try await log.checkpoint() }
    }
}

/// Sequences queued audit events as they arrive, off the request path; signs a checkpoint as the
/// node starts and as it stops (``PeriodicJob/auditCheckpoints(_:every:clock:logger:)`` signs the
/// ones between).
struct AuditSequencer: Service {
    let log: AuditLog
    let wakeup: Wakeup
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            // What was recorded while the node was down (CLI changes, a crash's queue) is in the
            // first checkpoint, not ten seconds later.
            do {
                try await log.sequence()
            } catch {
                logger.warning("cannot sequence the audit log", metadata: ["error": "\(error)"])
            }
            try await checkpoint()
            while !Task.isCancelled {
                await wakeup.idle(upTo: .milliseconds(200))
                // Events come in bursts (a message is several): sequence them together.
                try await Task.sleep(for: .milliseconds(20))
                do {
                    try await log.sequence()
                } catch {
                    logger.warning("cannot sequence the audit log", metadata: ["error": "\(error)"])
                }
            }
        }
        // What was recorded before shutdown is in the log and under a checkpoint.
        _ = try? await log.sequence()
        _ = try? await log.checkpoint()
    }

    private func checkpoint() async throws {
        do {
            try await log.checkpoint()
        } catch {
            logger.warning("cannot sign an audit checkpoint", metadata: ["error": "\(error)"])
        }
    }
}
