import AsyncHTTPClient
import Crypto
import CryptoExtras
import Foundation
import LiaisonCore
import LiaisonCrypto
import LiaisonMatching
import LiaisonSafeguards
import LiaisonStore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import HTTPTypes

/// What a requester sends to a partner (envelope kind `hit-query`): the step-one data of Prüm,
/// and either the queries in clear or blinded identifiers.
struct HitQueryPayload: Codable, Sendable {
    var id: String
    var category: HitCategory
    var purpose: String
    var legalBasis: String
    var caseRef: String?
    /// Each query as one JSON object (the fields of the category's file layout).
    var queries: [String]?
    /// Blinded identifiers (RFC 9497 blinded elements, base64), for exact categories.
    var blinded: [String]?
}

/// A partner's answer (envelope kind `hit-answer`).
struct HitAnswerPayload: Codable, Sendable {
    var queryId: String
    var answers: [HitAnswer]?
    /// For blinded queries: the evaluations with their proofs, the bucket width and table size.
    var evaluations: [String]?
    var bucketBits: Int?
}

/// The second round of a blinded query (envelope kind `hit-buckets`) and its answer (`hit-bucket-entries`).
struct HitBucketRequest: Codable, Sendable {
    var queryId: String
    var category: HitCategory
    var purpose: String
    var legalBasis: String
    var caseRef: String?
    var buckets: [UInt64]
}

struct HitBucketAnswer: Codable, Sendable {
    var entries: [BlindedLookup.Entry]
}

/// A partner's VOPRF public key, signed with its pinned Ed25519 key.
struct SignedOPRFKey: Codable, Sendable {
    var agencyCode: String
    /// Raw P-384 public key, base64.
    var publicKey: String
    /// Ed25519 signature over `liaison-hit-key/1 ‖ agencyCode ‖ 0x00 ‖ publicKey bytes`, base64.
    var signature: String

    static func signedBytes(agencyCode: String, publicKey: Data) -> Data {
        Data("liaison-hit-key/1".utf8) + Data(agencyCode.utf8) + Data([0]) + publicKey
    }
}

/// One partner's part of a partner search.
struct PartnerHitResult: Codable, Sendable {
    enum Status: String, Codable, Sendable { case answered, refused, unreachable }
    var partner: String
    var status: Status
    var detail: String?
    var reasons: [String]?
    var answers: [HitAnswer]
}

/// Hit/no-hit between nodes: asking partners (in clear or blinded) and answering them. Both sides
/// check the agreement through the safeguards engine and log every query.
actor HitFederation {
    let ownAgencyCode: String
    let keys: NodeKeys
    let federation: FederationStore
    let clients: FederationClients
    /// The node's cases, which a user's search must name (open).
    let cases: CaseService
    let hits: HitService
    let safeguards: SafeguardsService
    let clock: any WallClock
    /// Queries (or blinded identifiers) each partner may send per minute.
    let queriesPerMinute: Int
    /// A synchronous query older than this is stale and refused (a replay window that a restart cannot widen much).
    static let maximumQueryAge: TimeInterval = 300

    private var recent: [String: [(at: Date, count: Int)]] = [:]
    private var seen: [String: Date] = [:]
    private var tables: [HitCategory: (generation: Int, bits: Int, entries: [BlindedLookup.Entry])] = [:]
    private var partnerKeys: [String: Data] = [:]

    init(ownAgencyCode: String, keys: NodeKeys, federation: FederationStore, clients: FederationClients, cases: CaseService, hits: HitService,
         safeguards: SafeguardsService, clock: any WallClock, queriesPerMinute: Int = 600) {
        self.ownAgencyCode = ownAgencyCode
        self.keys = keys
        self.federation = federation
        self.clients = clients
        self.cases = cases
        self.hits = hits
        self.safeguards = safeguards
        self.clock = clock
        self.queriesPerMinute = queriesPerMinute
    }

    // MARK: Asking partners

    /// Sends the queries to each partner and collects their answers; each partner's refusal or
    /// silence is reported beside the others' answers.
    func search(_ queries: [ReferenceRecord], category: HitCategory, partners: [String], purpose: String, legalBasis: String, caseRef: String?,
                blinded: Bool, principal: Principal?, actor: String) async throws -> [PartnerHitResult] {
        guard !partners.isEmpty else { throw LiaisonError(.invalidInput, "partners: name at least one partner") }
        if blinded && !category.isExactIdentifier {
            throw LiaisonError(.invalidInput, "blinded: only for exact identifiers (vehicle, document, phone, bankAccount, cryptoWallet), not \(category.rawValue)")
        }
        // A user's search names one of this node's cases, which must be open.
        let standing = principal != nil ? try await cases.standing(of: caseRef) : nil
        var results: [PartnerHitResult] = []
        for partner in Set(partners).sorted() {
            results.append(await ask(partner, queries: queries, category: category, purpose: purpose, legalBasis: legalBasis, caseRef: caseRef,
                                     standing: standing, blinded: blinded, principal: principal, actor: actor))
        }
        return results
    }

    private func ask(_ code: String, queries: [ReferenceRecord], category: HitCategory, purpose: String, legalBasis: String, caseRef: String?,
                     standing: CaseStanding?, blinded: Bool, principal: Principal?, actor: String) async -> PartnerHitResult {
        do {
            guard let partner = try await federation.partner(code) else {
                return PartnerHitResult(partner: code, status: .refused, detail: "\(code) is not a partner of \(ownAgencyCode).", answers: [])
            }
            let now = clock.now()
            var request = PolicyRequest(action: .hitNoHitAnswer, actor: principal, agency: ownAgencyCode, recipient: code, dataCategories: [category.dataCategory],
                                        dataSubjectCategories: [], recordCount: 1, purpose: purpose, legalBasis: legalBasis, caseRef: caseRef, at: now)
            request.caseStanding = standing
            let outcome = try await safeguards.decide(request, actor: actor, subject: "hits:\(category.rawValue)")
            if let reasons = Self.refusal(outcome, category: category) {
                return PartnerHitResult(partner: code, status: .refused, detail: "Refused by \(ownAgencyCode): " + reasons.map(\.sentence).joined(separator: " "),
                                        reasons: reasons.map(\.code.rawValue), answers: [])
            }
            let agreement = outcome.agreement!  // checked: refusal(_:category:) is nil only with an agreement
            let id = UUIDv7.make(at: now).uuidString.lowercased()
            var payload = HitQueryPayload(id: id, category: category, purpose: purpose, legalBasis: legalBasis, caseRef: caseRef)
            let answers: [HitAnswer]
            if blinded {
                answers = try await askBlinded(partner, agreement: agreement, queries: queries, payload: payload)
            } else {
                payload.queries = try queries.map(Self.line)
                let answer = try await exchange(partner, agreement: agreement, kind: "hit-query", answerKind: "hit-answer", path: "/federation/v1/hits/queries", payload: payload, as: HitAnswerPayload.self)
                answers = answer.answers ?? []
                guard answer.queryId == id, answers.count == queries.count else {
                    throw LiaisonError(.invalidInput, "\(code)'s answer does not match the query")
                }
            }
            let outcomeText = answers.contains { $0.outcome == .hit } ? "hit" : answers.contains { $0.outcome == .nearHit } ? "near-hit" : "no-hit"
            try await hits.log([AuditEvent(time: clock.now(), operation: .hitSearched, actor: actor, role: principal?.role.rawValue, subject: "hits:\(category.rawValue)",
                                       purpose: purpose, legalBasis: legalBasis, recipients: [code],
                                       details: ["result": outcomeText, "queries": "\(queries.count)", "mode": blinded ? "blinded" : "clear", "query": id,
                                                 "references": answers.flatMap(\.matches).map(\.reference).joined(separator: ",")]
                                           .merging(caseRef.map { ["caseRef": $0] } ?? [:]) { first, _ in first })])
            return PartnerHitResult(partner: code, status: .answered, answers: answers)
        } catch let error as LiaisonError {
            let refused = [.forbidden, .tooManyRequests].contains(error.code.kind)
            return PartnerHitResult(partner: code, status: refused ? .refused : .unreachable, detail: error.message, reasons: error.reasons, answers: [])
        } catch {
            return PartnerHitResult(partner: code, status: .unreachable, detail: "\(code) could not be reached: \(error)", answers: [])
        }
    }

    private func askBlinded(_ partner: PartnerRecord, agreement: Agreement, queries: [ReferenceRecord], payload: HitQueryPayload) async throws -> [HitAnswer] {
        let publicKey = try await oprfKey(of: partner)
        var requester = try BlindedLookup.Requester(publicKey: publicKey)
        var owners: [(query: Int, field: String)] = []
        var elements: [String] = []
        for (index, query) in queries.enumerated() {
            for key in query.keys {
                elements.append(try requester.blind(key))
                owners.append((index, key.hasPrefix("VIN:") ? "vin" : key.hasPrefix("PLATE:") ? "plate" : query.category.identifyingFields[0]))
            }
        }
        var first = payload
        first.blinded = elements
        let answer = try await exchange(partner, agreement: agreement, kind: "hit-query", answerKind: "hit-answer", path: "/federation/v1/hits/queries", payload: first, as: HitAnswerPayload.self)
        guard answer.queryId == payload.id, let evaluations = answer.evaluations, let bits = answer.bucketBits, (0...20).contains(bits) else {
            throw LiaisonError(.invalidInput, "\(partner.identity.agencyCode)'s blinded answer is incomplete")
        }
        let outputs = try requester.finalize(evaluations)
        let buckets = Set(outputs.map { BlindedLookup.bucket(of: BlindedLookup.tag($0), bits: bits) }).sorted()
        let second = HitBucketRequest(queryId: payload.id, category: payload.category, purpose: payload.purpose, legalBasis: payload.legalBasis,
                                      caseRef: payload.caseRef, buckets: buckets)
        let entries = try await exchange(partner, agreement: agreement, kind: "hit-buckets", answerKind: "hit-bucket-entries", path: "/federation/v1/hits/buckets", payload: second, as: HitBucketAnswer.self).entries
        var matches = Array(repeating: [HitMatch](), count: queries.count)
        for (output, owner) in zip(outputs, owners) {
            if let reference = BlindedLookup.open(entries, with: output), !matches[owner.query].contains(where: { $0.reference == reference }) {
                matches[owner.query].append(HitMatch(reference: reference, quality: .hit, matchedOn: owner.field))
            }
        }
        return zip(queries, matches).map { HitAnswer(query: $0.reference, matches: $1) }
    }

    /// The partner's VOPRF public key, fetched once and checked against its pinned signing key.
    private func oprfKey(of partner: PartnerRecord) async throws -> Data {
        let code = partner.identity.agencyCode
        if let known = partnerKeys[code] { return known }
        let (client, endpoint) = try await clients.client(for: partner)
        let response = try await client.execute(HTTPClientRequest(url: endpoint + "/federation/v1/hits/key"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 16)
        guard response.status == .ok, let signed = try? JSON.decoder.decode(SignedOPRFKey.self, from: Data(buffer: body)),
              signed.agencyCode == code, let key = Data(base64Encoded: signed.publicKey), let signature = Data(base64Encoded: signed.signature),
              try PartnerKeys.of(partner.identity).signing.isValidSignature(signature, for: SignedOPRFKey.signedBytes(agencyCode: code, publicKey: key)) else {
            throw LiaisonError(.unauthenticated, "\(code)'s VOPRF key is missing or not signed with its pinned key")
        }
        partnerKeys[code] = key
        return key
    }

    /// Seals a payload to the partner, posts it, and opens the sealed answer.
    private func exchange<Answer: Decodable>(_ partner: PartnerRecord, agreement: Agreement, kind: String, answerKind: String, path: String, payload: some Encodable, as: Answer.Type) async throws -> Answer {
        let envelopes = PartnerEnvelopes(ownAgencyCode: ownAgencyCode, keys: keys, federation: federation, clock: clock)
        let answer = try await envelopes.exchange(try JSON.encoder.encode(payload), kind: kind, answerKind: answerKind, to: partner, path: path,
                                                  postQuantum: agreement.postQuantum, clients: clients)
        return try JSON.decoder.decode(Answer.self, from: answer)
    }

    static func line(_ query: ReferenceRecord) throws -> String {
        var object: [String: Any] = query.fields
        object["reference"] = query.reference
        if let profile = query.profile {
            object["loci"] = Dictionary(uniqueKeysWithValues: profile.loci.map { ($0.key.name, [$0.value.first.description, $0.value.second.description]) })
        }
        // Exact categories travel as their canonical keys, so the partner need not re-parse spellings.
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Why an outcome does not permit a hit/no-hit exchange: its refusals, or a data category
    /// the agreement does not cover (which minimisation would remove from a message, but which
    /// is the whole of a query).
    static func refusal(_ outcome: PolicyOutcome, category: HitCategory) -> [PolicyReason]? {
        if outcome.decision.isPermit, outcome.agreement != nil, outcome.redact.isEmpty { return nil }
        if outcome.decision.isPermit, let agreement = outcome.agreement {
            return [PolicyReason(code: .dataCategoryNotCovered, sentence: "Agreement \(agreement.id) does not cover the data category '\(category.dataCategory.rawValue)'.")]
        }
        return reasons(outcome.decision)
    }

    static func reasons(_ decision: Decision) -> [PolicyReason] {
        switch decision {
        case .permit: return []
        case .deny(let reasons): return reasons
        case .needsApproval(_, let reasons):
            return [PolicyReason(code: .needsApproval, sentence: "A hit/no-hit query cannot wait for approval; the safeguards held it back:")] + reasons
        }
    }

    // MARK: Answering partners

    /// The signed VOPRF public key partners blind with.
    func signedKey() throws -> SignedOPRFKey {
        let publicKey = keys.hitOPRF.publicKey.rawRepresentation
        let signature = try keys.signing.signature(for: SignedOPRFKey.signedBytes(agencyCode: ownAgencyCode, publicKey: publicKey))
        return SignedOPRFKey(agencyCode: ownAgencyCode, publicKey: publicKey.base64EncodedString(), signature: signature.base64EncodedString())
    }

    /// Answers a partner's query envelope with a sealed answer envelope.
    func answer(_ envelope: Envelope) async throws -> Envelope {
        let envelopes = PartnerEnvelopes(ownAgencyCode: ownAgencyCode, keys: keys, federation: federation, clock: clock)
        let (header, data, partner) = try await envelopes.open(envelope, maximumAge: Self.maximumQueryAge)
        let requester = header.sender
        guard header.kind == "hit-query" else { throw LiaisonError(.wrongKind, "Expected a hit-query envelope, got \(header.kind).") }
        let payload: HitQueryPayload
        do { payload = try JSON.decoder.decode(HitQueryPayload.self, from: data) } catch {
            throw LiaisonError(.invalidQuery, "The envelope does not carry a valid hit query: \(error)")
        }
        try noteSeen(header.id)
        let count = payload.blinded?.count ?? payload.queries?.count ?? 0
        guard (1...HitController.maximumQueries).contains(count), (payload.blinded == nil) != (payload.queries == nil) else {
            throw LiaisonError(.invalidQuery, "A hit query carries 1 to \(HitController.maximumQueries) queries, either in clear or blinded.")
        }
        if payload.blinded != nil && !payload.category.isExactIdentifier {
            throw LiaisonError(.invalidQuery, "Blinded queries are for exact identifiers, not \(payload.category.rawValue).")
        }
        let now = clock.now()
        let agreement = try await permit(payload.category, requester: requester, purpose: payload.purpose, legalBasis: payload.legalBasis, caseRef: payload.caseRef, now: now)
        try limit(requester, count: count, now: now, agreement: agreement)
        var answer = HitAnswerPayload(queryId: payload.id)
        if let blinded = payload.blinded {
            answer.evaluations = try BlindedLookup.evaluate(blinded, key: keys.hitOPRF)
            answer.bucketBits = try await table(for: payload.category).bits
            try await hits.log([AuditEvent(time: now, operation: .hitSearched, actor: "node:\(requester)", subject: "hits:\(payload.category.rawValue)",
                                       purpose: payload.purpose, legalBasis: payload.legalBasis, recipients: [requester],
                                       details: ["result": "blinded", "queries": "\(count)", "mode": "blinded", "query": payload.id])])
        } else {
            let queries: [ReferenceRecord]
            do { queries = try await hits.queries(payload.queries!.joined(separator: "\n"), category: payload.category) } catch let problems as LineProblems {  // checked: exactly one of blinded and queries is set (checked on receipt)
                throw problems.problem(item: "queries")
            }
            answer.answers = try await hits.search(queries, category: payload.category, actor: "node:\(requester)", purpose: payload.purpose, requester: requester)
            try await hits.disclosed(answer.answers!, category: payload.category, to: requester, query: payload.id)  // checked: set on the line above
        }
        return try envelopes.seal(try JSON.encoder.encode(answer), kind: "hit-answer", to: partner, postQuantum: agreement.postQuantum)
    }

    /// Answers the second round of a blinded query: the entries of the asked buckets.
    func buckets(_ envelope: Envelope) async throws -> Envelope {
        let envelopes = PartnerEnvelopes(ownAgencyCode: ownAgencyCode, keys: keys, federation: federation, clock: clock)
        let (header, data, partner) = try await envelopes.open(envelope, maximumAge: Self.maximumQueryAge)
        guard header.kind == "hit-buckets" else { throw LiaisonError(.wrongKind, "Expected a hit-buckets envelope, got \(header.kind).") }
        let request: HitBucketRequest
        do { request = try JSON.decoder.decode(HitBucketRequest.self, from: data) } catch {
            throw LiaisonError(.invalidQuery, "The envelope does not carry a valid bucket request: \(error)")
        }
        try noteSeen(header.id)
        guard (1...HitController.maximumQueries).contains(request.buckets.count), request.category.isExactIdentifier else {
            throw LiaisonError(.invalidQuery, "A bucket request names 1 to \(HitController.maximumQueries) buckets of an exact-identifier category.")
        }
        let now = clock.now()
        let agreement = try await permit(request.category, requester: header.sender, purpose: request.purpose, legalBasis: request.legalBasis, caseRef: request.caseRef, now: now)
        try limit(header.sender, count: request.buckets.count, now: now, agreement: agreement)
        let table = try await table(for: request.category)
        guard request.buckets.allSatisfy({ table.bits == 0 ? $0 == 0 : $0 < UInt64(1) << UInt64(table.bits) }) else {  // checked: table.bits is this node's, 0...64
            throw LiaisonError(.invalidQuery, "A bucket number is out of range for \(table.bits) bits.")
        }
        let entries = request.buckets.flatMap { BlindedLookup.entries(in: $0, bits: table.bits, of: table.entries) }
        return try envelopes.seal(try JSON.encoder.encode(HitBucketAnswer(entries: entries)), kind: "hit-bucket-entries", to: partner, postQuantum: agreement.postQuantum)
    }

    /// The agreement in force for answering `requester` on `category`, through the safeguards engine.
    private func permit(_ category: HitCategory, requester: String, purpose: String, legalBasis: String, caseRef: String?, now: Date) async throws -> Agreement {
        let request = PolicyRequest(action: .hitNoHitAnswer, actor: nil, agency: ownAgencyCode, recipient: requester, dataCategories: [category.dataCategory],
                                    dataSubjectCategories: [], recordCount: 1, purpose: purpose, legalBasis: legalBasis, caseRef: caseRef, at: now)
        let outcome = try await safeguards.decide(request, actor: "node:\(requester)", subject: "hits:\(category.rawValue)")
        if let reasons = Self.refusal(outcome, category: category) {
            throw LiaisonError(.notCoveredByAgreement, "Refused by \(ownAgencyCode): " + reasons.map(\.sentence).joined(separator: " "), reasons: reasons.map(\.code.rawValue))
        }
        return outcome.agreement!  // checked: refusal(_:category:) is nil only with an agreement
    }

    private func noteSeen(_ id: String) throws {
        let now = clock.now()
        seen = seen.filter { now.timeIntervalSince($0.value) < 2 * Self.maximumQueryAge }
        guard seen[id] == nil else { throw LiaisonError(.replayedEnvelope, "Envelope \(id) was already answered.") }
        seen[id] = now
    }

    /// A rolling one-minute window per partner, at the agreement's limit or else the node's.
    private func limit(_ partner: String, count: Int, now: Date, agreement: Agreement) throws {
        let queriesPerMinute = agreement.hitQueriesPerMinute ?? self.queriesPerMinute
        let window = (recent[partner] ?? []).filter { now.timeIntervalSince($0.at) < 60 }
        let used = window.reduce(0) { $0 + $1.count }
        guard used + count <= queriesPerMinute else {
            recent[partner] = window
            throw LiaisonError(.rateLimited, "\(partner) may send \(queriesPerMinute) hit queries a minute to \(ownAgencyCode); \(used) were sent in the last minute.")
        }
        recent[partner] = window + [(now, count)]
    }

    /// The blinded table of a category, rebuilt after its data change.
    private func table(for category: HitCategory) async throws -> (bits: Int, entries: [BlindedLookup.Entry]) {
        let generation = await hits.generation(of: category)
        if let cached = tables[category], cached.generation == generation { return (cached.bits, cached.entries) }
        let keys = try await hits.keyedReferences(of: category)
        let entries = try BlindedLookup.table(keys: keys, key: keys.isEmpty ? P384._VOPRF.PrivateKey() : self.keys.hitOPRF)
        let bits = BlindedLookup.bucketBits(forEntries: entries.count)
        tables[category] = (generation, bits, entries)
        return (bits, entries)
    }
}
