import Foundation
import HTTPTypes
import LiaisonCore
import LiaisonCrypto
import LiaisonMatching
import LiaisonSafeguards
import LiaisonStore

/// A request for the data behind a hit (Prüm step two), as both nodes keep it under the same id.
struct FollowUp: Codable, Sendable, Equatable {
    enum Status: String, Codable, Sendable, CaseIterable {
        /// Waiting for the owner's decision.
        case requested
        /// Approved: the data travel as a message through the secure exchange.
        case approved
        case refused
    }

    var id: String
    var requester: String
    var owner: String
    var category: HitCategory
    var reference: String
    var purpose: String
    var legalBasis: String
    var justification: String
    var caseRef: String?
    var requestedBy: String
    var requestedAt: Date
    /// Regulation (EU) 2024/982 Art. 47: the core data set within 48 hours once the conditions are
    /// met, one of them a manual confirmation of the match by qualified staff.
    var deadline: Date
    var status: Status
    var decidedBy: String?
    var decidedAt: Date?
    var reason: String?
    /// The message that carries the data, once approved.
    var messageId: String?

    /// Art. 47 of Regulation (EU) 2024/982: 48 hours.
    static let answerPeriod: TimeInterval = 48 * 3600
}

/// What a requester sends to ask for a follow-up, or for its status.
struct FollowUpStatusRequest: Codable, Sendable { var id: String }

/// Two-step follow-up: the requester asks for the data behind a hit; the owner's staff confirm
/// the match and approve or refuse with reasons; on approval the data go as a message through the
/// secure exchange. Both sides see the status and the deadline.
struct HitFollowUps: Sendable {
    let ownAgencyCode: String
    let keys: NodeKeys
    let federation: FederationStore
    let clients: FederationClients
    let hits: HitService
    let store: HitStore
    let messages: MessageService
    let safeguards: SafeguardsService
    /// The node's cases, which a user's follow-up request must name (open).
    let cases: CaseService
    let clock: any WallClock

    /// A follow-up may ask about a hit reported within this period.
    static let disclosureValidity: TimeInterval = 90 * 86_400
    static let minimumJustification = 20

    private var envelopes: PartnerEnvelopes { PartnerEnvelopes(ownAgencyCode: ownAgencyCode, keys: keys, federation: federation, clock: clock) }

    // MARK: Requester

    struct Request: Codable, Sendable {
        var partner: String
        var category: String
        var reference: String
        var purpose: String
        var legalBasis: String
        var justification: String
        var caseRef: String?
    }

    /// Asks a partner for the data behind one of its hits.
    func request(_ request: Request, principal: Principal?, actor: String) async throws -> FollowUp {
        let category = try HitCategory.parse(request.category)
        for (field, value) in [("purpose", request.purpose), ("legalBasis", request.legalBasis), ("reference", request.reference)] where value.allSatisfy(\.isWhitespace) {
            throw LiaisonError(.invalidInput, "\(field): required")
        }
        guard request.justification.filter({ !$0.isWhitespace }).count >= Self.minimumJustification else {
            throw LiaisonError(.invalidInput, "justification: explain in at least \(Self.minimumJustification) characters why the data are needed")
        }
        guard let partner = try await federation.partner(request.partner) else {
            throw LiaisonError(.invalidInput, "partner: \(request.partner) is not a partner of \(ownAgencyCode)")
        }
        let now = clock.now()
        var policy = PolicyRequest(action: .hitNoHitAnswer, actor: principal, agency: ownAgencyCode, recipient: request.partner, dataCategories: [category.dataCategory],
                                   dataSubjectCategories: [], recordCount: 1, purpose: request.purpose, legalBasis: request.legalBasis, caseRef: request.caseRef, at: now)
        policy.caseStanding = principal != nil ? try await cases.standing(of: request.caseRef) : nil
        let outcome = try await safeguards.decide(policy, actor: actor, subject: "hits:\(category.rawValue)/\(request.reference)")
        if let reasons = HitFederation.refusal(outcome, category: category) {
            throw LiaisonError(.notCoveredByAgreement, reasons.map(\.sentence).joined(separator: " "), reasons: reasons.map(\.code.rawValue))
        }
        let agreement = outcome.agreement!  // checked: refusal(_:category:) is nil only with an agreement
        let followUp = FollowUp(id: UUIDv7.make(at: now).uuidString.lowercased(), requester: ownAgencyCode, owner: request.partner, category: category,
                                reference: request.reference, purpose: request.purpose, legalBasis: request.legalBasis, justification: request.justification,
                                caseRef: request.caseRef, requestedBy: actor, requestedAt: now, deadline: now.addingTimeInterval(FollowUp.answerPeriod), status: .requested)
        let accepted = try await exchange(partner, postQuantum: agreement.postQuantum, kind: "hit-follow-up", path: "/federation/v1/hits/follow-ups", payload: followUp)
        guard accepted.id == followUp.id, accepted.requester == ownAgencyCode else { throw LiaisonError(.invalidInput, "\(request.partner)'s acknowledgement does not match") }
        let event = AuditEvent(time: now, operation: .followUpRequested, actor: actor, role: principal?.role.rawValue, subject: "follow-up:\(followUp.id)",
                               purpose: request.purpose, legalBasis: request.legalBasis, recipients: [request.partner],
                               details: ["category": category.rawValue, "reference": request.reference, "direction": "outgoing"]
                                   .merging(request.caseRef.map { ["caseRef": $0] } ?? [:]) { first, _ in first })
        try await save(accepted, direction: "outgoing", audit: [event])
        return accepted
    }

    /// The follow-up, refreshed from the owner while it waits for a decision.
    func followUp(_ id: String) async throws -> FollowUp {
        guard var followUp = try await load(id) else { throw LiaisonError(.notFound, "no follow-up \(id)") }
        if followUp.requester == ownAgencyCode, followUp.status == .requested, let partner = try await federation.partner(followUp.owner) {
            if let current = try? await exchange(partner, postQuantum: false, kind: "hit-follow-up-status", path: "/federation/v1/hits/follow-ups/status",
                                                 payload: FollowUpStatusRequest(id: id)), current.id == id, current != followUp {
                followUp = current
                try await save(current, direction: "outgoing", audit: [])
            }
        }
        return followUp
    }

    /// Follow-ups, newest first; those this node asked and still waits on are refreshed from their owners.
    func list(direction: String? = nil) async throws -> [FollowUp] {
        var all = try await store.followUps(direction: direction).map { try JSON.decoder.decode(FollowUp.self, from: $0) }
        for (index, followUp) in all.enumerated() where followUp.requester == ownAgencyCode && followUp.status == .requested {
            all[index] = try await self.followUp(followUp.id)
        }
        return all
    }

    // MARK: Owner

    /// Receives a partner's follow-up request: only about a hit this node reported to it.
    func receive(_ envelope: Envelope) async throws -> Envelope {
        let (header, data, partner) = try await envelopes.open(envelope, maximumAge: HitFederation.maximumQueryAge)
        let requester = header.sender
        switch header.kind {
        case "hit-follow-up":
            guard var followUp = try? JSON.decoder.decode(FollowUp.self, from: data) else {
                throw LiaisonError(.invalidFollowUp, "The envelope does not carry a valid follow-up request.")
            }
            guard followUp.requester == requester, followUp.owner == ownAgencyCode, followUp.status == .requested else {
                throw LiaisonError(.invalidFollowUp, "The follow-up's parties or status do not match its envelope.")
            }
            if let existing = try await load(followUp.id) {
                guard existing.requester == requester else { throw LiaisonError(.conflict, "Follow-up \(followUp.id) exists.") }
                return try seal(existing, to: partner)
            }
            let now = clock.now()
            guard let disclosure = try await store.disclosure(partner: requester, category: followUp.category.rawValue, reference: followUp.reference),
                  now.timeIntervalSince(disclosure.answeredAt) <= Self.disclosureValidity else {
                throw LiaisonError(.noHitReported, "\(ownAgencyCode) reported no hit on \(followUp.category.rawValue) \(followUp.reference) to \(requester) in the last 90 days.")
            }
            let flow = Flow(sender: ownAgencyCode, recipient: requester, purpose: followUp.purpose, dataCategories: [followUp.category.dataCategory],
                            dataSubjectCategories: [], at: now)
            if case .notCovered(let reasons) = AgreementPolicy.coverage(of: flow, under: try await safeguards.activeAgreements()) {
                throw LiaisonError(.notCoveredByAgreement, "Refused by \(ownAgencyCode): " + reasons.map(\.sentence).joined(separator: " "), reasons: reasons.map(\.code.rawValue))
            }
            // The owner's clock sets the deadline it answers to.
            followUp.requestedAt = now
            followUp.deadline = now.addingTimeInterval(FollowUp.answerPeriod)
            let event = AuditEvent(time: now, operation: .followUpRequested, actor: "node:\(requester)", subject: "follow-up:\(followUp.id)",
                                   purpose: followUp.purpose, legalBasis: followUp.legalBasis, recipients: [ownAgencyCode],
                                   details: ["category": followUp.category.rawValue, "reference": followUp.reference, "direction": "incoming", "quality": disclosure.quality]
                                       .merging(followUp.caseRef.map { ["caseRef": $0] } ?? [:]) { first, _ in first })
            try await save(followUp, direction: "incoming", audit: [event])
            return try seal(followUp, to: partner)
        case "hit-follow-up-status":
            guard let asked = try? JSON.decoder.decode(FollowUpStatusRequest.self, from: data), let followUp = try await load(asked.id),
                  followUp.requester == requester, followUp.owner == ownAgencyCode else {
                throw LiaisonError(.notFound, "No follow-up of \(requester) with that id.")
            }
            return try seal(followUp, to: partner)
        default:
            throw LiaisonError(.wrongKind, "Expected a hit-follow-up envelope, got \(header.kind).")
        }
    }

    /// The owner's decision: approve (the data are sent as a message) or refuse, with reasons.
    func decide(_ id: String, approve: Bool, reason: String, principal: Principal?, actor: String) async throws -> FollowUp {
        guard var followUp = try await load(id), followUp.owner == ownAgencyCode else { throw LiaisonError(.notFound, "no incoming follow-up \(id)") }
        guard followUp.status == .requested else { throw LiaisonError(.conflict, "follow-up \(id) was already \(followUp.status.rawValue)") }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw LiaisonError(.invalidInput, "reason: give the reason for the decision (it goes to the requester)") }
        let now = clock.now()
        if approve {
            guard let record = try await hits.record(category: followUp.category, reference: followUp.reference) else {
                throw LiaisonError(.conflict, "\(followUp.category.rawValue) \(followUp.reference) is no longer held; refuse the follow-up instead")
            }
            let outcome = try await messages.send(Self.message(for: followUp, record: record, reason: reason), actor: actor, principal: principal, approval: .granted(by: actor, reason: reason),
                                                     partnersCase: true)
            followUp.messageId = try outcome.sentRecord().message.id
            followUp.status = .approved
        } else {
            followUp.status = .refused
        }
        followUp.decidedBy = actor
        followUp.decidedAt = now
        followUp.reason = reason
        let event = AuditEvent(time: now, operation: .followUpDecided, actor: actor, role: principal?.role.rawValue, subject: "follow-up:\(id)",
                               purpose: followUp.purpose, legalBasis: followUp.legalBasis, recipients: [followUp.requester],
                               details: ["decision": followUp.status.rawValue, "reference": followUp.reference, "onTime": "\(now <= followUp.deadline)"]
                                   .merging(followUp.caseRef.map { ["caseRef": $0] } ?? [:]) { first, _ in first })
        try await save(followUp, direction: "incoming", audit: [event])
        return followUp
    }

    /// The message that carries the data behind the reference: one entity of the category's
    /// FollowTheMoney schema, with every imported field.
    static func message(for followUp: FollowUp, record: ReferenceRecord, reason: String) -> MessageRequest {
        var properties: [String: [String]] = [:]
        let names: [String: String] = [
            "name": "name", "dateOfBirth": "birthDate", "nationality": "nationality", "vin": "vinCode", "plate": "registrationNumber",
            "iban": "iban", "address": "publicKey", "issuingCountry": "country",
        ]
        for (field, value) in record.fields.sorted(by: { $0.key < $1.key }) where field != "dataSubjectCategory" {
            properties[names[field] ?? (followUp.category == .phone && field == "number" ? "number" : field), default: []].append(value)
        }
        if let profile = record.profile { properties["dnaProfile"] = [profile.encoded] }
        let schema: String
        switch followUp.category {
        case .dna, .person: schema = "Person"
        case .vehicle: schema = "Vehicle"
        case .document: schema = "Identification"
        case .phone: schema = "Phone"
        case .bankAccount: schema = "BankAccount"
        case .cryptoWallet: schema = "CryptoWallet"
        }
        let subject = record.fields["dataSubjectCategory"].flatMap(DataSubjectCategory.init(rawValue:)) ?? .suspect
        let entity = MessageEntity(id: "\(followUp.category.rawValue)-\(record.reference)", schema: schema, properties: properties, dataSubjectCategory: subject, nature: .fact)
        return MessageRequest(
            to: [followUp.requester], subject: "Follow-up \(followUp.id): \(followUp.category.rawValue) \(record.reference)",
            body: "Data behind reference \(record.reference), released after a confirmed \(followUp.category.rawValue) hit (Regulation (EU) 2024/982 Art. 47). Decision: \(reason)",
            entities: [entity], purpose: followUp.purpose, legalBasis: followUp.legalBasis, handlingCode: .h0, handlingRestriction: nil,
            evaluation: Evaluation(source: .a, information: .one), caseRef: followUp.caseRef ?? "follow-up \(followUp.id)", inReplyTo: nil, retainUntil: nil
        )
    }

    // MARK: Storage and transport

    private func load(_ id: String) async throws -> FollowUp? {
        try await store.followUp(id: id).map { try JSON.decoder.decode(FollowUp.self, from: $0) }
    }

    private func save(_ followUp: FollowUp, direction: String, audit: [AuditEvent]) async throws {
        try await store.saveFollowUp(id: followUp.id, direction: direction, partner: direction == "outgoing" ? followUp.owner : followUp.requester,
                                     record: try JSON.encoder.encode(followUp), status: followUp.status.rawValue, audit: audit, at: clock.now())
        await hits.recorded()
    }

    private func seal(_ followUp: FollowUp, to partner: PartnerRecord) throws -> Envelope {
        try envelopes.seal(try JSON.encoder.encode(followUp), kind: "hit-follow-up-record", to: partner, postQuantum: false)
    }

    private func exchange(_ partner: PartnerRecord, postQuantum: Bool, kind: String, path: String, payload: some Encodable) async throws -> FollowUp {
        let answer = try await envelopes.exchange(try JSON.encoder.encode(payload), kind: kind, answerKind: "hit-follow-up-record", to: partner, path: path,
                                                  postQuantum: postQuantum, clients: clients, maximumAnswerBytes: 1 << 20)
        return try JSON.decoder.decode(FollowUp.self, from: answer)
    }
}
