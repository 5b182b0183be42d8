import Crypto
import Foundation
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
import LiaisonStore

extension EvidenceService {
    /// The signing key of a custody event's signer: this node's, or a pinned partner's.
    func signerKey(_ agency: String) async throws -> Curve25519.Signing.PublicKey {
        if agency == ownAgencyCode { return keys.signing.publicKey }
        guard let partner = try await federation.partner(agency) else {
            throw LiaisonError(.invalidInput, "custody event signed by \(agency), which is not a partner of \(ownAgencyCode)")
        }
        return try PartnerKeys.of(partner.identity).signing
    }

    /// A stored event, its signature checked with its signer's key.
    func verified(_ signed: SignedCustodyEvent) async throws -> CustodyEvent {
        try signed.verified(with: try await signerKey(signed.signer))
    }

    /// Takes over an item a partner transferred to this node: verifies its evidence package as a
    /// court would, checks that every key in it is the one pinned here and that the chain ends with
    /// a transfer from `sender` to this node, then stores the item, the chain with each event's
    /// proof in its signer's log, those logs' checkpoints, and this node's `received` event.
    /// Receiving the same item again changes nothing.
    /// - Throws: ``LiaisonError`` 400 naming the first failed check.
    func importTransfer(_ package: Data, itemID: String, from sender: String, purpose: String) async throws {
        if try await store.item(itemID) != nil { return }
        let report = EvidencePackageVerifier.verify(package)
        guard report.passed else {
            let failure = report.checks.first { !$0.passed }.map { "\($0.name): \($0.detail)" } ?? "no checks"
            throw LiaisonError(.invalidEvidence, "The evidence package from \(sender) does not verify: \(failure)")
        }
        let files = try EvidencePackageBuilder.unzip(package)
        let manifest = try JSON.decoder.decode(EvidenceManifest.self, from: files["manifest.json"] ?? Data())
        guard manifest.item.id == itemID else {
            throw LiaisonError(.invalidEvidence, "The package is about item \(manifest.item.id), not \(itemID).")
        }
        // The package's keys are the sender's claim; the pinned identities are this node's truth.
        for (agency, path) in manifest.keys {
            guard let bytes = files[path], let identity = try? JSON.decoder.decode(IdentityDocument.self, from: bytes) else { continue }
            let pinned = agency == ownAgencyCode ? keys.signing.publicKey : try await signerKey(agency)
            guard identity.signingKey.publicKey == pinned.rawRepresentation.base64EncodedString() else {
                throw LiaisonError(.invalidEvidence, "The package's key for \(agency) is not the one pinned here.")
            }
        }
        guard let last = manifest.custody.last.flatMap({ try? JSON.decoder.decode(CustodyEvent.self, from: $0.signed.eventBytes) }),
              last.action == .transferred, last.node == sender, last.recipient == ownAgencyCode
        else {
            throw LiaisonError(.invalidEvidence, "The chain does not end with a transfer from \(sender) to \(ownAgencyCode).")
        }
        var content: Data?
        if manifest.item.kind == .file, let path = manifest.content { content = files[path] }
        let sealed = try content.map { try vault.seal($0) }
        var checkpoints: [String: String] = [:]
        for (origin, path) in manifest.checkpoints { checkpoints[origin] = files[path].map { String(decoding: $0, as: UTF8.self) } }
        let now = clock.now()
        let received = try SignedCustodyEvent(CustodyEvent(
            itemId: itemID, sequence: manifest.custody.count, action: .received, actor: "\(ownAgencyCode) node, on delivery from \(sender)",
            node: ownAgencyCode, time: max(now, last.time), place: "\(ownAgencyCode) secure exchange", purpose: purpose, recipient: nil,
            previous: manifest.custody.last!.signed.hash, contentSHA256: manifest.item.file?.sha256  // checked: the guard above found the chain's last event
        ), signingKey: keys.signing)
        try await store.importChain(
            manifest.item, ciphertext: sealed?.ciphertext, wrappedKey: sealed?.wrappedKey,
            events: try manifest.custody.map { (try JSON.canonicalEncoder.encode($0.signed), try JSON.canonicalEncoder.encode($0.audit)) },
            checkpointsJSON: try JSON.canonicalEncoder.encode(checkpoints), received: try JSON.canonicalEncoder.encode(received),
            audit: [
                AuditEvent(time: now, operation: .evidenceRegistered, actor: "node:\(sender)", subject: "evidence:\(itemID)", purpose: purpose,
                           legalBasis: manifest.item.legalAuthority, details: ["caseRef": manifest.item.caseRef, "transferredFrom": sender]),
                try custodyAudit(received, by: "system"),
            ],
            at: now
        )
    }
}

/// Hands an item over to a partner agency through the secure exchange: records `transferred`
/// here, then sends the item's evidence package, end-to-end encrypted, as a message whose agreement
/// must cover the `evidence` data category. The partner verifies it and continues the chain.
struct EvidenceTransferService: Sendable {
    let evidence: EvidenceService
    let packages: EvidencePackageBuilder
    let messages: MessageService

    struct Request: Decodable {
        var to: String
        var actor: String
        var place: String
        var purpose: String
        var legalBasis: String
        var handlingCode: HandlingCode?
    }

    func transfer(_ id: String, _ request: Request, by user: String, principal: Principal?) async throws -> MessageRecord {
        guard let record = try await evidence.store.item(id) else { throw LiaisonError(.notFound, "No evidence item \(id).") }
        let to = request.to.uppercased()
        let message = MessageRequest(
            to: [to], subject: "Evidence transfer: \(record.item.description)",
            body: "Item \(id) of case \(record.item.caseRef) is handed over to \(to) with its chain of custody. \(request.purpose)",
            entities: nil, purpose: request.purpose, legalBasis: request.legalBasis, handlingCode: request.handlingCode ?? .h1, handlingRestriction: nil,
            evaluation: Evaluation(source: .a, information: .one), caseRef: record.item.caseRef, inReplyTo: nil, retainUntil: nil
        )
        // Refuse before the chain records a hand-over that could not happen.
        try await messages.authorise(message, principal: principal, actor: user, evidence: true)
        _ = try await evidence.addEvent(id, .init(action: .transferred, actor: request.actor, time: nil, place: request.place, purpose: request.purpose, recipient: to), by: user)
        let package = try await packages.build(id)
        return try await messages.send(message, actor: user, principal: principal, evidence: (id, package)).sentRecord()
    }
}
