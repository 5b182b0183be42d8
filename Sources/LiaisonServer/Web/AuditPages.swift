import Foundation
import Hummingbird
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
import LiaisonStore

/// The audit explorer for the oversight roles: entries filtered by user, operation and time, one
/// entry with its inclusion proof checked against the newest signed checkpoint, and the alerts.
struct AuditPages {
    let renderer: PageRenderer
    let log: AuditLog
    let store: AuditStore
    let witnesses: WitnessStore
    let identity: IdentityDocument

    static let pageSize = 100

    func register(on routes: RouteTable) {
        routes.on(.get, "/audit", access: AccessRule.auditReaders, surface: .web, audited: .auditRead) { request, context in
            try await explorer(request: request, context: context)
        }
        routes.on(.get, "/audit/entries/:index", access: AccessRule.auditReaders, surface: .web, audited: .auditRead) { request, context in
            guard let index = CheckedInteger.logSize(try context.parameters.require("index")) else {
                throw LiaisonError(.invalidInput, "An entry index is an integer from 0 to \(CheckedInteger.maximumLogSize).")
            }
            return try await entry(index, request: request, context: context)
        }
    }

    /// Reads `yyyy-mm-dd` (a day in UTC) or a full RFC 3339 time.
    static func date(_ text: String?, endOfDay: Bool = false) throws -> Date? {
        guard let text, !text.isEmpty else { return nil }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let day = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return endOfDay ? day.addingTimeInterval(86_400) : day }
        throw LiaisonError(.invalidInput, "'\(text)' is not a date (yyyy-mm-dd) or an RFC 3339 time.")
    }

    private func explorer(request: Request, context: LiaisonRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let actor = query.get("actor").flatMap { $0.isEmpty ? nil : ($0.contains(":") ? $0 : "user:\($0)") }
        let operation = query.get("operation").flatMap { $0.isEmpty ? nil : $0 }
        if let operation, AuditOperation(rawValue: operation) == nil {
            throw LiaisonError(.invalidInput, "'\(operation)' is not an audited operation.")
        }
        let before = try query.get("before").map { text -> UInt64 in
            guard let value = CheckedInteger.logSize(text) else { throw LiaisonError(.invalidInput, "before is an entry index (an integer from 0 to \(CheckedInteger.maximumLogSize)).") }
            return value
        }
        let filter = AuditStore.Filter(
            actor: actor, operation: operation, from: try Self.date(query.get("from")), until: try Self.date(query.get("until"), endOfDay: true), before: before
        )
        let entries = try await store.search(filter, limit: Self.pageSize)
        let rows: [[String: Any]] = entries.map { entry in
            let event = (try? AuditLeaf(bytes: entry.leaf))?.event
            return [
                "index": String(entry.index), "time": entry.recordedAt.formatted(.iso8601), "actor": entry.actor, "operation": entry.operation,
                "outcome": entry.outcome, "subject": entry.subject ?? "", "denied": entry.outcome != "success",
                "detail": event?.details?.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") ?? "",
            ]
        }
        var older: String?
        if entries.count == Self.pageSize, let last = entries.last {
            var components = URLComponents()
            components.path = "/audit"
            components.queryItems = [("actor", query.get("actor")), ("operation", operation), ("from", query.get("from")), ("until", query.get("until")), ("before", String(last.index))]
                .compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
            older = components.string
        }
        let checkpoint = try await store.latestCheckpoint()
        let signers = (try? checkpoint.map { try SignedNote.parse($0.note).signatures.map(\.name) }) ?? nil
        let alerts = try await witnesses.alerts(limit: 20).map {
            ["time": $0.raisedAt.formatted(.iso8601), "kind": $0.kind, "source": $0.source, "detail": $0.detail]
        }
        var values: [String: Any] = [
            "entries": rows, "hasEntries": !rows.isEmpty,
            "filter": ["actor": query.get("actor") ?? "", "from": query.get("from") ?? "", "until": query.get("until") ?? ""],
            "operations": AuditOperation.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == operation] },
            "alerts": alerts, "hasAlerts": !alerts.isEmpty,
        ]
        // Mustache shows a key whenever it is present: absent values are left out, not nil.
        if let older { values["older"] = older }
        if let checkpoint {
            values["checkpoint"] = [
                "size": String(checkpoint.size), "root": checkpoint.root.base64EncodedString(), "signedAt": checkpoint.signedAt.formatted(.iso8601),
                "signers": (signers ?? []).joined(separator: ", "),
            ]
        }
        return renderer.page("audit", title: { $0["audit_title"] ?? "Liaison" }, request: request, context: context, values: values)
    }

    private func entry(_ index: UInt64, request: Request, context: LiaisonRequestContext) async throws -> Response {
        guard let entry = try await store.entries(index..<(index + 1)).first else {
            throw LiaisonError(.notFound, "No audit entry \(index).")
        }
        var values: [String: Any] = [
            "index": String(index), "leaf": String(decoding: entry.leaf, as: UTF8.self),
            "leafHash": Merkle.leafHash(entry.leaf).base64EncodedString(),
        ]
        if let checkpoint = try await store.latestCheckpoint(), checkpoint.size > index {
            let proof = try await log.inclusionProof(index: index, size: checkpoint.size)
            let verified = MerkleVerifier.verifyInclusion(index: index, size: checkpoint.size, leafHash: Merkle.leafHash(entry.leaf), proof: proof, root: checkpoint.root)
            let signed = (try? SignedNote.parse(checkpoint.note)).map { note in
                identity.auditVerifierKey.flatMap { try? NoteVerifier(verifierKey: $0) }?.verifies(note) ?? false
            } ?? false
            values["proof"] = [
                "size": String(checkpoint.size), "root": checkpoint.root.base64EncodedString(), "hashes": proof.map { $0.base64EncodedString() },
                "verified": verified.isVerified && signed, "note": checkpoint.note,
            ] as [String: Any]
        }
        return renderer.page("audit-entry", title: { "\($0["audit_entry_title"]!) \(index)" }, request: request, context: context, values: values)
    }
}
