import Crypto
import Foundation
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
    /// Why the disclosure is necessary, for the supervisor who must approve it where the
    /// safeguards hold it back (special categories, victims and witnesses, minors, bulk).
    var justification: String? = nil
}

/// A message held back for approval, as the approval stores it and releases it.
struct HeldMessage: Codable, Sendable {
    var request: MessageRequest
    var forwardedFrom: ForwardReference?
}

/// What became of a send: sent, or held back until a supervisor approves it.
enum SendOutcome: Sendable {
    /// Committed, with its queued deliveries and, when the message was stored as it was encoded
    /// for its recipients, that JSON document (the answer is written around it).
    case sent(MessageRecord, deliveries: [DeliveryRecord], document: Data? = nil)
    case held(ApprovalRecord)

    /// The sent message, for senders whose messages the safeguards never hold back (permission
    /// requests and decisions, evidence hand-overs, the demo's seeding).
    /// - Throws: ``LiaisonError`` 409 if it was held all the same.
    func sentRecord() throws -> MessageRecord {
        switch self {
        case .sent(let record, _, _): return record
        case .held(let approval):
            throw LiaisonError(.heldForApproval, "The message is held for a \(approval.approverRole.rawValue)'s approval (\(approval.id)).")
        }
    }
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
    /// How far ahead of this node's clock a partner's message may be dated.
    static let maximumClockSkew: TimeInterval = 300
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
    let safeguards: SafeguardsService
    /// Legal holds, and erasure of a copy when its originator asks.
    let retention: RetentionStore
    /// Where received evidence transfers go.
    let evidence: EvidenceService
    /// The node's cases, which a user's new message must name (open).
    let cases: CaseService
    /// Where instruments and their steps from partners go.
    let instruments: InstrumentInbox

    /// The agreements that can cover a flow now (revoked ones never do).
    private func activeAgreements() async throws -> [Agreement] {
        try await federation.agreements().filter { !$0.isRevoked }.map(\.agreement)
    }

    /// Validates a request, asks the safeguards for every recipient, seals one envelope per
    /// recipient with what the agreement covers, and commits the message with its queued
    /// deliveries — or holds it for approval where the safeguards ask for one.
    /// - Throws: ``LiaisonError`` naming the missing clause or the refusal's reasons.
    /// - Parameters:
    ///   - actor: who sends, for the audit log; a refusal is logged as well as a send.
    ///   - principal: the signed-in sender, whose role the safeguards check; `nil` for the node itself.
    ///   - approval: the approver's decision, when releasing a held message.
    ///   - partnersCase: the message's case reference is the partner's (data released on their
    ///     request), not one of this node's cases.
    func send(
        _ request: MessageRequest, actor: String, principal: Principal?, approval: ApprovalStanding = .none, forwardedFrom: ForwardReference? = nil,
        control: PermissionControl? = nil, evidence: (itemID: String, package: Data)? = nil, erasure: ErasureNotice? = nil, partnersCase: Bool = false,
        instrument: InstrumentTransfer? = nil
    ) async throws -> SendOutcome {
        do {
            return try await commit(
                request, actor: actor, principal: principal, approval: approval, forwardedFrom: forwardedFrom, control: control, evidence: evidence, erasure: erasure,
                partnersCase: partnersCase, instrument: instrument
            )
        } catch {
            let (status, code) = Self.classify(error)
            await trail.record(trail.event(
                .messageSent, status == 403 ? .denied : .failure, actor: actor, purpose: request.purpose, legalBasis: request.legalBasis,
                recipients: request.to.map { $0.uppercased() }, details: ["problem": code, "status": "\(status)"]
            ))
            throw error
        }
    }

    /// The HTTP status and problem code an error will be answered with (``LiaisonError/of(_:)``,
    /// the mapping the API and the web pages use too).
    static func classify(_ error: any Error) -> (status: Int, code: String) {
        let error = LiaisonError.of(error)
        return (error.code.kind.httpStatus, error.code.rawValue)
    }

    /// Checks, without sending, that every recipient is a partner and the safeguards let the
    /// message go to it (with the `evidence` category when `evidence` is set).
    /// - Throws: the ``LiaisonError`` a send would answer.
    func authorise(_ request: MessageRequest, principal: Principal?, actor: String, evidence: Bool) async throws {
        let configuration = try await safeguards.configuration()
        let agreements = try await activeAgreements()
        for recipient in request.to.map({ $0.uppercased() }) {
            guard try await federation.partner(recipient) != nil else { throw Self.stranger(recipient) }
            let policy = policyRequest(
                entities: request.entities ?? [], evidence: evidence, principal: principal, recipient: recipient, purpose: request.purpose,
                legalBasis: request.legalBasis, caseRef: request.caseRef, justification: request.justification, handlingCode: request.handlingCode,
                minorAge: configuration.rules.minorAge, at: clock.now()
            )
            let outcome = try await safeguards.decide(policy, actor: actor, agreements: agreements, configuration: configuration)
            if case .deny(let reasons) = outcome.decision { throw Self.refusal(reasons, recipient: recipient) }
        }
    }

    static func stranger(_ recipient: String) -> LiaisonError {
        LiaisonError(.recipientNotPartner, "\(recipient) is not a partner of this node; an administrator adds it first.")
    }

    /// The error for a refusal: the agreement's missing clause, a missing justification (the
    /// sender can add one), an approver's refusal, or another safeguard.
    static func refusal(_ reasons: [PolicyReason], recipient: String) -> LiaisonError {
        let codes = reasons.map(\.code)
        let written = codes.map(\.rawValue)
        let detail = "Not sent to \(recipient): " + reasons.map(\.sentence).joined(separator: " ")
        if codes.contains(.justificationRequired) { return LiaisonError(.justificationRequired, detail, reasons: written) }
        if codes.contains(.approvalRefused) { return LiaisonError(.approvalRefused, detail, reasons: written) }
        if codes.contains(where: AgreementPolicy.reasonCodes.contains) { return LiaisonError(.notCoveredByAgreement, detail, reasons: written) }
        return LiaisonError(.refusedBySafeguards, detail, reasons: written)
    }

    /// The decision point's question for a message (or an evidence hand-over) to one recipient.
    func policyRequest(
        entities: [MessageEntity], evidence: Bool, principal: Principal?, recipient: String, purpose: String, legalBasis: String,
        caseRef: String?, justification: String?, handlingCode: HandlingCode, minorAge: Int, at now: Date
    ) -> PolicyRequest {
        var request = PolicyRequest(
            action: evidence ? .evidenceTransfer : .disclose, actor: principal, agency: ownAgencyCode, recipient: recipient,
            dataCategories: [], dataSubjectCategories: [], recordCount: 1, purpose: purpose, legalBasis: legalBasis, caseRef: caseRef,
            justification: justification, handlingCode: handlingCode, at: now
        )
        request.describe(entities, carryingEvidence: evidence, minorAge: minorAge)
        return request
    }

    private func commit(
        _ request: MessageRequest, actor: String, principal: Principal?, approval: ApprovalStanding, forwardedFrom: ForwardReference?,
        control: PermissionControl?, evidence: (itemID: String, package: Data)?, erasure: ErasureNotice?, partnersCase: Bool, instrument: InstrumentTransfer?
    ) async throws -> SendOutcome {
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
        message.erasure = erasure
        message.instrument = instrument
        var contents: [String: String] = [:]
        for reference in request.attachments ?? [] {
            let address = reference.sha256.lowercased()
            guard let content = try await blobs.get(address) else {
                throw LiaisonError(.invalidInput, "attachments: no uploaded content with SHA-256 \(address); upload it first with POST /api/v1/attachments.")
            }
            message.attachments.append(MessageAttachment(name: reference.name, mediaType: reference.mediaType ?? "application/octet-stream", sha256: address, size: content.count))
            contents[address] = content.base64EncodedString()
        }
        try message.validate()
        let agreements = try await activeAgreements()
        let configuration = try await safeguards.configuration()
        // A permission request or decision is about a message: that message is its case link.
        let caseLink = message.caseRef ?? control.map { "message:\($0.about)" } ?? erasure.map { "message:\($0.about)" }
        // A user's new message names one of this node's cases, which must be open; a message
        // forwarded, about another message, or released under a partner's reference does not.
        let standing = principal != nil && forwardedFrom == nil && control == nil && erasure == nil && !partnersCase
            ? try await cases.standing(of: message.caseRef) : nil
        var cleared: [(recipient: String, partner: PartnerRecord, agreement: Agreement, entities: [MessageEntity], redactions: [Redaction])] = []
        var held: (approver: Role, reasons: [PolicyReason], request: PolicyRequest, rules: ProportionalityRules)?
        // Decisions that permit are logged in the transaction that commits the message; if the
        // send fails before that, they are logged on their own.
        var decisionEvents: [AuditEvent] = []
        do {
            for recipient in message.to {
                guard let partner = try await federation.partner(recipient) else { throw Self.stranger(recipient) }
                var policy = policyRequest(
                    entities: message.entities, evidence: evidence != nil, principal: principal, recipient: recipient, purpose: message.purpose,
                    legalBasis: message.legalBasis, caseRef: caseLink, justification: request.justification, handlingCode: message.handlingCode,
                    minorAge: configuration.rules.minorAge, at: now
                )
                policy.caseStanding = standing
                // The decision's audit event commits with the message it lets go; a refusal or a hold
                // is recorded at once.
                let (outcome, decisionEvent) = safeguards.decideUnrecorded(
                    policy, actor: actor, subject: "message:\(message.id)", approval: approval, agreements: agreements, configuration: configuration
                )
                if case .permit = outcome.decision { decisionEvents.append(decisionEvent) } else { await trail.record(decisionEvent) }
                switch outcome.decision {
                case .deny(let reasons):
                    throw Self.refusal(reasons, recipient: recipient)
                case .needsApproval(let approver, let reasons):
                    let known = Set(held?.reasons.map(\.code) ?? [])
                    held = (approver, (held?.reasons ?? []) + reasons.filter { !known.contains($0.code) }, policy, outcome.rules)
                case .permit:
                    guard let agreement = outcome.agreement else { continue }
                    let (entities, redactions) = Minimisation.apply(message.entities, removing: outcome.redact, agreement: agreement.id)
                    cleared.append((recipient, partner, agreement, entities, redactions))
                }
            }
            if let held {
                // The permits among the recipients were decided too; they are logged with the hold.
                for event in decisionEvents { await trail.record(event) }
                decisionEvents = []
                guard evidence == nil, control == nil, erasure == nil, instrument == nil else {
                    throw LiaisonError(.refusedBySafeguards, "Evidence hand-overs, instruments and permission messages are not held for approval: " + held.reasons.map(\.sentence).joined(separator: " "), reasons: held.reasons.map(\.code.rawValue))
                }
                var normalised = request
                normalised.to = message.to
                let record = try await safeguards.hold(
                    kind: "message", summary: message.subject, request: held.request, recipients: message.to, approver: held.approver, reasons: held.reasons,
                    payload: try JSON.encoder.encode(HeldMessage(request: normalised, forwardedFrom: forwardedFrom)), requester: actor, rules: held.rules
                )
                return .held(record)
            }
            var outgoing: [MessageStore.Outgoing] = []
            var allRedactions: [Redaction] = []
            // What every recipient without redactions receives is the stored document itself.
            let document = try message.json(as: JSON.encoder)
            let evidencePackage = evidence?.package.base64EncodedString()
            for clearance in cleared {
                let payload: Data
                if clearance.redactions.isEmpty {
                    payload = Self.payload(document: document, attachments: contents, evidencePackage: evidencePackage)
                } else {
                    var disclosed = message
                    disclosed.entities = clearance.entities
                    disclosed.redactions = clearance.redactions
                    allRedactions += clearance.redactions.map { var tagged = $0; tagged.recipient = clearance.recipient; return tagged }
                    payload = try JSON.encoder.encode(EnvelopePayload(message: disclosed, attachments: contents, evidencePackage: evidencePackage))
                }
                let partnerKeys = try PartnerKeys.of(clearance.partner.identity)
                let recipientKey: Envelope.RecipientKey
                if clearance.agreement.postQuantum {
                    guard let postQuantum = partnerKeys.postQuantumKeyAgreement else {
                        throw LiaisonError(.noPostQuantumKey, "Agreement \(clearance.agreement.id) requires post-quantum envelopes, but \(clearance.recipient)'s pinned identity has no X-Wing key; re-pin its current identity document.")
                    }
                    recipientKey = .xwing(postQuantum)
                } else {
                    recipientKey = .x25519(partnerKeys.keyAgreement)
                }
                let header = EnvelopeHeader(
                    id: UUIDv7.make(at: now).uuidString.lowercased(), kind: "message", sender: ownAgencyCode, recipient: clearance.recipient,
                    createdAt: now, suite: clearance.agreement.postQuantum ? .xwing : .x25519
                )
                let envelope = try Envelope.seal(payload: payload, header: header, signingKey: keys.signing, recipientKey: recipientKey)
                outgoing.append(.init(envelopeID: header.id, recipient: clearance.recipient, envelopeJSON: envelope.json))
            }
            if !allRedactions.isEmpty { message.redactions = allRedactions }
            var details = ["handlingCode": message.handlingCode.rawValue, "dataCategories": message.dataCategories.map(\.rawValue).sorted().joined(separator: ",")]
            if let forwardedFrom { details["forwardedFrom"] = forwardedFrom.messageId }
            if let control { details["control"] = control.kind.rawValue }
            if !allRedactions.isEmpty { details["redactions"] = "\(allRedactions.count)" }
            if let erasure { details["erasureOf"] = erasure.about }
            if let instrument { details["instrument"] = "\(instrument.reference) \(instrument.step.action.rawValue)" }
            if let caseRef = message.caseRef { details["caseRef"] = caseRef }
            if case .granted(let by, _) = approval { details["approvedBy"] = by }
            let event = AuditEvent(
                time: now, operation: .messageSent, actor: actor, role: principal?.role.rawValue, subject: "message:\(message.id)", purpose: message.purpose,
                legalBasis: message.legalBasis, recipients: message.to, details: details
            )
            let deliveries = try await messages.enqueue(
                message, document: allRedactions.isEmpty ? document : nil, deliveries: outgoing, audit: decisionEvents + [event],
                deleteAt: configuration.retention.deleteAt(message, storedAt: now), at: now
            )
            decisionEvents = []
            await wakeup.signal()
            await trail.wakeup.signal()
            return .sent(MessageRecord(message: message, box: .outbox, readAt: nil), deliveries: deliveries, document: allRedactions.isEmpty ? document : nil)
        } catch {
            for event in decisionEvents { await trail.record(event) }
            throw error
        }
    }

    /// The bytes `JSON.encoder` writes for an ``EnvelopePayload`` (keys sorted:
    /// `attachments`, `evidencePackage`, `message`), around a message already encoded.
    static func payload(document: Data, attachments: [String: String], evidencePackage: String?) -> Data {
        let capacity = document.count + attachments.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count * 9 / 8 + 8 } + (evidencePackage?.utf8.count ?? 0) * 9 / 8 + 64
        var payload = CanonicalJSONWriter(capacity: capacity, escapingSlashes: true)
        payload.beginObject()
        payload.key("attachments")
        payload.object(attachments)
        payload.member("evidencePackage", evidencePackage)
        payload.key("message")
        payload.raw(document)
        payload.endObject()
        return Data(payload.bytes)
    }

    /// Accepts an envelope from a partner: verifies, checks the agreement, refuses replays and
    /// stale envelopes, decrypts and stores, and answers with a signed delivery receipt.
    /// - Returns: the receipt, and whether the envelope had been received before (nothing stored then).
    func receive(_ envelope: Envelope) async throws -> (receipt: SignedReceipt, duplicate: Bool) {
        let received = try await check(envelope)
        return try await store(received, receipt: try SignedReceipt(received.receipt, signingKey: keys.signing))
    }

    /// Envelopes received together (a batch): each checked on its own, their receipts signed in
    /// one batch (one signature), each stored on its own.
    /// - Returns: each envelope's receipt and whether it had been received before, or why it was refused.
    func receive(batch envelopes: [Envelope]) async -> [Result<(receipt: SignedReceipt, duplicate: Bool), any Error>] {
        // Checked concurrently, spread over the event loops, so that verification and decryption
        // use every core; stored concurrently, so that their rows are committed together.
        let checked = await envelopes.concurrentMap { envelope in
            await Result { try await self.check(envelope) } as Result<ReceivedMessage, any Error>
        }
        let accepted = checked.compactMap { try? $0.get() }
        let receipts: [SignedReceipt]
        do {
            receipts = accepted.count == 1
                ? [try SignedReceipt(accepted[0].receipt, signingKey: keys.signing)]
                : try SignedReceipt.batch(accepted.map(\.receipt), signingKey: keys.signing)
        } catch {
            return checked.map { _ in .failure(error) }
        }
        var next = 0
        let toStore: [Result<(ReceivedMessage, SignedReceipt), any Error>] = checked.map { outcome in
            outcome.map { received in
                defer { next += 1 }
                return (received, receipts[next])
            }
        }
        return await toStore.concurrentMap { outcome in
            switch outcome {
            case .failure(let error): return .failure(error)
            case .success(let (received, receipt)): return await Result { try await self.store(received, receipt: receipt) }
            }
        }
    }

    /// An envelope verified, decrypted and checked, with the delivery receipt to give for it once stored.
    struct ReceivedMessage: Sendable {
        var header: EnvelopeHeader
        var message: Message
        var receipt: Receipt
    }

    /// Everything ``receive(_:)`` checks before it stores: signature, age, replay of a message
    /// under a new envelope, contents, agreement; attachments and evidence are stored already
    /// (content-addressed and idempotent).
    private func check(_ envelope: Envelope) async throws -> ReceivedMessage {
        let (header, payload, _) = try await PartnerEnvelopes(ownAgencyCode: ownAgencyCode, keys: keys, federation: federation, clock: clock)
            .open(envelope, maximumAge: Self.maximumEnvelopeAge)
        let now = clock.now()
        let message: Message
        let contents: [String: String]
        let evidencePackage: Data?
        do {
            let decoded = try JSON.decoder.decode(EnvelopePayload.self, from: payload)
            message = decoded.message
            contents = decoded.attachments
            evidencePackage = decoded.evidencePackage.flatMap { Data(base64Encoded: $0) }
            try message.validate()
            // A sender's clock may run a little ahead; a message from the future is not believed.
            guard message.createdAt <= now.addingTimeInterval(Self.maximumClockSkew), message.createdAt >= now.addingTimeInterval(-Self.maximumEnvelopeAge) else {
                throw LiaisonError(.invalidInput, "createdAt \(message.createdAt.formatted(.iso8601)) is not within \(Int(Self.maximumClockSkew)) s of this node's time or the envelope's maximum age")
            }
        } catch {
            throw LiaisonError(.invalidMessage, "The envelope does not carry a valid message: \(error)")
        }
        var attachmentContents: [Data] = []
        for attachment in message.attachments {
            guard let encoded = contents[attachment.sha256], let content = Data(base64Encoded: encoded),
                BlobStore.address(of: content) == attachment.sha256, content.count == attachment.size
            else {
                throw LiaisonError(.invalidMessage, "Attachment \(attachment.name) is missing or does not match its SHA-256.")
            }
            attachmentContents.append(content)
        }
        guard message.originator == header.sender, message.to.contains(ownAgencyCode) else {
            throw LiaisonError(.invalidMessage, "The message's originator or recipients do not match its envelope.")
        }
        if let control = message.control {
            // A request must come from the requester to the originator; a decision from the originator to the requester.
            let consistent = control.kind == .request
                ? control.requester == header.sender && control.originator == ownAgencyCode
                : control.originator == header.sender && control.requester == ownAgencyCode
            guard consistent else {
                throw LiaisonError(.invalidMessage, "The permission message's parties do not match its sender and recipient.")
            }
        }
        let flow = Flow(
            sender: header.sender, recipient: ownAgencyCode, purpose: message.purpose,
            dataCategories: message.dataCategories, dataSubjectCategories: message.dataSubjectCategories, at: now
        )
        if case .notCovered(let reasons) = AgreementPolicy.coverage(of: flow, under: try await activeAgreements()) {
            throw LiaisonError(.notCoveredByAgreement, "Refused by \(ownAgencyCode): " + reasons.map(\.sentence).joined(separator: " "), reasons: reasons.map(\.code.rawValue))
        }
        // Content-addressed: storing before the message commits is harmless, and done again on a retry.
        for content in attachmentContents { try await blobs.put(content, at: now) }
        if let itemID = message.evidenceItem {
            guard let evidencePackage else {
                throw LiaisonError(.invalidEvidence, "The message transfers evidence item \(itemID) but carries no evidence package.")
            }
            // Idempotent, and before the message commits: a crash in between is healed by the sender's retry.
            try await evidence.importTransfer(evidencePackage, itemID: itemID, from: header.sender, purpose: message.purpose)
        }
        if let transfer = message.instrument {
            // Idempotent (steps are matched), and before the message commits, as evidence is.
            try await instruments.apply(transfer, from: header.sender)
        }
        let receipt = Receipt(
            kind: .delivery, envelopeId: header.id, messageId: message.id, sender: header.sender, issuer: ownAgencyCode, at: now, ciphertextSHA256: envelope.ciphertextSHA256
        )
        return ReceivedMessage(header: header, message: message, receipt: receipt)
    }

    /// Stores a checked envelope's message with its signed receipt, or finds it received before.
    /// - Returns: the receipt to answer with (the first one given, for an envelope received before).
    private func store(_ received: ReceivedMessage, receipt: SignedReceipt) async throws -> (receipt: SignedReceipt, duplicate: Bool) {
        let (header, message, now) = (received.header, received.message, received.receipt.at)
        let receiptJSON = receipt.json
        let event = AuditEvent(
            time: now, operation: .messageReceived, actor: "node:\(header.sender)", subject: "message:\(message.id)", purpose: message.purpose,
            legalBasis: message.legalBasis, recipients: [ownAgencyCode],
            details: ["envelope": header.id, "handlingCode": message.handlingCode.rawValue, "dataCategories": message.dataCategories.map(\.rawValue).sorted().joined(separator: ",")]
                .merging(message.caseRef.map { ["caseRef": $0] } ?? [:]) { first, _ in first }
        )
        let deleteAt = try await safeguards.configuration().retention.deleteAt(message, storedAt: now)
        switch try await messages.accept(envelopeID: header.id, sender: header.sender, message: message, receiptJSON: receiptJSON, audit: [event], deleteAt: deleteAt, at: now) {
        case .stored:
            if let erasure = message.erasure { try await honour(erasure, from: header.sender, notice: message.id, at: now) }
            return (receipt, false)
        case .duplicate(let first):
            return (try JSON.decoder.decode(SignedReceipt.self, from: Data(first.utf8)), true)
        }
    }

    /// Erases this node's copy of a message its originator erased and asked recipients to erase
    /// (Directive 2016/680 Art. 7(3)), unless a legal hold here covers it; either way it is logged.
    private func honour(_ erasure: ErasureNotice, from sender: String, notice: String, at now: Date) async throws {
        guard let record = try await messages.message(erasure.about), record.box == .inbox, record.message.originator == sender else { return }
        let subject = "message:\(erasure.about)"
        var details = ["reason": erasure.reason, "requestedBy": sender, "notice": notice]
        if let caseRef = record.message.caseRef { details["caseRef"] = caseRef }
        if let hold = LegalHold.holding(try await retention.holds(at: now), caseRef: record.message.caseRef, subject: subject, at: now) {
            details["legalHold"] = hold.id
            await trail.record(AuditEvent(time: now, operation: .recordErased, outcome: .denied, actor: "system", subject: subject, purpose: record.message.purpose, details: details))
            return
        }
        let event = AuditEvent(time: now, operation: .recordErased, actor: "system", subject: subject, purpose: record.message.purpose, details: details)
        try await retention.erase(message: erasure.about, audit: [event], at: now)
        await trail.wakeup.signal()
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
    func forward(_ id: String, to recipients: [String], note: String?, actor: String, principal: Principal?, justification: String? = nil) async throws -> SendOutcome {
        guard let record = try await messages.message(id) else {
            throw LiaisonError(.notFound, "No message with id \(id).")
        }
        let message = record.message
        for recipient in recipients.map({ $0.uppercased() }) {
            if case .deny(let reasons) = try await onwardDecision(record, use: .forward(to: recipient)) {
                throw LiaisonError(.onwardTransferRefused, reasons.map(\.sentence).joined(separator: " "), reasons: reasons.map(\.code.rawValue))
            }
        }
        let quoted = "--- Forwarded message from \(message.originator), \(message.createdAt.formatted(.iso8601)) ---\n\(message.body)"
        let request = MessageRequest(
            to: recipients, subject: message.subject.hasPrefix("Fwd: ") ? message.subject : "Fwd: " + message.subject,
            body: (note.map { $0 + "\n\n" } ?? "") + quoted, entities: message.entities, purpose: message.purpose, legalBasis: message.legalBasis,
            handlingCode: message.handlingCode, handlingRestriction: message.handlingRestriction, evaluation: message.evaluation,
            caseRef: message.caseRef, inReplyTo: nil, retainUntil: message.retainUntil,
            attachments: message.attachments.map { AttachmentReference(sha256: $0.sha256, name: $0.name, mediaType: $0.mediaType) },
            justification: justification
        )
        return try await send(request, actor: actor, principal: principal, forwardedFrom: ForwardReference(messageId: message.id, originator: message.forwardedFrom?.originator ?? message.originator))
    }

    /// Asks the originator of a received message to permit a further use; the request is a message.
    func requestPermission(_ id: String, use: OnwardUseKind, recipient: String?, reason: String, actor: String, principal: Principal?) async throws -> MessageRecord {
        guard let record = try await messages.message(id), record.box == .inbox else {
            throw LiaisonError(.notFound, "No received message with id \(id).")
        }
        guard !reason.allSatisfy(\.isWhitespace) else {
            throw LiaisonError(.invalidInput, "reason: say why the information is needed.")
        }
        if use == .forward, recipient == nil {
            throw LiaisonError(.invalidInput, "recipient: name the agency the message would be passed on to.")
        }
        let message = record.message
        let control = PermissionControl(kind: .request, about: id, originator: message.originator, requester: ownAgencyCode, use: use, recipient: recipient?.uppercased(), reason: reason)
        let what = use == .forward ? "pass it on to \(control.recipient ?? "")" : "use it in judicial proceedings"
        return try await send(MessageRequest(
            to: [message.originator], subject: "Permission request: \(message.subject)",
            body: "\(ownAgencyCode) asks permission to \(what).\nReason: \(reason)", entities: nil, purpose: message.purpose,
            legalBasis: message.legalBasis, handlingCode: .h0, handlingRestriction: nil, evaluation: Evaluation(source: .a, information: .one),
            caseRef: message.caseRef, inReplyTo: id, retainUntil: nil
        ), actor: actor, principal: principal, control: control).sentRecord()
    }

    /// The originator's decision on a permission request it received.
    func decidePermission(_ requestID: String, granted: Bool, reason: String, actor: String, principal: Principal?) async throws -> MessageRecord {
        guard let record = try await messages.message(requestID), record.box == .inbox, let request = record.message.control, request.kind == .request else {
            throw LiaisonError(.notFound, "No received permission request with id \(requestID).")
        }
        guard !reason.allSatisfy(\.isWhitespace) else {
            throw LiaisonError(.invalidInput, "reason: give the reasons for the decision.")
        }
        var decision = request
        decision.kind = granted ? .grant : .refusal
        decision.reason = reason
        return try await send(MessageRequest(
            to: [request.requester], subject: (granted ? "Permission granted: " : "Permission refused: ") + record.message.subject.replacingOccurrences(of: "Permission request: ", with: ""),
            body: reason, entities: nil, purpose: record.message.purpose, legalBasis: record.message.legalBasis, handlingCode: .h0,
            handlingRestriction: nil, evaluation: Evaluation(source: .a, information: .one), caseRef: record.message.caseRef, inReplyTo: requestID, retainUntil: nil
        ), actor: actor, principal: principal, control: decision).sentRecord()
    }

    /// Sends a message a supervisor approved, as its requester, through the same checks as any
    /// send (an agreement that expired meanwhile still stops it).
    /// - Returns: `message:<id>` of the sent message.
    func release(_ approval: ApprovalRecord, approvedBy: String, reason: String) async throws -> String {
        guard approval.kind == "message", approval.state == .approved else {
            throw LiaisonError(.notApproved, "Approval \(approval.id) is \(approval.state.rawValue).")
        }
        let held = try JSON.decoder.decode(HeldMessage.self, from: approval.payload)
        let username = approval.requester.hasPrefix("user:") ? String(approval.requester.dropFirst(5)) : approval.requester
        let requester = Principal(userID: "", username: username, role: approval.requesterRole)
        let record = try await send(
            held.request, actor: approval.requester, principal: requester, approval: .granted(by: approvedBy, reason: reason), forwardedFrom: held.forwardedFrom
        ).sentRecord()
        return "message:\(record.message.id)"
    }

    /// Opens a message for a user, once the safeguards permit the read; the first opening of an
    /// inbox message queues a signed read receipt to the sender.
    func read(_ id: String, principal: Principal?, actor: String) async throws -> MessageRecord {
        guard var record = try await messages.message(id) else {
            throw LiaisonError(.notFound, "No message with id \(id).")
        }
        let configuration = try await safeguards.configuration()
        var policy = PolicyRequest(
            action: .read, actor: principal, agency: ownAgencyCode, recipient: nil, dataCategories: [], dataSubjectCategories: [], recordCount: 1,
            // A message is its own case link where it names no case.
            purpose: record.message.purpose, legalBasis: record.message.legalBasis, caseRef: record.message.caseRef ?? "message:\(id)",
            handlingCode: record.message.handlingCode, at: clock.now()
        )
        policy.describe(record.message.entities, carryingEvidence: record.message.evidenceItem != nil, minorAge: configuration.rules.minorAge)
        let outcome = try await safeguards.decide(policy, actor: actor, subject: "message:\(id)", configuration: configuration)
        if case .deny(let reasons) = outcome.decision {
            throw LiaisonError(.refusedBySafeguards, reasons.map(\.sentence).joined(separator: " "), reasons: reasons.map(\.code.rawValue))
        }
        if record.box == .inbox {
            let now = clock.now()
            if try await messages.markRead(id, at: now) {
                record.readAt = now
                let receipt = try SignedReceipt(
                    Receipt(kind: .read, envelopeId: "", messageId: id, sender: record.message.originator, issuer: ownAgencyCode, at: now, ciphertextSHA256: ""),
                    signingKey: keys.signing
                )
                let json = String(decoding: try JSON.encoder.encode(receipt), as: UTF8.self)
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
        guard let bytes = Data(base64Encoded: signed.receipt), let claimed = try? JSON.decoder.decode(Receipt.self, from: bytes) else {
            throw LiaisonError(.invalidReceipt, "The receipt is malformed.")
        }
        guard let partner = try await federation.partner(claimed.issuer) else {
            throw LiaisonError(.unknownPartner, "\(claimed.issuer) is not a partner of \(ownAgencyCode).")
        }
        let receipt = try signed.verified(issuerKey: try PartnerKeys.of(partner.identity).signing)
        guard receipt.kind == .read, receipt.sender == ownAgencyCode else {
            throw LiaisonError(.invalidReceipt, "Only read receipts for messages sent by \(ownAgencyCode) are accepted here.")
        }
        let json = String(decoding: try JSON.encoder.encode(signed), as: UTF8.self)
        guard try await messages.recordReadReceipt(messageID: receipt.messageId, recipient: receipt.issuer, receiptJSON: json, at: receipt.at) else {
            throw LiaisonError(.notFound, "No message \(receipt.messageId) was sent to \(receipt.issuer).")
        }
    }
}
