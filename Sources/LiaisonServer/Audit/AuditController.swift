import Foundation
import Hummingbird
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
import LiaisonStore

/// The audit log's API: checkpoints, entries with their exact leaf bytes, and proofs.
///
/// Readers are the oversight roles: oversight, data protection officer, administrator.
struct AuditController {
    let log: AuditLog
    let store: AuditStore

    /// The most entries one request returns.
    static let pageLimit: UInt64 = 1_000

    struct EntryView: Encodable {
        var index: UInt64
        /// The exact leaf bytes that were hashed, base64.
        var leaf: String
        /// `SHA-256(0x00 ‖ leaf)`, base64.
        var leafHash: String
        /// The same bytes, decoded.
        var entry: AuditLeaf?

        init(_ record: AuditEntryRecord) {
            index = record.index
            leaf = record.leaf.base64EncodedString()
            leafHash = Merkle.leafHash(record.leaf).base64EncodedString()
            entry = try? AuditLeaf(bytes: record.leaf)
        }
    }

    struct EntriesView: Encodable {
        var treeSize: UInt64
        var entries: [EntryView]
    }

    struct InclusionView: Encodable {
        var index: UInt64
        var treeSize: UInt64
        var leafHash: String
        var rootHash: String
        var proof: [String]
    }

    struct ConsistencyView: Encodable {
        var from: UInt64
        var to: UInt64
        var fromRoot: String
        var toRoot: String
        var proof: [String]
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v1/audit/checkpoint", access: .auditReaders, surface: .api) { _, _ in
            if let latest = try await store.latestCheckpoint() { return Self.note(latest) }
            return Self.note(try await log.checkpoint())
        }
        routes.on(.post, "/api/v1/audit/checkpoint", access: .auditReaders, surface: .api) { _, _ in
            try await log.sequence()
            return Self.note(try await log.checkpoint())
        }
        routes.on(.get, "/api/v1/audit/entries", access: .auditReaders, surface: .api, audited: .auditRead) { request, _ in
            let size = try await log.size()
            let start = try Self.integer(request, "start") ?? 0
            let requestedEnd = try Self.integer(request, "end") ?? start.addingReportingOverflow(Self.pageLimit).partialValue
            guard start <= requestedEnd else {
                throw LiaisonError(.invalidInput, "start (\(start)) must not be greater than end (\(requestedEnd)).")
            }
            guard requestedEnd - start <= Self.pageLimit else {
                throw LiaisonError(.invalidInput, "Ask for at most \(Self.pageLimit) entries at a time.")
            }
            let end = min(requestedEnd, size)
            let entries = start < end ? try await store.entries(start..<end) : []
            return try JSONBody.response(EntriesView(treeSize: size, entries: entries.map(EntryView.init)))
        }
        routes.on(.get, "/api/v1/audit/proofs/inclusion", access: .auditReaders, surface: .api) { request, _ in
            guard let index = try Self.integer(request, "index") else {
                throw LiaisonError(.invalidInput, "index is required.")
            }
            let requested = try Self.integer(request, "size")
            let size = if let requested { requested } else { try await log.size() }
            let proof = try await log.inclusionProof(index: index, size: size)
            guard let entry = try await store.entries(index..<(index + 1)).first else {
                throw LiaisonError(.notFound, "No audit entry \(index).")
            }
            return try JSONBody.response(InclusionView(
                index: index, treeSize: size, leafHash: Merkle.leafHash(entry.leaf).base64EncodedString(),
                rootHash: try await log.root(size: size).base64EncodedString(), proof: proof.map { $0.base64EncodedString() }
            ))
        }
        routes.on(.get, "/api/v1/audit/proofs/consistency", access: .auditReaders, surface: .api) { request, _ in
            guard let from = try Self.integer(request, "from"), let to = try Self.integer(request, "to") else {
                throw LiaisonError(.invalidInput, "from and to are required.")
            }
            let proof = try await log.consistencyProof(from: from, to: to)
            return try JSONBody.response(ConsistencyView(
                from: from, to: to, fromRoot: try await log.root(size: from).base64EncodedString(),
                toRoot: try await log.root(size: to).base64EncodedString(), proof: proof.map { $0.base64EncodedString() }
            ))
        }
    }

    static func note(_ checkpoint: AuditCheckpointRecord) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: checkpoint.note)))
    }

    /// A non-negative integer query parameter.
    static func integer(_ request: Request, _ name: String) throws -> UInt64? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let value = CheckedInteger.logSize(text) else {
            throw LiaisonError(.invalidInput, "\(name) must be an integer from 0 to \(CheckedInteger.maximumLogSize), not '\(text)'.")
        }
        return value
    }
}
