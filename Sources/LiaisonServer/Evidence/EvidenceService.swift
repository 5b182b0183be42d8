import Crypto
import Foundation
import LiaisonCore
import LiaisonCrypto
import LiaisonStore

/// Evidence and its chain of custody: registration, sealed content, signed custody events, each
/// recorded in the audit log in the same transaction.
struct EvidenceService: Sendable {
    let ownAgencyCode: String
    let keys: NodeKeys
    let store: EvidenceStore
    let vault: EvidenceVault
    let federation: FederationStore
    let clock: any WallClock
    /// The node's cases: an item is registered under an open one.
    let cases: CaseService

    /// SIENA's message size limit, applied to evidence files too (Europol SIENA: 50 MB).
    static let maximumContentBytes = 50 * 1024 * 1024

    struct Registration: Decodable {
        var caseRef: String
        var description: String
        var kind: EvidenceItem.Kind
        var collectedBy: String
        var collectedAt: Date
        var location: String
        var legalAuthority: String
        /// Why it was collected: the purpose recorded on the first custody event.
        var purpose: String?
    }

    struct NewEvent: Decodable {
        var action: CustodyAction
        var actor: String
        var time: Date?
        var place: String
        var purpose: String
        var recipient: String?
    }

    /// Registers an item. A physical item's chain starts now with `collected`; a file's starts
    /// when its content is stored.
    func register(_ registration: Registration, by user: String) async throws -> EvidenceRecord {
        let now = clock.now()
        let item = EvidenceItem(
            id: UUIDv7.make(at: now).uuidString.lowercased(), registeredBy: ownAgencyCode, caseRef: registration.caseRef,
            description: registration.description, kind: registration.kind, collectedBy: registration.collectedBy,
            collectedAt: registration.collectedAt, location: registration.location, legalAuthority: registration.legalAuthority
        )
        try item.validate()
        try await cases.requireOpen(item.caseRef)
        guard registration.collectedAt <= now.addingTimeInterval(CustodyEvent.allowedClockSkew) else {
            throw LiaisonError(.invalidInput, "collectedAt: the collection cannot be in the future")
        }
        var audit = [AuditEvent(
            time: now, operation: .evidenceRegistered, actor: user, subject: "evidence:\(item.id)", purpose: registration.purpose,
            legalBasis: item.legalAuthority, details: ["caseRef": item.caseRef, "kind": item.kind.rawValue]
        )]
        var first: Data?
        if item.kind == .physical {
            let signed = try collected(item, purpose: registration.purpose)
            first = try JSON.canonicalEncoder.encode(signed)
            audit.append(try custodyAudit(signed, by: user))
        }
        try await store.register(item, firstEvent: first, audit: audit, at: now)
        return EvidenceRecord(item: item, registeredAt: now, hasContent: false)
    }

    /// Stores a file item's content, sealed, and starts its chain with `collected`.
    func storeContent(_ id: String, content: Data, name: String, mediaType: String, by user: String) async throws -> EvidenceRecord {
        guard let record = try await store.item(id) else { throw LiaisonError(.notFound, "No evidence item \(id).") }
        guard record.item.kind == .file else { throw LiaisonError(.invalidInput, "Evidence item \(id) is a physical object; it has no file content.") }
        guard !record.hasContent else { throw LiaisonError(.conflict, "Evidence item \(id) already has its content; content never changes.") }
        guard !content.isEmpty else { throw LiaisonError(.invalidInput, "The evidence file is empty.") }
        var item = record.item
        item.file = .init(name: name, mediaType: mediaType, size: content.count, sha256: SHA256.hash(data: content).lowercaseHex)
        let sealed = try vault.seal(content)
        let signed = try collected(item, purpose: nil)
        try await store.storeContent(
            item, ciphertext: sealed.ciphertext, wrappedKey: sealed.wrappedKey, firstEvent: try JSON.canonicalEncoder.encode(signed),
            audit: [try custodyAudit(signed, by: user)], at: clock.now()
        )
        return EvidenceRecord(item: item, registeredAt: record.registeredAt, hasContent: true)
    }

    private func collected(_ item: EvidenceItem, purpose: String?) throws -> SignedCustodyEvent {
        try SignedCustodyEvent(CustodyEvent(
            itemId: item.id, sequence: 0, action: .collected, actor: item.collectedBy, node: ownAgencyCode, time: item.collectedAt,
            place: item.location, purpose: purpose ?? "collection under \(item.legalAuthority)", recipient: nil,
            previous: try SignedCustodyEvent.chainStart(item), contentSHA256: item.file?.sha256
        ), signingKey: keys.signing)
    }

    /// Appends a custody event, signed by this node, after the last one.
    func addEvent(_ id: String, _ new: NewEvent, by user: String) async throws -> SignedCustodyEvent {
        guard let record = try await store.item(id) else { throw LiaisonError(.notFound, "No evidence item \(id).") }
        let chain = try await custody(id)
        guard let last = chain.last else {
            throw LiaisonError(.conflict, "Evidence item \(id) has no chain yet: store its content first (PUT /api/v1/evidence/\(id)/content).")
        }
        let lastEvent = try JSON.decoder.decode(CustodyEvent.self, from: last.eventBytes)
        let now = clock.now()
        let time = new.time ?? now
        try lastEvent.checkNext(new.action, actor: new.actor, place: new.place, purpose: new.purpose, recipient: new.recipient, at: time, now: now)
        let signed = try SignedCustodyEvent(CustodyEvent(
            itemId: id, sequence: chain.count, action: new.action, actor: new.actor, node: ownAgencyCode, time: time, place: new.place,
            purpose: new.purpose, recipient: new.recipient, previous: last.hash, contentSHA256: record.item.file?.sha256
        ), signingKey: keys.signing)
        try await store.append(itemID: id, sequence: chain.count, signedJSON: try JSON.canonicalEncoder.encode(signed), audit: [try custodyAudit(signed, by: user)], at: now)
        return signed
    }

    /// The audit event of a custody event: its hash and signature, so that the log proves it.
    func custodyAudit(_ signed: SignedCustodyEvent, by user: String) throws -> AuditEvent {
        let event = try JSON.decoder.decode(CustodyEvent.self, from: signed.eventBytes)
        return AuditEvent(
            time: clock.now(), operation: .custodyEvent, actor: user, subject: "evidence:\(event.itemId)", purpose: event.purpose,
            recipients: event.recipient.map { [$0] },
            details: ["sequence": "\(event.sequence)", "action": event.action.rawValue, "eventSHA256": signed.hash, "signature": signed.signature]
        )
    }

    /// The item's signed custody events, in order.
    func custody(_ id: String) async throws -> [SignedCustodyEvent] {
        try await store.events(id).map { try JSON.decoder.decode(SignedCustodyEvent.self, from: $0.signedJSON) }
    }

    /// The decrypted content, checked against its registered SHA-256.
    func content(_ id: String) async throws -> (EvidenceItem.File, Data) {
        guard let record = try await store.item(id), let file = record.item.file, let sealed = try await store.sealedContent(id) else {
            throw LiaisonError(.notFound, "Evidence item \(id) has no stored content.")
        }
        let content = try vault.open(ciphertext: sealed.ciphertext, wrappedKey: sealed.wrappedKey)
        guard SHA256.hash(data: content).lowercaseHex == file.sha256 else {
            throw LiaisonError(.invalidInput, "the stored content of \(id) no longer matches its SHA-256")
        }
        return (file, content)
    }
}
