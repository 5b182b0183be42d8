public import Crypto
public import Foundation
public import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
public import LiaisonStore
import Logging
import ServiceLifecycle

/// The node's tamper-evident audit log: an append-only Merkle tree (RFC 9162 hashing) over the
/// recorded events, with checkpoints signed as C2SP signed notes.
///
/// Operations record events into a queue (``AuditTrail``); this actor, the only writer, moves them
/// into the tree in batches, keeping the tree's right edge in memory so that an append hashes only
/// the subtrees it completes. Proofs and roots read stored subtree hashes and never rehash leaves.
public actor AuditLog {
    let store: AuditStore
    /// The checkpoint origin and signing key name, `liaison/<agency code>/audit`.
    public nonisolated let origin: String
    private let signingKey: Curve25519.Signing.PrivateKey
    private let clock: any WallClock
    private var frontier: MerkleFrontier?
    /// The last sequencing or signing run: runs are chained, since an actor's methods interleave at
    /// every `await`, two runs must never take the same queued rows, and two signers must not race
    /// to store the same checkpoint.
    private var lastRun: Task<Void, Never>?

    public init(store: AuditStore, agencyCode: String, signingKey: Curve25519.Signing.PrivateKey, clock: any WallClock) {
        self.store = store
        self.origin = Checkpoint.auditOrigin(agencyCode: agencyCode)
        self.signingKey = signingKey
        self.clock = clock
    }

    /// The C2SP vkey that verifies this node's checkpoints.
    public nonisolated var verifierKey: String { SignedNote.verifierKey(name: origin, publicKey: signingKey.publicKey) }

    /// Moves every queued event into the tree, in batches of `batchSize`, each in one transaction.
    /// - Returns: how many entries were appended.
    @discardableResult
    public func sequence(batchSize: Int = 4_096) async throws -> Int {
        try await serialized { try await self.drain(batchSize: batchSize) }
    }

    /// Runs `body` after every earlier sequencing or signing run has finished.
    private func serialized<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = lastRun
        let run = Task {
            await previous?.value
            return try await body()
        }
        lastRun = Task { _ = try? await run.value }
        return try await run.value
    }

    private func drain(batchSize: Int) async throws -> Int {
        var appended = 0
        while true {
            let queued = try await store.queued(limit: batchSize)
            guard !queued.isEmpty else { return appended }
            var edge = try await loadFrontier()
            var leaves: [AuditStore.Append] = []
            var hashes: [(key: Int64, hash: Data)] = []
            leaves.reserveCapacity(queued.count)
            for item in queued {
                // The leaf is {"event":<the queued canonical event JSON>,"index":N}: with sorted keys
                // that is exactly AuditLeaf's encoding, built without decoding the event again.
                let leaf = Data(#"{"event":"#.utf8) + item.eventJSON + Data(#","index":\#(edge.size)}"#.utf8)
                leaves.append(AuditStore.Append(index: edge.size, leaf: leaf, queued: item))
                for (node, hash) in edge.append(leafHash: Merkle.leafHash(leaf)) { hashes.append((node.key, hash)) }
            }
            do {
                try await store.append(leaves, hashes: hashes, dequeue: queued.map(\.id))
                frontier = edge
            } catch {
                frontier = nil
                throw error
            }
            appended += queued.count
            if queued.count < batchSize { return appended }
        }
    }

    private func loadFrontier() async throws -> MerkleFrontier {
        if let frontier { return frontier }
        let size = try await store.size()
        let loaded = try await Self.frontier(size: size, store: store)
        frontier = loaded
        return loaded
    }

    /// The right edge of the tree of `size` leaves, from stored hashes.
    static func frontier(size: UInt64, store: AuditStore) async throws -> MerkleFrontier {
        try MerkleFrontier(size: size, hashes: try await storedHashes(of: MerkleNode.decompose(0..<size), in: store))
    }

    /// The stored hashes of these complete subtrees, in one batch.
    static func storedHashes(of nodes: some Collection<MerkleNode>, in store: AuditStore) async throws -> [MerkleNode: Data] {
        let stored = try await store.hashes(keys: nodes.map(\.key))
        return Dictionary(uniqueKeysWithValues: stored.map { (MerkleNode(key: $0.key), $0.value) })
    }

    /// Signs a checkpoint of the current tree unless the newest one already covers it.
    /// - Returns: the newest checkpoint.
    @discardableResult
    public func checkpoint() async throws -> AuditCheckpointRecord {
        try await serialized { try await self.signCheckpoint() }
    }

    private func signCheckpoint() async throws -> AuditCheckpointRecord {
        let edge = try await loadFrontier()
        if let latest = try await store.latestCheckpoint(), latest.size == edge.size { return latest }
        let checkpoint = Checkpoint(origin: origin, size: edge.size, root: edge.root)
        let note = SignedNote.format(text: checkpoint.text, signatures: [try SignedNote.sign(checkpoint.text, name: origin, key: signingKey)])
        let now = clock.now()
        try await store.saveCheckpoint(size: edge.size, root: edge.root, note: note, at: now)
        return AuditCheckpointRecord(size: edge.size, root: edge.root, note: note, signedAt: now)
    }

    /// The number of leaves in the tree.
    public func size() async throws -> UInt64 { try await loadFrontier().size }

    // MARK: Proofs (read-only: stored hashes only)

    /// The hashes of ``MerkleProofPlan`` `plan`, from the store.
    nonisolated func assemble(_ plan: MerkleProofPlan) async throws -> [Data] {
        try plan.assemble(from: try await Self.storedHashes(of: plan.nodes, in: store))
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves.
    /// - Throws: ``LiaisonError`` `.invalidInput` unless `index < size ≤` the log's size.
    public func inclusionProof(index: UInt64, size: UInt64) async throws -> [Data] {
        let current = try await loadFrontier().size
        guard size <= current else { throw LiaisonError(.invalidInput, "the log has \(current) entries, not \(size)") }
        return try await assemble(try MerkleProofPlan.inclusion(index: index, size: size))
    }

    /// The consistency proof from the tree of `from` leaves to the tree of `to` leaves.
    /// - Throws: ``LiaisonError`` `.invalidInput` unless `0 < from ≤ to ≤` the log's size.
    public func consistencyProof(from: UInt64, to: UInt64) async throws -> [Data] {
        let current = try await loadFrontier().size
        guard to <= current else { throw LiaisonError(.invalidInput, "the log has \(current) entries, not \(to)") }
        return try await assemble(try MerkleProofPlan.consistency(from: from, to: to))
    }

    /// The root of the tree of `size` leaves.
    public func root(size: UInt64) async throws -> Data {
        let current = try await loadFrontier().size
        guard size <= current else { throw LiaisonError(.invalidInput, "the log has \(current) entries, not \(size)") }
        return try await Self.frontier(size: size, store: store).root
    }
}
