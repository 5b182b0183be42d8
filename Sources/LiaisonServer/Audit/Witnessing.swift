import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
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

/// The witness endpoints on the federation listener.
struct WitnessEndpoint {
    let witness: Witness
    let audit: AuditStore

    func register(on routes: RouteTable) {
        // Partners fetch this node's newest checkpoint, cosignatures included. A checkpoint
        // discloses only the log's size and root, so the listener serves it without credentials.
        routes.on(.get, "/federation/v1/audit/checkpoint", access: .anonymous, surface: .federation) { _, _ in
            guard let latest = try await audit.latestCheckpoint() else {
                throw LiaisonError(.notFound, "No checkpoint has been signed yet.")
            }
            return AuditController.note(latest)
        }
        // Callers are partner nodes; the checkpoint's signature by the pinned key authenticates them.
        routes.on(.post, "/federation/v1/witness/add-checkpoint", access: .anonymous, surface: .federation) { request, _ in
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: 64 * 1024)
            } catch {
                throw LiaisonError(.bodyTooLarge, "An add-checkpoint request is at most 64 KiB.")
            }
            let body = String(buffer: buffer)
            let parsed: AddCheckpointRequest
            do {
                parsed = try AddCheckpointRequest(body: body)
            } catch {
                throw LiaisonError(.invalidInput, "\(error)")
            }
            switch try await witness.add(parsed) {
            case .cosigned(let signature):
                return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: signature.line)))
            case .conflict(let size):
                return Response(status: .conflict, headers: [.contentType: "text/x.tlog.size"], body: .init(byteBuffer: ByteBuffer(string: "\(size)\n")))
            case .inconsistent(let detail):
                throw LiaisonError(.splitView, detail)
            }
        }
    }
}

/// Gets this node's checkpoints cosigned by every partner: after each new checkpoint, submits it to
/// each partner's witness endpoint with a consistency proof from what that partner last cosigned,
/// verifies the cosignature it returns against the partner's pinned key, and adds it to the stored
/// checkpoint note. A partner that answers "split view" raises an alert here too.
struct WitnessService: Service {
    let ownAgencyCode: String
    let log: AuditLog
    let audit: AuditStore
    let witnesses: WitnessStore
    let federation: FederationStore
    let clients: FederationClients
    let clock: any WallClock
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await round()
            }
        }
        await clients.shutdown()
    }

    /// Submits the newest checkpoint to every partner that has not cosigned it yet.
    func round() async {
        do {
            guard let latest = try await audit.latestCheckpoint(), latest.size > 0 else { return }
            for partner in try await federation.partners() {
                do {
                    try await submit(latest, to: partner)
                } catch {
                    logger.notice("witness round failed", metadata: ["witness": "\(partner.identity.agencyCode)", "error": "\(error)"])
                }
            }
        } catch {
            logger.warning("cannot run a witness round", metadata: ["error": "\(error)"])
        }
    }

    func submit(_ checkpoint: AuditCheckpointRecord, to partner: PartnerRecord) async throws {
        let witness = partner.identity.agencyCode
        var oldSize = try await witnesses.progress(witness: witness)
        for _ in 0..<2 {  // a second try after a 409 tells us the witness's real size
            guard oldSize < checkpoint.size else { return }
            let proof = oldSize == 0 ? [] : try await log.consistencyProof(from: oldSize, to: checkpoint.size)
            let parsed = try SignedNote.parse(checkpoint.note)
            // Submit the node's own signature only; cosignatures already gathered stay here.
            let ownNote = SignedNote.format(text: parsed.text, signatures: parsed.signatures.filter { $0.name == Checkpoint.auditOrigin(agencyCode: ownAgencyCode) })
            let (client, endpoint) = try await clients.client(for: partner)
            var request = HTTPClientRequest(url: endpoint + "/federation/v1/witness/add-checkpoint")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            request.body = .bytes(ByteBuffer(string: AddCheckpointRequest(oldSize: oldSize, proof: proof, note: ownNote).body))
            let response = try await client.execute(request, timeout: .seconds(30))
            let text = String(buffer: try await response.body.collect(upTo: 64 * 1024))
            switch response.status.code {
            case 200:
                try await accept(cosignature: text, on: checkpoint, from: partner)
                return
            case 409:
                guard let size = CheckedInteger.logSize(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                    throw LiaisonError(.invalidInput, "\(witness) answered 409 without a valid size")
                }
                // A witness cannot have cosigned more of this log than the log holds: such an
                // answer is a lie or a fault, and storing it would stall witnessing for good.
                guard size <= checkpoint.size else {
                    throw LiaisonError(.invalidInput, "\(witness) claims to have cosigned \(size) entries of this log, which holds \(checkpoint.size)")
                }
                oldSize = size
                try await witnesses.setProgress(witness: witness, size: size, at: clock.now())
            case 422:
                let detail = (try? JSONDecoder().decode(Problem.self, from: Data(text.utf8)))?.detail ?? text
                try await witnesses.raise(kind: "witness-refused", source: witness, detail: "\(witness) refused to cosign checkpoint \(checkpoint.size) as inconsistent with what it cosigned before: \(detail)", at: clock.now())
                return
            default:
                throw LiaisonError(.unavailable, "\(witness) answered \(response.status.code): \(text.prefix(300))")
            }
        }
    }

    /// Verifies a partner's cosignature and adds it to the stored checkpoint note.
    private func accept(cosignature text: String, on checkpoint: AuditCheckpointRecord, from partner: PartnerRecord) async throws {
        let witness = partner.identity.agencyCode
        let keys = try PartnerKeys.of(partner.identity)
        let verifier = NoteVerifier(name: Checkpoint.witnessName(agencyCode: witness), type: SignedNote.cosignatureType, publicKey: keys.signing)
        var parsed = try SignedNote.parse(checkpoint.note)
        let lines = try SignedNote.parse("x\n\n" + text).signatures.filter { $0.name == verifier.name }
        guard let signature = lines.first, verifier.verifies(SignedNote.Parsed(text: parsed.text, signatures: [signature])) else {
            throw LiaisonError(.invalidInput, "\(witness)'s cosignature does not verify with its pinned key")
        }
        // Reread: another round may have added other cosignatures meanwhile.
        let current = try await audit.checkpoint(size: checkpoint.size).map { try SignedNote.parse($0.note) } ?? parsed
        parsed = current
        parsed.signatures.removeAll { $0.name == verifier.name }
        parsed.signatures.append(signature)
        try await audit.saveCheckpoint(size: checkpoint.size, root: checkpoint.root, note: SignedNote.format(text: parsed.text, signatures: parsed.signatures), at: clock.now())
        try await witnesses.setProgress(witness: witness, size: checkpoint.size, at: clock.now())
    }
}

/// Alerts for the oversight roles.
struct AlertController {
    let store: WitnessStore

    struct AlertView: Encodable {
        var id: String
        var raisedAt: Date
        var kind: String
        var source: String
        var detail: String
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v1/alerts", access: AuditController.readers, surface: .api) { _, _ in
            try JSONBody.response(try await store.alerts().map { AlertView(id: $0.id, raisedAt: $0.raisedAt, kind: $0.kind, source: $0.source, detail: $0.detail) })
        }
    }
}
