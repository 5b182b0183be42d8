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

extension PeriodicJob {
    /// A witnessing round every `interval` of the node's clock.
    static func witnessing(_ witnessing: Witnessing, every interval: Duration, clock: any WallClock, logger: Logger) -> PeriodicJob {
        PeriodicJob("witnessing round", every: interval, clock: clock, logger: logger) { await witnessing.round() }
    }
}

/// Gets this node's checkpoints cosigned by every partner: after each new checkpoint, submits it to
/// each partner's witness endpoint with a consistency proof from what that partner last cosigned,
/// verifies the cosignature it returns against the partner's pinned key, and adds it to the stored
/// checkpoint note. A partner that answers "split view" raises an alert here too.
struct Witnessing: Sendable {
    let ownAgencyCode: String
    let log: AuditLog
    let audit: AuditStore
    let witnesses: WitnessStore
    let federation: FederationStore
    let clients: FederationClients
    let clock: any WallClock
    let logger: Logger

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
                let detail = (try? JSON.decoder.decode(Problem.self, from: Data(text.utf8)))?.detail ?? text
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
