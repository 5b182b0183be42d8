import AsyncHTTPClient
import Crypto
import Foundation
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
import LiaisonStore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// This node as a witness of its partners' audit logs (c2sp.org/tlog-witness `add-checkpoint`).
///
/// A partner submits its newest checkpoint with a consistency proof from the one this node last
/// cosigned. The checkpoint must be signed by the partner's pinned key; the proof must verify. Then
/// this node cosigns (c2sp.org/tlog-cosignature) and remembers the checkpoint. A proof that does
/// not verify, or a second root for a size already cosigned, is a split view: the partner has shown
/// two histories. This node raises an alert and answers 422, and the partner raises one too.
actor Witness {
    let ownAgencyCode: String
    let signingKey: Curve25519.Signing.PrivateKey
    let federation: FederationStore
    let store: WitnessStore
    let clock: any WallClock

    init(ownAgencyCode: String, signingKey: Curve25519.Signing.PrivateKey, federation: FederationStore, store: WitnessStore, clock: any WallClock) {
        self.ownAgencyCode = ownAgencyCode
        self.signingKey = signingKey
        self.federation = federation
        self.store = store
        self.clock = clock
    }

    var name: String { Checkpoint.witnessName(agencyCode: ownAgencyCode) }

    enum Outcome {
        case cosigned(SignedNote.Signature)
        /// The submitter's idea of what this witness last cosigned is stale: here is the size.
        case conflict(UInt64)
        /// A split view: the partner's log is inconsistent with what it showed before.
        case inconsistent(String)
    }

    /// Checks and cosigns a partner's checkpoint. Runs one request at a time: the check and the
    /// update of the witnessed checkpoint must not interleave.
    /// - Throws: ``LiaisonError`` for a log that is not a partner's (404), a bad signature (403) or a
    ///   malformed request (400).
    func add(_ request: AddCheckpointRequest) async throws -> Outcome {
        let note: SignedNote.Parsed
        let checkpoint: Checkpoint
        do {
            note = try SignedNote.parse(request.note)
            checkpoint = try Checkpoint(text: note.text)
        } catch {
            throw LiaisonError(.invalidCheckpoint, "\(error)")
        }
        guard let agency = Checkpoint.agencyCode(fromAuditOrigin: checkpoint.origin), let partner = try await federation.partner(agency) else {
            throw LiaisonError(.unknownLog, "\(checkpoint.origin) is not the audit log of a partner of \(ownAgencyCode).")
        }
        let keys = try PartnerKeys.of(partner.identity)
        guard NoteVerifier(name: checkpoint.origin, publicKey: keys.signing).verifies(note) else {
            throw LiaisonError(.badSignature, "The checkpoint is not signed by \(agency)'s pinned key.")
        }
        let known = try await store.witnessed(origin: checkpoint.origin)
        let knownSize = known?.size ?? 0
        guard request.oldSize == knownSize else { return .conflict(knownSize) }
        guard checkpoint.size >= knownSize else {
            throw LiaisonError(.invalidCheckpoint, "The checkpoint (size \(checkpoint.size)) is older than the one cosigned (size \(knownSize)).")
        }
        if let known {
            let verification = MerkleVerifier.verifyConsistency(oldSize: known.size, newSize: checkpoint.size, oldRoot: known.root, newRoot: checkpoint.root, proof: request.proof)
            guard verification.isVerified else {
                let detail = "\(agency) showed checkpoint \(checkpoint.size) (root \(checkpoint.root.base64EncodedString())), which is not an extension of checkpoint \(known.size) (root \(known.root.base64EncodedString())) it signed before: a split view (\(verification))"
                try await store.raise(kind: "split-view", source: agency, detail: detail, at: clock.now())
                return .inconsistent(detail)
            }
        } else if !request.proof.isEmpty && knownSize == 0 {
            throw LiaisonError(.invalidCheckpoint, "A first checkpoint comes with an empty proof (old 0).")
        }
        let time = UInt64(max(0, clock.now().timeIntervalSince1970))  // checked: the node's own clock, not input
        let cosignature = try Cosignature.sign(note.text, name: name, key: signingKey, time: time)
        try await store.saveWitnessed(WitnessedCheckpoint(origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root, note: request.note), at: clock.now())
        return .cosigned(cosignature)
    }
}
