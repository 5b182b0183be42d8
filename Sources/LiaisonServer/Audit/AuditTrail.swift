package import Crypto
package import Foundation
package import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
package import LiaisonStore
import Logging
import ServiceLifecycle

/// Where operations record their audit events: into the queue, then a nudge to the sequencer.
struct AuditTrail: Sendable {
    let store: AuditStore
    let wakeup: Wakeup
    let clock: any WallClock
    let logger: Logger

    /// Records events. A failure to record is logged loudly; the caller's operation has happened.
    func record(_ events: AuditEvent...) async {
        do {
            try await store.record(events, at: clock.now())
            await wakeup.signal()
        } catch {
            logger.critical("cannot record audit events", metadata: ["error": "\(error)", "operations": "\(events.map(\.operation.rawValue))"])
        }
    }

    /// `user:<name>` for a signed-in caller, `anonymous` otherwise.
    static func actor(_ context: LiaisonRequestContext) -> String {
        context.principal.map { "user:\($0.username)" } ?? "anonymous"
    }

    /// An event stamped with the trail's clock.
    func event(
        _ operation: AuditOperation, _ outcome: AuditEvent.Outcome = .success, actor: String, role: String? = nil, subject: String? = nil,
        purpose: String? = nil, legalBasis: String? = nil, recipients: [String]? = nil, details: [String: String]? = nil
    ) -> AuditEvent {
        AuditEvent(
            time: clock.now(), operation: operation, outcome: outcome, actor: actor, role: role, subject: subject,
            purpose: purpose, legalBasis: legalBasis, recipients: recipients, details: details
        )
    }
}
