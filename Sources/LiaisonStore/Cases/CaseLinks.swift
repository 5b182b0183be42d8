package import LiaisonCore
import SQLKit

/// The case links an operation's audit events make: every event that names a case reference
/// (`details["caseRef"]`) for an operation a case's history shows. They are inserted with the
/// events, in the same transaction, so that nothing is done under a case without its link.
package enum CaseLinks {
    /// The operations a case's history shows (not reads or policy decisions, which the audit log
    /// keeps for oversight).
    package static let operations: Set<AuditOperation> = [
        .messageSent, .messageReceived, .hitSearched, .followUpRequested, .followUpDecided, .approvalRequested, .approvalDecided,
        .evidenceRegistered, .custodyEvent, .legalHoldChanged, .screeningPerformed, .caseOpened, .caseChanged, .caseClosed, .caseReopened,
        .instrumentDrafted, .instrumentStep, .instrumentExtended,
    ]

    static var rows: RowInsert {
        RowInsert(into: CaseLinkModel.schema, columns: ["case_key", "at", "operation", "outcome", "actor", "subject"])
    }

    /// Whether a reference names a case, not a pseudo-reference (`message:<id>` for a permission
    /// request about a message, `follow-up <id>` for data released without the requester's case).
    package static func namesCase(_ reference: String) -> Bool {
        let key = Case.key(reference)
        return !key.isEmpty && !key.hasPrefix("message:") && !key.hasPrefix("follow-up ")
    }

    /// The link rows for events (empty when none names a case).
    static func rows(for events: [AuditEvent]) -> RowInsert {
        var insert = rows
        for event in events where operations.contains(event.operation) && event.outcome == .success {
            guard let reference = event.details?["caseRef"], namesCase(reference) else { continue }
            insert.add([
                SQLBind(Case.key(reference)), SQLBind(event.time), SQLBind(event.operation.rawValue), SQLBind(event.outcome.rawValue),
                SQLBind(event.actor), RowInsert.value(event.subject),
            ])
        }
        return insert
    }
}
