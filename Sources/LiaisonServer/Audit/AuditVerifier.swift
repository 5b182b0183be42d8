import Foundation
package import LiaisonCore
import LiaisonCrypto
package import LiaisonStore

/// Recomputes the audit log from its stored entries and checks it against every signed checkpoint:
/// what `liaison audit verify` runs.
///
/// It trusts nothing in the database but the entries' bytes and the checkpoints' signatures:
/// - every leaf must sit at the index it names (a moved row is named),
/// - indices must be contiguous (a deleted row is named),
/// - each leaf's hash must equal the stored leaf hash (an edited row is named, unless the hash was
///   edited with it),
/// - the tree recomputed from the leaves must reach every checkpoint's root, and every checkpoint
///   must carry a valid signature by the node's key (an edit that also rewrote the stored hash is
///   caught here, and placed between the last good checkpoint and this one).
package struct AuditVerifier: Sendable {
    let store: AuditStore
    let verifier: NoteVerifier

    /// - Parameter verifierKey: the node's C2SP vkey (its identity document's `auditVerifierKey`).
    package init(store: AuditStore, verifierKey: String) throws {
        self.store = store
        self.verifier = try NoteVerifier(verifierKey: verifierKey)
    }

    /// What verification found.
    package struct Report: Sendable {
        package var entries: UInt64 = 0
        package var checkpointsVerified = 0
        /// The first problem, in log order; `nil` when the log is intact.
        package var failure: String?
        /// The first index known to be bad, when one can be named.
        package var firstBadIndex: UInt64?

        package var isIntact: Bool { failure == nil }
    }

    package func verify() async throws -> Report {
        var report = Report()
        let checkpoints = try await store.checkpoints()
        var bySize: [UInt64: AuditCheckpointRecord] = [:]
        for checkpoint in checkpoints {
            let parsed: Checkpoint
            do {
                let note = try SignedNote.parse(checkpoint.note)
                guard verifier.verifies(note) else {
                    return fail(&report, "checkpoint of size \(checkpoint.size) does not carry a valid signature by \(verifier.name)", index: nil)
                }
                parsed = try Checkpoint(text: note.text)
            } catch {
                return fail(&report, "checkpoint of size \(checkpoint.size) is not a well-formed signed note: \(error)", index: nil)
            }
            guard parsed.size == checkpoint.size, parsed.root == checkpoint.root, parsed.origin == verifier.name else {
                return fail(&report, "checkpoint of size \(checkpoint.size) was altered: its signed text names size \(parsed.size) and another root", index: nil)
            }
            bySize[checkpoint.size] = checkpoint
        }

        var frontier = MerkleFrontier()
        var lastGoodCheckpoint: UInt64 = 0
        if let empty = bySize[0] {
            guard empty.root == Merkle.emptyRoot else { return fail(&report, "the checkpoint of the empty log has the wrong root", index: nil) }
            report.checkpointsVerified += 1
        }
        let page: UInt64 = 5_000
        while true {
            let start = frontier.size
            let entries = try await store.entries(start..<(start + page))
            if entries.isEmpty { break }
            let storedHashes = try await store.hashes(keys: entries.map { MerkleNode(level: 0, index: $0.index).key })
            for entry in entries {
                let expected = frontier.size
                guard entry.index == expected else {
                    return fail(&report, "entry \(expected) is missing: the next stored entry is \(entry.index)", index: expected)
                }
                guard let leaf = try? AuditLeaf(bytes: entry.leaf) else {
                    return fail(&report, "entry \(expected) is not a well-formed audit leaf: it was altered", index: expected)
                }
                guard leaf.index == expected else {
                    return fail(&report, "entry \(expected) holds the leaf of entry \(leaf.index): rows were moved", index: expected)
                }
                let hash = Merkle.leafHash(entry.leaf)
                guard storedHashes[MerkleNode(level: 0, index: expected).key] == hash else {
                    return fail(&report, "entry \(expected) was altered after it was logged: its bytes no longer hash to the stored leaf hash", index: expected)
                }
                frontier.append(leafHash: hash)
                if let checkpoint = bySize[frontier.size] {
                    guard checkpoint.root == frontier.root else {
                        return fail(
                            &report,
                            "the entries do not reach the signed root of checkpoint \(frontier.size): an entry in \(lastGoodCheckpoint)..<\(frontier.size) was altered",
                            index: lastGoodCheckpoint
                        )
                    }
                    report.checkpointsVerified += 1
                    lastGoodCheckpoint = frontier.size
                }
            }
            if UInt64(entries.count) < page { break }  // checked: a count
        }
        report.entries = frontier.size
        if let beyond = checkpoints.last, beyond.size > frontier.size {
            return fail(&report, "checkpoint \(beyond.size) covers entries \(frontier.size)..<\(beyond.size), which are missing", index: frontier.size)
        }
        return report
    }

    private func fail(_ report: inout Report, _ failure: String, index: UInt64?) -> Report {
        report.failure = failure
        report.firstBadIndex = index
        return report
    }
}
