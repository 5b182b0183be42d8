import Crypto
import Foundation
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
import LiaisonStore
import Logging
import Synchronization

/// A JIT space as a member node sees it.
struct JITSpaceView: Encodable, Sendable {
    enum Status: String, Encodable, Sendable {
        /// Waiting for parties' signatures.
        case proposed
        /// Signed by every party, before its start date.
        case pending
        case active
        /// Past its end date: read-only.
        case closed
    }

    var id: String
    var agreement: JITAgreement
    var status: Status
    var signedBy: [String]
    var awaiting: [String]
    /// SHA-256 over the contributions held: equal on every member that holds the same space.
    var digest: String
    /// The contributions (a download is in the ledger instead).
    var contributions: [Contribution]
    /// Open tasks with a due date, soonest first: the space's reminders (model agreement Art. 10,
    /// the operational action plan's tasks).
    var tasksDue: [TaskDue]
    /// The files shared in the space, newest first.
    var files: [FileView]
    /// Extensions of the period proposed and not yet in force, with the parties still to consent.
    var pendingExtensions: [PendingExtension]
    /// The disposition applied when the period ended, once it has been.
    var disposition: AppliedDisposition?
    /// Every upload and download (who, when, which SHA-256), for the leaders, oversight and the
    /// data-protection officer; `nil` for other roles.
    var ledger: [LedgerEntry]?

    struct FileView: Encodable, Sendable {
        var contribution: String
        var author: String
        var title: String
        var name: String
        var mediaType: String
        var size: Int
        var sha256: String
        var uploadedBy: String
        var uploadedAt: Date
        /// How many of its chunks this node holds (all once replicated; none after a disposition
        /// that returned it to its author).
        var chunksHeld: Int
        var chunks: Int
    }

    struct PendingExtension: Encodable, Sendable {
        var contribution: String
        var proposedBy: String
        var until: Date
        var reason: String
        var awaiting: [String]
    }

    struct AppliedDisposition: Encodable, Sendable {
        var disposition: String
        var appliedAt: Date
    }

    struct LedgerEntry: Encodable, Sendable {
        enum Action: String, Encodable, Sendable { case upload, download }
        var action: Action
        var agency: String
        var user: String
        var at: Date
        var file: String
        var name: String
        var sha256: String
        var size: Int
    }

    struct TaskDue: Encodable, Sendable {
        var contribution: String
        var title: String
        var owner: String
        var agency: String
        var due: Date
        var overdue: Bool
    }

    struct Contribution: Encodable, Sendable {
        var contribution: JITContribution
        /// A later version by the same author replaces it.
        var superseded: Bool
    }
}

/// The evaluation at closing, in the shape of Eurojust's JIT evaluation form: what the space's own
/// data show, and each party's answers (the latest a party gave).
struct JITEvaluationReport: Encodable, Sendable {
    struct Answer: Encodable, Sendable {
        var agency: String
        var by: String
        var at: Date
        var answers: JITContribution.EvaluationAnswers
    }

    var name: String
    var purpose: String
    var from: Date
    var until: Date
    var status: JITSpaceView.Status
    var parties: [JITAgreement.Party]
    /// Agency → contribution kind → how many (current versions).
    var contributions: [String: [String: Int]]
    var tasks: [String: Int]
    var sharedEntities: [String]
    var answers: [Answer]
    /// Parties that have not answered yet.
    var awaiting: [String]
    /// The parties' results added up.
    var totals: [String: Int]
}

/// What a contributing user gives.
struct JITContributionInput: Decodable, Sendable {
    var kind: String
    var title: String
    var text: String?
    var entity: MessageEntity?
    var task: JITContribution.Task?
    var evaluation: JITContribution.EvaluationAnswers?
    /// For an extension of the period: the new end and the reason.
    var newPeriod: JITAgreement.Extension?
    /// For a consent: the extension consented to.
    var refersTo: String?
    var supersedes: String?
    /// Set by the node for an upload (never taken from a request).
    var file: JITContribution.FileManifest?

    private enum CodingKeys: String, CodingKey { case kind, title, text, entity, task, evaluation, newPeriod, refersTo, supersedes }

    init(kind: String, title: String, text: String?, entity: MessageEntity? = nil, task: JITContribution.Task? = nil, evaluation: JITContribution.EvaluationAnswers? = nil,
         newPeriod: JITAgreement.Extension? = nil, refersTo: String? = nil, supersedes: String? = nil, file: JITContribution.FileManifest? = nil) {
        self.kind = kind
        self.title = title
        self.text = text
        self.entity = entity
        self.task = task
        self.evaluation = evaluation
        self.newPeriod = newPeriod
        self.refersTo = refersTo
        self.supersedes = supersedes
        self.file = file
    }
}

/// What a proposing user gives: the agreement without its id and proposer.
struct JITProposal: Decodable, Sendable {
    var name: String
    var purpose: String
    var parties: [JITAgreement.Party]
    var statesOfOperation: [String]
    var members: [JITAgreement.Member]?
    var participants: [JITAgreement.Participant]?
    var validFrom: Date
    var validUntil: Date
    var operationalActionPlan: String
    var informationRules: String
    var evidenceRules: String
    var disposition: JITAgreement.Disposition?
}

/// Joint investigation teams, federated: every member node holds the whole space, is
/// authoritative for its own contributions (which it signs, numbers and sends to the others), and
/// catches up from any member (contributions carry their author's signature, so any member may
/// relay them). Non-members see nothing; what they send is refused and logged.
struct JITService: Sendable {
    let ownAgencyCode: String
    let keys: NodeKeys
    let federation: FederationStore
    let clients: FederationClients
    let store: JITStore
    let alerts: WitnessStore
    let trail: AuditTrail
    let clock: any WallClock
    let logger: Logger
    /// The largest file a member may upload.
    var maximumFileBytes = 1 << 30
    /// The file content one space may hold, all members' files together.
    var maximumSpaceBytes = 20 << 30

    var envelopes: PartnerEnvelopes { PartnerEnvelopes(ownAgencyCode: ownAgencyCode, keys: keys, federation: federation, clock: clock) }

    /// Envelopes older than this are stale (a catch-up may follow a long partition, but each
    /// envelope is sent fresh).
    static let maximumEnvelopeAge: TimeInterval = 300

    // MARK: Agreement

    /// Proposes a JIT: signs the agreement as this node and sends it to the other parties.
    /// - Parameter send: whether to send it now (the demo seeds nodes that are not running; they
    ///   catch up once they are).
    func propose(_ proposal: JITProposal, principal: Principal?, send: Bool = true) async throws -> JITSpaceView {
        let now = clock.now()
        var agreement = JITAgreement(
            id: UUIDv7.make(at: now).uuidString.lowercased(), name: proposal.name, purpose: proposal.purpose, parties: proposal.parties,
            statesOfOperation: proposal.statesOfOperation, members: proposal.members ?? [], participants: proposal.participants ?? [],
            validFrom: proposal.validFrom, validUntil: proposal.validUntil, operationalActionPlan: proposal.operationalActionPlan,
            informationRules: proposal.informationRules, evidenceRules: proposal.evidenceRules, disposition: proposal.disposition ?? .keepReadOnly,
            proposedBy: ownAgencyCode, proposedAt: now
        )
        agreement.parties = agreement.parties.map { JITAgreement.Party(agency: $0.agency.uppercased(), leader: $0.leader) }
        try agreement.validate()
        guard agreement.validUntil > now else { throw LiaisonError(.invalidInput, "validUntil: the period must end in the future.") }
        for agency in agreement.agencies where agency != ownAgencyCode {
            guard try await federation.partner(agency) != nil else {
                throw LiaisonError(.invalidInput, "parties: \(agency) is not a partner of \(ownAgencyCode); pin its identity first.")
            }
        }
        let signed = try SignedJITAgreement(agreement, signingKey: keys.signing)
        let event = trail.event(.jitProposed, actor: actor(principal), role: principal?.role.rawValue, subject: "jit:\(agreement.id)",
                                recipients: agreement.agencies.filter { $0 != ownAgencyCode }, details: ["name": agreement.name])
        try await store.saveSpace(id: agreement.id, name: agreement.name, document: signed.document, proposedBy: ownAgencyCode, audit: [event], at: now)
        try await store.saveSignature(space: agreement.id, agency: ownAgencyCode, signature: signed.signatures[ownAgencyCode] ?? "", audit: [], at: now)
        await trail.wakeup.signal()
        if send { await push(JITWire(space: agreement.id, agreement: signed), to: agreement, kind: "jit-agreement") }
        return try await view(agreement.id, principal: principal)
    }

    /// Signs a proposed agreement as this node (a supervisor decides) and sends the signature.
    func sign(_ id: String, principal: Principal?, send: Bool = true) async throws -> JITSpaceView {
        let (agreement, document) = try await load(id)
        let now = clock.now()
        guard now < agreement.endsAt else { throw LiaisonError(.conflict, "The JIT agreement's period has ended.") }
        var signed = SignedJITAgreement.restored(document: document, signatures: [:])
        try signed.sign(as: ownAgencyCode, signingKey: keys.signing)
        let signature = signed.signatures[ownAgencyCode] ?? ""
        let event = trail.event(.jitSigned, actor: actor(principal), role: principal?.role.rawValue, subject: "jit:\(id)", details: ["agency": ownAgencyCode])
        guard try await store.saveSignature(space: id, agency: ownAgencyCode, signature: signature, audit: [event], at: now) else {
            throw LiaisonError(.conflict, "\(ownAgencyCode) has signed this JIT agreement already.")
        }
        await trail.wakeup.signal()
        if send { await push(JITWire(space: id, signatures: [ownAgencyCode: signature]), to: agreement, kind: "jit-signature") }
        return try await view(id, principal: principal)
    }

    // MARK: Contributions

    /// Adds this node's contribution to an active space: numbered after its last, signed, stored
    /// and sent to every other member.
    func contribute(_ id: String, _ input: JITContributionInput, principal: Principal?, send: Bool = true) async throws -> JITContribution {
        let (agreement, _) = try await load(id)
        let now = clock.now()
        let status = try await status(of: agreement, at: now)
        let leaders = AccessRule.judicialDeciders.admittedRoles
        if input.kind == JITContribution.Kind.file.rawValue || input.kind == JITContribution.Kind.download.rawValue {
            throw LiaisonError(.invalidInput, "kind: files are uploaded to /api/v1/jits/\(id)/files, and downloads enter the ledger by themselves.")
        }
        if input.kind == JITContribution.Kind.extension.rawValue || input.kind == JITContribution.Kind.consent.rawValue {
            guard leaders.contains(principal?.role ?? .oversight) else {
                throw LiaisonError(.forbidden, "A party's leader proposes or consents to an extension: a supervisor or judicial authority of \(ownAgencyCode).")
            }
            guard status == .active || status == .pending else {
                throw LiaisonError(.conflict, "The period can be extended only before it ends: the parties extend it by mutual consent while it runs (JIT model agreement, period clause).")
            }
            try await checkExtension(id, input, agreement: agreement)
        } else if input.kind == JITContribution.Kind.evaluation.rawValue {
            guard AccessRule.judicialDeciders.admittedRoles.contains(principal?.role ?? .oversight) else {
                throw LiaisonError(.forbidden, "A party's leader answers the evaluation: a supervisor or judicial authority of \(ownAgencyCode).")
            }
            guard status == .active || (status == .closed && agreement.accepts(.evaluation, at: now)) else {
                throw LiaisonError(.conflict, "The evaluation is answered while the JIT runs or within 90 days after it ends.")
            }
        } else if status != .active {
            throw LiaisonError(.conflict, status == .closed ? "The JIT's period ended on \(agreement.endsAt.formatted(.iso8601)): the space is read-only."
                                                           : "The JIT space is not active yet (\(status.rawValue)): every party signs first, and the period starts on \(agreement.validFrom.formatted(.iso8601)).")
        }
        guard let kind = JITContribution.Kind(rawValue: input.kind) else {
            throw LiaisonError(.invalidInput, "kind: one of \(JITContribution.Kind.allCases.map(\.rawValue).joined(separator: ", ")), not '\(input.kind.prefix(40))'.")
        }
        if let supersedes = input.supersedes {
            let own = try await store.contributions(space: id).filter { $0.author == ownAgencyCode }.map(\.id)
            guard own.contains(supersedes) else { throw LiaisonError(.invalidInput, "supersedes: only a contribution of \(ownAgencyCode) in this space can be replaced.") }
        }
        return try await record(id, kind: kind, input, agreement: agreement, principal: principal, at: now, send: send)
    }

    /// Numbers, signs, stores and sends one of this node's contributions (checked by the caller).
    func record(
        _ id: String, kind: JITContribution.Kind, _ input: JITContributionInput, agreement: JITAgreement, principal: Principal?, at now: Date, send: Bool = true
    ) async throws -> JITContribution {
        // One contribution at a time per space on this node takes the next position (concurrent
        // ones would take the same); replicas over one database still race, and the unique index
        // with a retry settles that.
        await numbering.lock(id)
        let made: (JITContribution, SignedJITContribution)
        do {
            made = try await number(id, kind: kind, input: input, agreement: agreement, principal: principal, at: now)
        } catch {
            await numbering.unlock(id)
            throw error
        }
        await numbering.unlock(id)
        await trail.wakeup.signal()
        if send { await push(JITWire(space: id, contributions: [made.1]), to: agreement, kind: "jit-contributions") }
        return made.0
    }

    private func number(
        _ id: String, kind: JITContribution.Kind, input: JITContributionInput, agreement: JITAgreement, principal: Principal?, at now: Date
    ) async throws -> (JITContribution, SignedJITContribution) {
        for attempt in 0..<20 {
            let sequence = (try await store.highest(space: id)[ownAgencyCode] ?? 0) + 1
            let contribution = JITContribution(
                id: UUIDv7.make(at: now).uuidString.lowercased(), space: id, author: ownAgencyCode, sequence: sequence, kind: kind, title: input.title,
                text: input.text ?? "", entity: input.entity, task: input.task, evaluation: input.evaluation, file: input.file, newPeriod: input.newPeriod,
                refersTo: input.refersTo, supersedes: input.supersedes,
                createdBy: principal?.username ?? "system", createdAt: now
            )
            try contribution.validate()
            let signed = try SignedJITContribution(contribution, signingKey: keys.signing)
            let event = trail.event(.jitContributed, actor: actor(principal), role: principal?.role.rawValue, subject: "jit:\(id)",
                                    recipients: agreement.agencies.filter { $0 != ownAgencyCode },
                                    details: Self.details(contribution, sha256: Self.sha256(signed.document)))
            do {
                try await store.saveContribution(space: id, id: contribution.id, author: ownAgencyCode, sequence: sequence, kind: kind.rawValue, createdAt: now,
                                                 document: signed.document, signature: signed.signature, audit: [event], at: now)
                return (contribution, signed)
            } catch let error as LiaisonError where error.code == .conflict && attempt < 19 {
                continue  // another replica took the position meanwhile: number again
            }
        }
        throw LiaisonError(.conflict, "Could not number the contribution; try again.")
    }

    // MARK: Reading

    func list(principal: Principal?) async throws -> [JITSpaceView] {
        var views: [JITSpaceView] = []
        for space in try await store.spaces() { views.append(try await view(space.id, principal: principal, withContributions: false)) }
        return views
    }

    func view(_ id: String, principal: Principal?, withContributions: Bool = true) async throws -> JITSpaceView {
        let (agreement, _) = try await load(id)
        let signatures = try await store.signatures(space: id)
        let stored = try await store.contributions(space: id)
        var contributions: [JITSpaceView.Contribution] = []
        var files: [JITSpaceView.FileView] = []
        var pending: [JITSpaceView.PendingExtension] = []
        var ledger: [JITSpaceView.LedgerEntry]?
        if withContributions {
            let decoded = stored.compactMap { item in Data(base64Encoded: item.document).flatMap { try? JSON.decoder.decode(JITContribution.self, from: $0) } }
            let replaced = Set(decoded.compactMap(\.supersedes))
            contributions = decoded.filter { $0.kind != .download }.sorted { ($0.createdAt, $0.author, $0.sequence) < ($1.createdAt, $1.author, $1.sequence) }
                .map { JITSpaceView.Contribution(contribution: $0, superseded: replaced.contains($0.id)) }
            for item in decoded.filter({ $0.kind == .file }).sorted(by: { $0.createdAt > $1.createdAt }) {
                guard let file = item.file else { continue }
                files.append(.init(contribution: item.id, author: item.author, title: item.title, name: file.name, mediaType: file.mediaType, size: file.size,
                                   sha256: file.sha256, uploadedBy: item.createdBy, uploadedAt: item.createdAt,
                                   chunksHeld: try await store.chunkIndexes(file: file.id).count, chunks: file.chunks.count))
            }
            pending = agreement.pendingExtensions(in: decoded).compactMap { item in
                item.proposal.newPeriod.map { .init(contribution: item.proposal.id, proposedBy: item.proposal.author, until: $0.until, reason: $0.reason, awaiting: item.awaiting) }
            }
            if AccessRule.jitLedgerReaders.admittedRoles.contains(principal?.role ?? .oversight) || principal == nil { ledger = Self.ledger(decoded) }
        }
        return JITSpaceView(
            id: id, agreement: agreement, status: try await status(of: agreement, at: clock.now()),
            signedBy: agreement.agencies.filter { signatures[$0] != nil }, awaiting: agreement.agencies.filter { signatures[$0] == nil },
            digest: SignedJITContribution.digest(stored.map { ($0.author, $0.sequence, $0.signature) }), contributions: contributions,
            tasksDue: Self.tasksDue(contributions, at: clock.now()), files: files, pendingExtensions: pending,
            disposition: try await store.disposition(space: id).map { .init(disposition: $0.disposition, appliedAt: $0.appliedAt) }, ledger: ledger
        )
    }

    /// The open tasks of the current contributions that have a due date, soonest first.
    static func tasksDue(_ contributions: [JITSpaceView.Contribution], at now: Date) -> [JITSpaceView.TaskDue] {
        contributions.filter { !$0.superseded }.compactMap { item -> JITSpaceView.TaskDue? in
            guard let task = item.contribution.task, task.status == .open, let due = task.due else { return nil }
            return .init(contribution: item.contribution.id, title: item.contribution.title, owner: task.owner, agency: task.agency, due: due, overdue: due < now)
        }.sorted { $0.due < $1.due }
    }

    /// The evaluation at closing: counts from the space and each party's latest answers.
    func evaluation(_ id: String, principal: Principal?) async throws -> JITEvaluationReport {
        let space = try await view(id, principal: principal)
        let current = space.contributions.filter { !$0.superseded }.map(\.contribution)
        var counts: [String: [String: Int]] = [:]
        var tasks: [String: Int] = [:]
        var answers: [String: JITEvaluationReport.Answer] = [:]
        for contribution in current where contribution.kind != .consent {
            counts[contribution.author, default: [:]][contribution.kind.rawValue, default: 0] += 1
            if let task = contribution.task { tasks[task.status.rawValue, default: 0] += 1 }
            if contribution.kind == .evaluation, let given = contribution.evaluation {
                if let earlier = answers[contribution.author], earlier.at > contribution.createdAt { continue }
                answers[contribution.author] = .init(agency: contribution.author, by: contribution.createdBy, at: contribution.createdAt, answers: given)
            }
        }
        let given = space.agreement.agencies.compactMap { answers[$0] }
        return JITEvaluationReport(
            name: space.agreement.name, purpose: space.agreement.purpose, from: space.agreement.validFrom, until: space.agreement.endsAt, status: space.status,
            parties: space.agreement.parties, contributions: counts, tasks: tasks, sharedEntities: JITAnalysis(space.contributions).shared.map(\.name),
            answers: given, awaiting: space.agreement.agencies.filter { answers[$0] == nil },
            totals: ["arrests": given.reduce(0) { $0 + $1.answers.arrests }, "convictions": given.reduce(0) { $0 + $1.answers.convictions },
                     "victimsIdentified": given.reduce(0) { $0 + $1.answers.victimsIdentified }]
        )
    }

    /// The shared entity graph of a space.
    func analysis(_ id: String, principal: Principal?) async throws -> JITAnalysis {
        JITAnalysis(try await view(id, principal: principal).contributions)
    }

    func status(of agreement: JITAgreement, at now: Date) async throws -> JITSpaceView.Status {
        let signatures = try await store.signatures(space: agreement.id)
        if now >= agreement.endsAt { return .closed }
        guard agreement.agencies.allSatisfy({ signatures[$0] != nil }) else { return .proposed }
        return now < agreement.validFrom ? .pending : .active
    }

    /// The agreement with the extensions in force, and its signed document.
    func load(_ id: String) async throws -> (JITAgreement, String) {
        guard let space = try await store.space(id) else { throw LiaisonError(.notFound, "No JIT space \(id) on this node.") }
        return (try await effective(try SignedJITAgreement.restored(document: space.document, signatures: [:]).agreement()), space.document)
    }

    /// An agreement with the extensions every party consented to.
    func effective(_ agreement: JITAgreement, adding more: [JITContribution] = []) async throws -> JITAgreement {
        let kinds = [JITContribution.Kind.extension.rawValue, JITContribution.Kind.consent.rawValue]
        let stored = try await store.contributions(space: agreement.id, kinds: kinds)
            .compactMap { Data(base64Encoded: $0.document).flatMap { try? JSON.decoder.decode(JITContribution.self, from: $0) } }
        return agreement.extended(by: stored + more)
    }

    // MARK: Replication

    /// Asks every other member for what this node lacks of each space it holds (signatures and
    /// contributions), and stores what verifies.
    /// - Returns: how many contributions and signatures arrived.
    @discardableResult
    func catchUp() async -> Int {
        var arrived = 0
        guard let spaces = try? await store.spaces() else { return 0 }
        for space in spaces {
            guard let agreement = try? SignedJITAgreement.restored(document: space.document, signatures: [:]).agreement() else { continue }
            for agency in agreement.agencies where agency != ownAgencyCode {
                do {
                    arrived += try await catchUp(space.id, from: agency, agreement: agreement)
                } catch {
                    logger.debug("JIT catch-up failed", metadata: ["space": "\(space.id)", "partner": "\(agency)", "error": "\(error)"])
                }
            }
            arrived += await fetchMissingFiles(space.id)
        }
        return arrived
    }

    private func catchUp(_ id: String, from agency: String, agreement: JITAgreement) async throws -> Int {
        guard let partner = try await federation.partner(agency) else { return 0 }
        let have = try await store.highest(space: id)
        let request = JITWire(space: id, signatures: try await store.signatures(space: id), have: have)
        let answer = try await envelopes.exchange(try JSON.encoder.encode(request), kind: "jit-sync", answerKind: "jit-answer", to: partner,
                                                  path: "/federation/v1/jit", postQuantum: false, clients: clients, maximumAnswerBytes: 256 << 20)
        let wire = try JSON.decoder.decode(JITWire.self, from: answer)
        return try await ingest(wire, from: agency, agreement: agreement)
    }

    /// Handles a member's envelope: an agreement, signatures, contributions, or a catch-up request.
    /// - Throws: ``LiaisonError`` `.notAMember` (403) for a sender that is not a party, logged.
    func receive(_ envelope: Envelope) async throws -> Envelope {
        let (header, payload, partner) = try await envelopes.open(envelope, maximumAge: Self.maximumEnvelopeAge)
        guard let wire = try? JSON.decoder.decode(JITWire.self, from: payload) else { throw LiaisonError(.invalidInput, "The envelope does not carry a JIT payload.") }
        let sender = header.sender
        var answer = JITWire(space: wire.space)
        switch header.kind {
        case "jit-agreement":
            guard let signed = wire.agreement else { throw LiaisonError(.invalidInput, "agreement: missing") }
            guard (try? signed.agreement().id) == wire.space else { throw LiaisonError(.invalidInput, "The agreement's id does not match its envelope.") }
            try await adopt(signed, from: sender)
        case "jit-signature", "jit-contributions":
            let (agreement, _) = try await loadForPartner(wire.space, sender: sender)
            _ = try await ingest(wire, from: sender, agreement: agreement)
        case "jit-sync":
            let (agreement, document) = try await loadForPartner(wire.space, sender: sender)
            _ = try await ingest(JITWire(space: wire.space, signatures: wire.signatures), from: sender, agreement: agreement)
            let stored = try await store.contributions(space: wire.space, after: wire.have ?? [:], limit: 10_000)
            answer.contributions = stored.map { SignedJITContribution(document: $0.document, signature: $0.signature) }
            answer.signatures = try await store.signatures(space: wire.space)
            answer.agreement = SignedJITAgreement.restored(document: document, signatures: answer.signatures ?? [:])
        case "jit-chunk":
            _ = try await loadForPartner(wire.space, sender: sender)
            guard let file = wire.file, let index = wire.chunk else { throw LiaisonError(.invalidInput, "file, chunk: name the file and the chunk.") }
            guard try await manifest(space: wire.space, file: file) != nil, let chunk = try await store.chunk(file: file, index: index) else {
                throw LiaisonError(.notFound, "No chunk \(index) of file \(file) in JIT space \(wire.space) on \(ownAgencyCode).")
            }
            answer.file = file
            answer.chunk = index
            answer.content = chunk.content.base64EncodedString()
        default:
            throw LiaisonError(.wrongKind, "JIT envelopes are jit-agreement, jit-signature, jit-contributions, jit-sync or jit-chunk, not \(header.kind).")
        }
        await trail.wakeup.signal()
        return try envelopes.seal(try JSON.encoder.encode(answer), kind: "jit-answer", to: partner, postQuantum: false)
    }

    /// Takes up an agreement a party proposed (sent over the exchange, or handed over when the
    /// demo seeds its nodes): checks it names this node, is valid and carries its proposer's
    /// signature, stores it with the signatures that verify.
    func adopt(_ signed: SignedJITAgreement, from sender: String) async throws {
        let agreement = try signed.agreement()
        guard agreement.proposedBy == sender else { throw LiaisonError(.invalidInput, "The agreement's proposer does not match its sender.") }
        try await requireMember(sender, of: agreement, space: agreement.id)
        guard agreement.agencies.contains(ownAgencyCode) else { throw LiaisonError(.invalidInput, "\(ownAgencyCode) is not a party to this agreement.") }
        try agreement.validate()
        guard let key = try await signingKey(of: sender), signed.isSigned(by: sender, key: key) else {
            try await refuse(sender, space: agreement.id, why: "an agreement without its proposer's valid signature", alert: true)
        }
        let event = AuditEvent(time: clock.now(), operation: .jitProposed, actor: "node:\(sender)", subject: "jit:\(agreement.id)", recipients: [ownAgencyCode],
                               details: ["name": agreement.name])
        try await store.saveSpace(id: agreement.id, name: agreement.name, document: signed.document, proposedBy: sender, audit: [event], at: clock.now())
        _ = try await ingest(JITWire(space: agreement.id, signatures: signed.signatures), from: sender, agreement: agreement)
    }

    /// The agreement as this node holds it, with every signature it has.
    func signedAgreement(_ id: String) async throws -> SignedJITAgreement {
        let (_, document) = try await load(id)
        return SignedJITAgreement.restored(document: document, signatures: try await store.signatures(space: id))
    }

    /// Stores signatures of an agreement this node holds (from a catch-up, or the demo's seeding).
    func takeSignatures(_ signatures: [String: String], space id: String, from sender: String) async throws {
        let (agreement, _) = try await load(id)
        _ = try await ingest(JITWire(space: id, signatures: signatures), from: sender, agreement: agreement)
    }

    /// Stores what a member sent after checking each signature against its signer's pinned key.
    /// A forged contribution is refused, logged and alerted; the rest of the batch still counts.
    private func ingest(_ wire: JITWire, from sender: String, agreement: JITAgreement) async throws -> Int {
        try await loadKeys(agreement)
        let now = clock.now()
        var arrived = 0
        let space = try await store.space(agreement.id)
        for (agency, signature) in (wire.signatures ?? [:]).sorted(by: { $0.key < $1.key }) where agreement.agencies.contains(agency) && agency != ownAgencyCode {
            guard let document = space?.document, let key = try await signingKey(of: agency),
                  SignedJITAgreement.verify(signature: signature, document: document, key: key) else {
                try? await refuseQuietly(sender, space: agreement.id, why: "a signature of \(agency) that does not verify", alert: true)
                continue
            }
            let event = AuditEvent(time: now, operation: .jitSigned, actor: "node:\(sender)", subject: "jit:\(agreement.id)", details: ["agency": agency])
            if try await store.saveSignature(space: agreement.id, agency: agency, signature: signature, audit: [event], at: now) { arrived += 1 }
        }
        var forged = 0
        var verified: [(SignedJITContribution, JITContribution)] = []
        for signed in wire.contributions ?? [] {
            let contribution: JITContribution
            do {
                contribution = try signed.verified { author in
                    guard agreement.agencies.contains(author), let key = try? keyFor(author) else {
                        throw LiaisonError(.badSignature, "\(author) is not a party to this JIT.")
                    }
                    return key
                }
                try contribution.validate()
            } catch {
                forged += 1
                continue
            }
            guard contribution.space == agreement.id, contribution.author != ownAgencyCode else { continue }
            verified.append((signed, contribution))
        }
        // Extensions and consents first, in the order they were made: the period they extend
        // decides whether the rest still falls within it.
        verified.sort { ($0.1.kind.changesPeriod ? 0 : 1, $0.1.createdAt) < ($1.1.kind.changesPeriod ? 0 : 1, $1.1.createdAt) }
        var effective = try await effective(agreement)
        let disposed = try await store.disposition(space: agreement.id)
        for (signed, contribution) in verified {
            guard effective.accepts(contribution.kind, at: contribution.createdAt) else { continue }
            if let disposed, disposed.disposition == JITAgreement.Disposition.returnToContributors.rawValue, !Self.keptAtDisposition.contains(contribution.kind) { continue }
            var details = Self.details(contribution, sha256: Self.sha256(signed.document))
            details["author"] = contribution.author
            let event = AuditEvent(time: now, operation: .jitContributed, actor: "node:\(sender)", subject: "jit:\(agreement.id)", details: details)
            do {
                if try await store.saveContribution(space: agreement.id, id: contribution.id, author: contribution.author, sequence: contribution.sequence,
                                                    kind: contribution.kind.rawValue, createdAt: contribution.createdAt, document: signed.document,
                                                    signature: signed.signature, audit: [event], at: now) {
                    arrived += 1
                    if contribution.kind.changesPeriod { effective = try await self.effective(agreement) }
                }
            } catch let error as LiaisonError where error.code == .conflict {
                try? await refuseQuietly(sender, space: agreement.id, why: "a second contribution at \(contribution.author)'s position \(contribution.sequence)", alert: true)
            }
        }
        if forged > 0 {
            try await refuse(sender, space: agreement.id, why: "\(forged) contribution(s) whose signature does not verify", alert: true)
        }
        return arrived
    }

    /// The pinned (or own) signing key of a party.
    private func signingKey(of agency: String) async throws -> Curve25519.Signing.PublicKey? {
        if agency == ownAgencyCode { return keys.signing.publicKey }
        guard let partner = try await federation.partner(agency) else { return nil }
        return try? PartnerKeys.of(partner.identity).signing
    }

    /// Keys of the parties, looked up synchronously from a snapshot taken per call.
    private func keyFor(_ agency: String) throws -> Curve25519.Signing.PublicKey {
        guard let key = partnerKeys.withLock({ $0[agency] }) ?? (agency == ownAgencyCode ? keys.signing.publicKey : nil) else {
            throw LiaisonError(.badSignature, "no pinned key for \(agency)")
        }
        return key
    }

    func loadForPartner(_ id: String, sender: String) async throws -> (JITAgreement, String) {
        guard let space = try await store.space(id) else {
            try await refuse(sender, space: id, why: "a space this node does not hold", alert: false)
        }
        let agreement = try SignedJITAgreement.restored(document: space.document, signatures: [:]).agreement()
        try await requireMember(sender, of: agreement, space: id)
        try await loadKeys(agreement)
        return (agreement, space.document)
    }

    private func requireMember(_ sender: String, of agreement: JITAgreement, space: String) async throws {
        guard agreement.agencies.contains(sender) else {
            try await refuse(sender, space: space, why: "a request from an agency that is not a party", alert: false)
        }
        try await loadKeys(agreement)
    }

    private func loadKeys(_ agreement: JITAgreement) async throws {
        for agency in agreement.agencies where agency != ownAgencyCode {
            if let key = try await signingKey(of: agency) { partnerKeys.withLock { $0[agency] = key } }
        }
    }

    /// Logs a refusal (and raises an alert for what looks like forgery), then throws.
    private func refuse(_ sender: String, space: String, why: String, alert: Bool) async throws -> Never {
        try await refuseQuietly(sender, space: space, why: why, alert: alert)
        throw LiaisonError(alert ? .badSignature : .notAPartner, "Refused by \(ownAgencyCode): \(why) (JIT space \(space)).")
    }

    func refuseQuietly(_ sender: String, space: String, why: String, alert: Bool) async throws {
        await trail.record(AuditEvent(time: clock.now(), operation: .jitRefused, outcome: .denied, actor: "node:\(sender)", subject: "jit:\(space)", details: ["reason": why]))
        if alert { try await alerts.raise(kind: "jit-forgery", source: sender, detail: "JIT space \(space): \(why)", at: clock.now()) }
    }

    /// Sends a payload to every other party at once; a member that cannot be reached catches up
    /// later (``catchUp()``).
    private func push(_ wire: JITWire, to agreement: JITAgreement, kind: String) async {
        guard let payload = try? JSON.encoder.encode(wire) else { return }
        await withTaskGroup(of: Void.self) { group in
            for agency in agreement.agencies where agency != ownAgencyCode {
                group.addTask {
                    do {
                        guard let partner = try await federation.partner(agency) else { return }
                        _ = try await envelopes.exchange(payload, kind: kind, answerKind: "jit-answer", to: partner, path: "/federation/v1/jit",
                                                         postQuantum: false, clients: clients, maximumAnswerBytes: 1 << 20)
                    } catch {
                        logger.notice("JIT push failed; the member catches up later", metadata: ["space": "\(agreement.id)", "partner": "\(agency)", "error": "\(error)"])
                    }
                }
            }
        }
    }

    func actor(_ principal: Principal?) -> String { principal.map { "user:\($0.username)" } ?? "system" }

    static func sha256(_ base64: String) -> String { SHA256.hash(data: Data(base64Encoded: base64) ?? Data()).lowercaseHex }

    let partnerKeys = KeyCache()
    /// Numbering of this node's contributions, one at a time per space.
    let numbering = KeyedLock()
}

/// A lock per key (a JIT space), for async code: waiters run in the order they came.
actor KeyedLock {
    private var held: Set<String> = []
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    func lock(_ key: String) async {
        guard !held.insert(key).inserted else { return }
        await withCheckedContinuation { waiting[key, default: []].append($0) }
    }

    func unlock(_ key: String) {
        guard var queue = waiting[key], !queue.isEmpty else {
            held.remove(key)
            return
        }
        let next = queue.removeFirst()
        waiting[key] = queue.isEmpty ? nil : queue
        next.resume()
    }
}

/// Pinned keys of the parties, for verifying inside synchronous closures.
final class KeyCache: Sendable {
    private let keys = Mutex<[String: Curve25519.Signing.PublicKey]>([:])
    func withLock<T: Sendable>(_ body: (inout sending [String: Curve25519.Signing.PublicKey]) -> sending T) -> T { keys.withLock(body) }
}

/// What JIT envelopes carry between members.
struct JITWire: Codable, Sendable {
    var space: String
    var agreement: SignedJITAgreement?
    var signatures: [String: String]?
    var contributions: [SignedJITContribution]?
    /// For a catch-up: the highest sequence held of each author.
    var have: [String: Int]?
    /// For a chunk: the file, the chunk's index, and (in the answer) its content, base64.
    var file: String?
    var chunk: Int?
    var content: String?

    init(space: String, agreement: SignedJITAgreement? = nil, signatures: [String: String]? = nil, contributions: [SignedJITContribution]? = nil, have: [String: Int]? = nil,
         file: String? = nil, chunk: Int? = nil) {
        self.space = space
        self.agreement = agreement
        self.signatures = signatures
        self.contributions = contributions
        self.have = have
        self.file = file
        self.chunk = chunk
    }
}
