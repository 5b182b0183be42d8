import Crypto
import Foundation
import Hummingbird
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
import LiaisonStore

/// What a user asks to send (the API's `POST /api/v1/messages` body).
struct MessageRequest: Codable, Sendable {
    var to: [String]
    var subject: String
    var body: String
    var entities: [MessageEntity]?
    var purpose: String
    var legalBasis: String
    var handlingCode: HandlingCode
    var handlingRestriction: String?
    var evaluation: Evaluation
    var caseRef: String?
    var inReplyTo: String?
    var retainUntil: Date?
    /// Attachments uploaded first with `POST /api/v1/attachments`, by SHA-256.
    var attachments: [AttachmentReference]? = nil
}

/// A reference to an uploaded attachment.
struct AttachmentReference: Codable, Sendable {
    var sha256: String
    var name: String
    var mediaType: String?
}

/// Sending, receiving and reading messages: the rules of the secure exchange, used by the API,
/// the web UI and the CLI.
struct MessageService: Sendable {
    /// Envelopes older than this are refused as stale; younger ones are deduplicated by id. Long
    /// enough to cover a partner that is down for weeks while the sender retries.
    static let maximumEnvelopeAge: TimeInterval = 30 * 86_400
    /// Clocks may differ this much between nodes.
    static let allowedClockSkew: TimeInterval = 300

    let ownAgencyCode: String
    let keys: NodeKeys
    let federation: FederationStore
    let messages: MessageStore
    let blobs: BlobStore
    let clock: any WallClock
    let wakeup: Wakeup
    let trail: AuditTrail
    /// Where received evidence transfers go; `nil` where this service never receives (the demo's seeding).
    var evidence: EvidenceService? = nil

    /// The agreements that can cover a flow now (revoked ones never do).
    private func activeAgreements() async throws -> [Agreement] {
        try await federation.agreements().filter { !$0.isRevoked }.map(\.agreement)
    }

    /// Validates a request, checks partners and agreements for every recipient, seals one
    /// envelope per recipient, and commits the message with its queued deliveries.
    /// - Throws: ``Problem`` naming the missing clause when no agreement covers a recipient.
    /// - Parameter actor: who sends, for the audit log; a refusal is logged as well as a send.
    func send(
        _ request: MessageRequest, actor: String, forwardedFrom: ForwardReference? = nil, control: PermissionControl? = nil,
        evidence: (itemID: String, package: Data)? = nil
    ) async throws -> MessageRecord {
        do {
            return try await commit(request, actor: actor, forwardedFrom: forwardedFrom, control: control, evidence: evidence)
        } catch {
            let (status, code) = Self.classify(error)
            await trail.record(trail.event(
                .messageSent, status == 403 ? .denied : .failure, actor: actor, purpose: request.purpose, legalBasis: request.legalBasis,
                recipients: request.to.map { $0.uppercased() }, details: ["problem": code, "status": "\(status)"]
            ))
            throw error
        }
    }

    /// The HTTP status and problem code an error will be answered with.
    static func classify(_ error: any Error) -> (status: Int, code: String) {
        switch error {
        case let problem as Problem: (problem.status, problem.type)
        case let error as LiaisonError: (Problem(error).status, error.code.rawValue)
        default: (400, "invalid-input")
        }
    }

    /// Checks, without sending, that every recipient is a partner and an agreement in force covers
    /// the message (with the `evidence` category when `evidence` is set).
    /// - Throws: the ``Problem`` a send would answer.
    func authorise(_ request: MessageRequest, evidence: Bool) async throws {
        let agreements = try await activeAgreements()
        let entities = request.entities ?? []
        for recipient in request.to.map({ $0.uppercased() }) {
            _ = try await covering(
                recipient, purpose: request.purpose, categories: Message.dataCategories(of: entities, carryingEvidence: evidence),
                subjects: Set(entities.map(\.dataSubjectCategory)), under: agreements, at: clock.now()
            )
        }
    }

    /// The pinned partner and the agreement in force that covers a flow to it.
    /// - Throws: ``Problem`` 422 for a stranger, 403 naming the missing clause.
    private func covering(
        _ recipient: String, purpose: String, categories: Set<DataCategory>, subjects: Set<DataSubjectCategory>, under agreements: [Agreement], at now: Date
    ) async throws -> (PartnerRecord, Agreement) {
        guard let partner = try await federation.partner(recipient) else {
            throw Problem(.unprocessableContent, code: "unknown-partner", detail: "\(recipient) is not a partner of this node; an administrator adds it first.")
        }
        let flow = Flow(sender: ownAgencyCode, recipient: recipient, purpose: purpose, dataCategories: categories, dataSubjectCategories: subjects, at: now)
        switch AgreementPolicy.coverage(of: flow, under: agreements) {
        case .covered(let agreement):
            return (partner, agreement)
        case .notCovered(let reasons):
            throw Problem(.forbidden, code: "not-covered-by-agreement", detail: "Not sent to \(recipient): " + reasons.map(\.sentence).joined(separator: " "), reasons: reasons.map(\.code))
        }
    }

    private func commit(
        _ request: MessageRequest, actor: String, forwardedFrom: ForwardReference?, control: PermissionControl?, evidence: (itemID: String, package: Data)?
    ) async throws -> MessageRecord {
        let now = clock.now()
        var message = Message(
            id: UUIDv7.make(at: now).uuidString.lowercased(), originator: ownAgencyCode, to: request.to.map { $0.uppercased() },
            subject: request.subject, body: request.body, entities: request.entities ?? [], purpose: request.purpose,
            legalBasis: request.legalBasis, handlingCode: request.handlingCode, handlingRestriction: request.handlingRestriction,
            evaluation: request.evaluation, caseRef: request.caseRef, inReplyTo: request.inReplyTo, retainUntil: request.retainUntil, createdAt: now
        )
        message.forwardedFrom = forwardedFrom
        message.control = control
        message.evidenceItem = evidence?.itemID
        var contents: [String: String] = [:]
        for reference in request.attachments ?? [] {
            let address = reference.sha256.lowercased()
            guard let content = try await blobs.get(address) else {
                throw Problem(.badRequest, code: "invalid-input", detail: "attachments: no uploaded content with SHA-256 \(address); upload it first with POST /api/v1/attachments.")
            }
            message.attachments.append(MessageAttachment(name: reference.name, mediaType: reference.mediaType ?? "application/octet-stream", sha256: address, size: content.count))
            contents[address] = content.base64EncodedString()
        }
        try message.validate()
        let agreements = try await activeAgreements()
        let payload = try MessageStore.encoder.encode(EnvelopePayload(message: message, attachments: contents, evidencePackage: evidence?.package.base64EncodedString()))
        var outgoing: [MessageStore.Outgoing] = []
        for recipient in message.to {
            let (partner, agreement) = try await covering(
                recipient, purpose: message.purpose, categories: message.dataCategories, subjects: message.dataSubjectCategories, under: agreements, at: now
            )
            let partnerKeys = try PartnerKeys(identity: partner.identity)
            let recipientKey: Envelope.RecipientKey
            if agreement.postQuantum {
                guard let postQuantum = partnerKeys.postQuantumKeyAgreement else {
                    throw Problem(.unprocessableContent, code: "no-post-quantum-key", detail: "Agreement \(agreement.id) requires post-quantum envelopes, but \(recipient)'s pinned identity has no X-Wing key; re-pin its current identity document.")
                }
                recipientKey = .xwing(postQuantum)
            } else {
                recipientKey = .x25519(partnerKeys.keyAgreement)
            }
            let header = EnvelopeHeader(
                id: UUIDv7.make(at: now).uuidString.lowercased(), kind: "message", sender: ownAgencyCode, recipient: recipient,
                createdAt: now, suite: agreement.postQuantum ? .xwing : .x25519
            )
            let envelope = try Envelope.seal(payload: payload, header: header, signingKey: keys.signing, recipientKey: recipientKey)
            outgoing.append(.init(envelopeID: header.id, recipient: recipient, envelopeJSON: String(decoding: try MessageStore.encoder.encode(envelope), as: UTF8.self)))
        }
        var details = ["handlingCode": message.handlingCode.rawValue, "dataCategories": message.dataCategories.map(\.rawValue).sorted().joined(separator: ",")]
        if let forwardedFrom { details["forwardedFrom"] = forwardedFrom.messageId }
        if let control { details["control"] = control.kind.rawValue }
        let event = AuditEvent(
            time: now, operation: .messageSent, actor: actor, subject: "message:\(message.id)", purpose: message.purpose,
            legalBasis: message.legalBasis, recipients: message.to, details: details
        )
        try await messages.enqueue(message, deliveries: outgoing, audit: [event], at: now)
        await wakeup.signal()
        await trail.wakeup.signal()
        return MessageRecord(message: message, box: .outbox, readAt: nil)
    }

    /// Accepts an envelope from a partner: verifies, checks the agreement, refuses replays and
    /// stale envelopes, decrypts and stores, and answers with a signed delivery receipt.
    /// - Returns: the receipt, and whether the envelope had been received before (nothing stored then).
    func receive(_ envelope: Envelope) async throws -> (receipt: SignedReceipt, duplicate: Bool) {
        let claimed = try envelope.claimedHeader()
        guard claimed.recipient == ownAgencyCode else {
            throw Problem(.badRequest, code: "wrong-recipient", detail: "The envelope is addressed to \(claimed.recipient), not to \(ownAgencyCode).")
        }
        guard let partner = try await federation.partner(claimed.sender) else {
            throw Problem(.forbidden, code: "unknown-partner", detail: "\(claimed.sender) is not a partner of \(ownAgencyCode).")
        }
        let partnerKeys = try PartnerKeys(identity: partner.identity)
        let header = try envelope.verifiedHeader(senderKey: partnerKeys.signing)
        let now = clock.now()
        guard header.createdAt <= now.addingTimeInterval(Self.allowedClockSkew) else {
            throw Problem(.badRequest, code: "stale-envelope", detail: "The envelope is dated in the future (\(header.createdAt.formatted(.iso8601))).")
        }
        guard header.createdAt >= now.addingTimeInterval(-Self.maximumEnvelopeAge) else {
            throw Problem(.badRequest, code: "stale-envelope", detail: "The envelope is older than 30 days and is refused.")
        }
        let opened = try envelope.open(senderKey: partnerKeys.signing, recipientKey: keys.keyAgreement, postQuantumKey: keys.postQuantum)
        let message: Message
        let contents: [String: String]
        let evidencePackage: Data?
        do {
            let decoded = try MessageStore.decoder.decode(EnvelopePayload.self, from: opened.payload)
            message = decoded.message
            contents = decoded.attachments
            evidencePackage = decoded.evidencePackage.flatMap { Data(base64Encoded: $0) }
            try message.validate()
        } catch {
            throw Problem(.badRequest, code: "invalid-message", detail: "The envelope does not carry a valid message: \(error)")
        }
        var attachmentContents: [Data] = []
        for attachment in message.attachments {
            guard let encoded = contents[attachment.sha256], let content = Data(base64Encoded: encoded),
                BlobStore.address(of: content) == attachment.sha256, content.count == attachment.size
            else {
                throw Problem(.badRequest, code: "invalid-message", detail: "Attachment \(attachment.name) is missing or does not match its SHA-256.")
            }
            attachmentContents.append(content)
        }
        guard message.originator == header.sender, message.to.contains(ownAgencyCode) else {
            throw Problem(.badRequest, code: "invalid-message", detail: "The message's originator or recipients do not match its envelope.")
        }
        if let control = message.control {
            // A request must come from the requester to the originator; a decision from the originator to the requester.
            let consistent = control.kind == .request
                ? control.requester == header.sender && control.originator == ownAgencyCode
                : control.originator == header.sender && control.requester == ownAgencyCode
            guard consistent else {
                throw Problem(.badRequest, code: "invalid-message", detail: "The permission message's parties do not match its sender and recipient.")
            }
        }
        let flow = Flow(
            sender: header.sender, recipient: ownAgencyCode, purpose: message.purpose,
            dataCategories: message.dataCategories, dataSubjectCategories: message.dataSubjectCategories, at: now
        )
        if case .notCovered(let reasons) = AgreementPolicy.coverage(of: flow, under: try await activeAgreements()) {
            throw Problem(.forbidden, code: "not-covered-by-agreement", detail: "Refused by \(ownAgencyCode): " + reasons.map(\.sentence).joined(separator: " "), reasons: reasons.map(\.code))
        }
        // Content-addressed: storing before the message commits is harmless, and done again on a retry.
        for content in attachmentContents { try await blobs.put(content, at: now) }
        if let itemID = message.evidenceItem {
            guard let evidencePackage, let evidence else {
                throw Problem(.badRequest, code: "invalid-evidence", detail: "The message transfers evidence item \(itemID) but carries no evidence package.")
            }
            // Idempotent, and before the message commits: a crash in between is healed by the sender's retry.
            try await evidence.importTransfer(evidencePackage, itemID: itemID, from: header.sender, purpose: message.purpose)
        }
        let receipt = try SignedReceipt(
            Receipt(kind: .delivery, envelopeId: header.id, messageId: message.id, sender: header.sender, issuer: ownAgencyCode, at: now, ciphertextSHA256: envelope.ciphertextSHA256),
            signingKey: keys.signing
        )
        let receiptJSON = String(decoding: try MessageStore.encoder.encode(receipt), as: UTF8.self)
        let event = AuditEvent(
            time: now, operation: .messageReceived, actor: "node:\(header.sender)", subject: "message:\(message.id)", purpose: message.purpose,
            legalBasis: message.legalBasis, recipients: [ownAgencyCode],
            details: ["envelope": header.id, "handlingCode": message.handlingCode.rawValue, "dataCategories": message.dataCategories.map(\.rawValue).sorted().joined(separator: ",")]
        )
        switch try await messages.accept(envelopeID: header.id, sender: header.sender, message: message, receiptJSON: receiptJSON, audit: [event], at: now) {
        case .stored:
            return (receipt, false)
        case .duplicate(let first):
            return (try MessageStore.decoder.decode(SignedReceipt.self, from: Data(first.utf8)), true)
        }
    }

    /// The decision on passing a received message on, or using it in judicial proceedings.
    func onwardDecision(_ record: MessageRecord, use: OnwardUse) async throws -> Decision {
        let message = record.message
        guard record.box == .inbox else { return .permit }  // this node's own information
        let (kind, recipient): (OnwardUseKind, String?) = {
            switch use {
            case .forward(let to): return (.forward, to)
            case .judicialProceedings: return (.judicialProceedings, nil)
            }
        }()
        let granted = try await messages.permissionGranted(about: message.id, originator: message.originator, use: kind, recipient: recipient)
        return OnwardTransferPolicy.decide(use, handlingCode: message.handlingCode, restriction: message.handlingRestriction, originator: message.originator, permissionGranted: granted)
    }

    /// Passes a received message on to third agencies, if its handling code or the originator's
    /// permission allows it; the handling code and evaluation travel with it.
    func forward(_ id: String, to recipients: [String], note: String?, actor: String) async throws -> MessageRecord {
        guard let record = try await messages.message(id) else {
            throw Problem(.notFound, code: "not-found", detail: "No message with id \(id).")
        }
        let message = record.message
        for recipient in recipients.map({ $0.uppercased() }) {
            if case .deny(let reasons) = try await onwardDecision(record, use: .forward(to: recipient)) {
                throw Problem(.forbidden, code: "onward-transfer-refused", detail: reasons.map(\.sentence).joined(separator: " "), reasons: reasons.map(\.code))
            }
        }
        let quoted = "--- Forwarded message from \(message.originator), \(message.createdAt.formatted(.iso8601)) ---\n\(message.body)"
        let request = MessageRequest(
            to: recipients, subject: message.subject.hasPrefix("Fwd: ") ? message.subject : "Fwd: " + message.subject,
            body: (note.map { $0 + "\n\n" } ?? "") + quoted, entities: message.entities, purpose: message.purpose, legalBasis: message.legalBasis,
            handlingCode: message.handlingCode, handlingRestriction: message.handlingRestriction, evaluation: message.evaluation,
            caseRef: message.caseRef, inReplyTo: nil, retainUntil: message.retainUntil,
            attachments: message.attachments.map { AttachmentReference(sha256: $0.sha256, name: $0.name, mediaType: $0.mediaType) }
        )
        return try await send(request, actor: actor, forwardedFrom: ForwardReference(messageId: message.id, originator: message.forwardedFrom?.originator ?? message.originator))
    }

    /// Asks the originator of a received message to permit a further use; the request is a message.
    func requestPermission(_ id: String, use: OnwardUseKind, recipient: String?, reason: String, actor: String) async throws -> MessageRecord {
        guard let record = try await messages.message(id), record.box == .inbox else {
            throw Problem(.notFound, code: "not-found", detail: "No received message with id \(id).")
        }
        guard !reason.allSatisfy(\.isWhitespace) else {
            throw Problem(.badRequest, code: "invalid-input", detail: "reason: say why the information is needed.")
        }
        if use == .forward, recipient == nil {
            throw Problem(.badRequest, code: "invalid-input", detail: "recipient: name the agency the message would be passed on to.")
        }
        let message = record.message
        let control = PermissionControl(kind: .request, about: id, originator: message.originator, requester: ownAgencyCode, use: use, recipient: recipient?.uppercased(), reason: reason)
        let what = use == .forward ? "pass it on to \(control.recipient ?? "")" : "use it in judicial proceedings"
        return try await send(MessageRequest(
            to: [message.originator], subject: "Permission request: \(message.subject)",
            body: "\(ownAgencyCode) asks permission to \(what).\nReason: \(reason)", entities: nil, purpose: message.purpose,
            legalBasis: message.legalBasis, handlingCode: .h0, handlingRestriction: nil, evaluation: Evaluation(source: .a, information: .one),
            caseRef: message.caseRef, inReplyTo: id, retainUntil: nil
        ), actor: actor, control: control)
    }

    /// The originator's decision on a permission request it received.
    func decidePermission(_ requestID: String, granted: Bool, reason: String, actor: String) async throws -> MessageRecord {
        guard let record = try await messages.message(requestID), record.box == .inbox, let request = record.message.control, request.kind == .request else {
            throw Problem(.notFound, code: "not-found", detail: "No received permission request with id \(requestID).")
        }
        guard !reason.allSatisfy(\.isWhitespace) else {
            throw Problem(.badRequest, code: "invalid-input", detail: "reason: give the reasons for the decision.")
        }
        var decision = request
        decision.kind = granted ? .grant : .refusal
        decision.reason = reason
        return try await send(MessageRequest(
            to: [request.requester], subject: (granted ? "Permission granted: " : "Permission refused: ") + record.message.subject.replacingOccurrences(of: "Permission request: ", with: ""),
            body: reason, entities: nil, purpose: record.message.purpose, legalBasis: record.message.legalBasis, handlingCode: .h0,
            handlingRestriction: nil, evaluation: Evaluation(source: .a, information: .one), caseRef: record.message.caseRef, inReplyTo: requestID, retainUntil: nil
        ), actor: actor, control: decision)
    }

    /// Opens a message for a user; the first opening of an inbox message queues a signed read
    /// receipt to the sender.
    func read(_ id: String) async throws -> MessageRecord {
        guard var record = try await messages.message(id) else {
            throw Problem(.notFound, code: "not-found", detail: "No message with id \(id).")
        }
        if record.box == .inbox {
            let now = clock.now()
            if try await messages.markRead(id, at: now) {
                record.readAt = now
                let receipt = try SignedReceipt(
                    Receipt(kind: .read, envelopeId: "", messageId: id, sender: record.message.originator, issuer: ownAgencyCode, at: now, ciphertextSHA256: ""),
                    signingKey: keys.signing
                )
                let json = String(decoding: try MessageStore.encoder.encode(receipt), as: UTF8.self)
                try await messages.enqueueReadReceipt(
                    .init(envelopeID: UUIDv7.make(at: now).uuidString.lowercased(), recipient: record.message.originator, envelopeJSON: json),
                    messageID: id, at: now
                )
                await wakeup.signal()
            }
        }
        return record
    }

    /// Records a partner's signed read receipt for a message this node sent.
    func receiveReadReceipt(_ signed: SignedReceipt) async throws {
        // The issuer named inside is only trusted after its signature verifies with that partner's key.
        guard let bytes = Data(base64Encoded: signed.receipt), let claimed = try? MessageStore.decoder.decode(Receipt.self, from: bytes) else {
            throw Problem(.badRequest, code: "invalid-receipt", detail: "The receipt is malformed.")
        }
        guard let partner = try await federation.partner(claimed.issuer) else {
            throw Problem(.forbidden, code: "unknown-partner", detail: "\(claimed.issuer) is not a partner of \(ownAgencyCode).")
        }
        let receipt = try signed.verified(issuerKey: try PartnerKeys(identity: partner.identity).signing)
        guard receipt.kind == .read, receipt.sender == ownAgencyCode else {
            throw Problem(.badRequest, code: "invalid-receipt", detail: "Only read receipts for messages sent by \(ownAgencyCode) are accepted here.")
        }
        let json = String(decoding: try MessageStore.encoder.encode(signed), as: UTF8.self)
        guard try await messages.recordReadReceipt(messageID: receipt.messageId, recipient: receipt.issuer, receiptJSON: json, at: receipt.at) else {
            throw Problem(.notFound, code: "not-found", detail: "No message \(receipt.messageId) was sent to \(receipt.issuer).")
        }
    }
}
