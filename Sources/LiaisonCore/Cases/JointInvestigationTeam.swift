#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A joint investigation team's agreement, as the model agreement lays it out (Council Resolution
/// 2017/C 18/01, Appendix I revised by 2022/C 44/01): the parties and their leaders, the purpose,
/// the period and its extensions, the states where the team operates, the members, seconded
/// members and participants, the operational action plan, and the rules for using information and
/// evidence. Every party's node signs it; it opens one JIT space, which its end date closes.
public struct JITAgreement: Codable, Sendable, Equatable {
    public struct Party: Codable, Sendable, Equatable {
        /// The agency's code (a partner's, or this node's own).
        public var agency: String
        /// The leader of the team for this party (model agreement Art. 4).
        public var leader: String

        public init(agency: String, leader: String) {
            self.agency = agency
            self.leader = leader
        }
    }

    public struct Member: Codable, Sendable, Equatable {
        public var agency: String
        public var name: String
        /// A seconded member works in a state other than their own (model agreement Art. 6).
        public var seconded: Bool

        public init(agency: String, name: String, seconded: Bool = false) {
            self.agency = agency
            self.name = name
            self.seconded = seconded
        }
    }

    /// Participants who are not parties (model agreement Art. 7–8): Union bodies and third states.
    public struct Participant: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable, CaseIterable { case europol, eurojust, olaf, eppo, thirdState = "third-state", other }
        public var kind: Kind
        public var name: String

        public init(kind: Kind, name: String) {
            self.kind = kind
            self.name = name
        }
    }

    public struct Extension: Codable, Sendable, Equatable {
        public var until: Date
        public var reason: String

        public init(until: Date, reason: String) {
            self.until = until
            self.reason = reason
        }
    }

    /// What becomes of the space when the agreement ends.
    public enum Disposition: String, Codable, Sendable, CaseIterable {
        /// Each member keeps its own contributions; the copies of others' are erased.
        case returnToContributors = "return-to-contributors"
        /// Each member keeps the whole space, read-only, for the proceedings.
        case keepReadOnly = "keep-read-only"
    }

    public var id: String
    /// The team's name or reference ("JIT Northern Tobacco").
    public var name: String
    public var purpose: String
    public var parties: [Party]
    /// The states where the team operates (ISO 3166 or the federation's jurisdiction codes); the
    /// law of the state of operation applies (model agreement Art. 3).
    public var statesOfOperation: [String]
    public var members: [Member]
    public var participants: [Participant]
    public var validFrom: Date
    public var validUntil: Date
    public var extensions: [Extension]
    public var operationalActionPlan: String
    /// How the members may use the information shared in the team (model agreement Art. 11).
    public var informationRules: String
    /// How evidence gathered by the team is handled (model agreement Art. 12).
    public var evidenceRules: String
    public var disposition: Disposition
    /// The party whose node proposed it.
    public var proposedBy: String
    public var proposedAt: Date

    public init(
        id: String, name: String, purpose: String, parties: [Party], statesOfOperation: [String], members: [Member] = [], participants: [Participant] = [],
        validFrom: Date, validUntil: Date, operationalActionPlan: String, informationRules: String, evidenceRules: String,
        disposition: Disposition = .keepReadOnly, proposedBy: String, proposedAt: Date
    ) {
        self.id = id
        self.name = name
        self.purpose = purpose
        self.parties = parties
        self.statesOfOperation = statesOfOperation
        self.members = members
        self.participants = participants
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.extensions = []
        self.operationalActionPlan = operationalActionPlan
        self.informationRules = informationRules
        self.evidenceRules = evidenceRules
        self.disposition = disposition
        self.proposedBy = proposedBy
        self.proposedAt = proposedAt
    }

    /// The agencies that are parties.
    public var agencies: [String] { parties.map(\.agency) }

    /// The end of the period, with its extensions.
    public var endsAt: Date { extensions.map(\.until).max().map { max($0, validUntil) } ?? validUntil }

    /// How long after the end the parties may still answer the evaluation.
    public static let evaluationPeriod: TimeInterval = 90 * 86_400

    /// Whether a contribution dated `date` belongs in the space: within the period; an
    /// evaluation within ``evaluationPeriod`` after it; a download's ledger entry at any time (the
    /// traceability record of Reg. (EU) 2023/969 does not end with the period).
    public func accepts(_ kind: JITContribution.Kind, at date: Date) -> Bool {
        switch kind {
        case .evaluation: date < endsAt.addingTimeInterval(Self.evaluationPeriod)
        case .download: true
        default: date < endsAt
        }
    }

    /// The agreement with the extensions in force: those every party consented to (the model
    /// agreement: the period may be extended by mutual consent) — an extension contribution is its
    /// proposer's consent, a consent contribution naming it each other party's. Extensions are
    /// taken in the order they were proposed, each only if it was proposed and consented to
    /// before the period as then extended ended.
    public func extended(by contributions: [JITContribution]) -> JITAgreement {
        var result = self
        let consents = Dictionary(grouping: contributions.filter { $0.kind == .consent && $0.refersTo != nil }) { $0.refersTo ?? "" }
        let proposals = contributions.filter { $0.kind == .extension && $0.newPeriod != nil }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        for proposal in proposals {
            guard let period = proposal.newPeriod, agencies.contains(proposal.author), proposal.createdAt < result.endsAt, period.until > result.endsAt else { continue }
            let given = (consents[proposal.id] ?? []).filter { $0.createdAt < result.endsAt }.map(\.author)
            guard Set(agencies).isSubset(of: Set(given + [proposal.author])) else { continue }
            result.extensions.append(period)
        }
        return result
    }

    /// The extensions proposed and not (yet) consented to by every party, with who still has to.
    public func pendingExtensions(in contributions: [JITContribution]) -> [(proposal: JITContribution, awaiting: [String])] {
        let inForce = extended(by: contributions)
        return contributions.filter { $0.kind == .extension }.compactMap { proposal in
            guard let period = proposal.newPeriod, !inForce.extensions.contains(period) else { return nil }
            let given = Set(contributions.filter { $0.kind == .consent && $0.refersTo == proposal.id }.map(\.author) + [proposal.author])
            return (proposal, agencies.filter { !given.contains($0) })
        }
    }

    /// Whether a date falls within the period.
    public func isInForce(at date: Date) -> Bool { validFrom <= date && date < endsAt }

    /// The longest period one agreement may run before it is extended (model agreement practice:
    /// a fixed period, extended by the parties' mutual consent).
    public static let maximumPeriod: TimeInterval = 5 * 366 * 86_400

    /// Checks an agreement before it is signed or stored.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
    public func validate() throws(LiaisonError) {
        try TextRules.checkLine(name, "name", maximum: 200)
        guard name.filter({ !$0.isWhitespace }).count >= 3 else { throw LiaisonError(.invalidInput, "name: give the team a name of at least 3 characters.") }
        try TextRules.checkText(purpose, "purpose")
        guard purpose.filter({ !$0.isWhitespace }).count >= 10, purpose.count <= 10_000 else {
            throw LiaisonError(.invalidInput, "purpose: state the team's purpose (model agreement Art. 2) in 10 to 10,000 characters.")
        }
        guard parties.count >= 2 else { throw LiaisonError(.invalidInput, "parties: a joint investigation team has at least two parties.") }
        guard parties.count <= 30, Set(agencies).count == parties.count else { throw LiaisonError(.invalidInput, "parties: each agency once, at most 30.") }
        for party in parties {
            try TextRules.checkLine(party.agency, "parties.agency", maximum: 40)
            try TextRules.checkLine(party.leader, "parties.leader", maximum: 200)
            guard !party.agency.isEmpty else { throw LiaisonError(.invalidInput, "parties.agency: name the agency.") }
            guard party.leader.filter({ !$0.isWhitespace }).count >= 2 else {
                throw LiaisonError(.invalidInput, "parties.leader: name the leader of the team for \(party.agency) (model agreement Art. 4).")
            }
        }
        guard agencies.contains(proposedBy) else { throw LiaisonError(.invalidInput, "parties: the proposing agency \(proposedBy) must be a party.") }
        guard !statesOfOperation.isEmpty, statesOfOperation.count <= 30 else {
            throw LiaisonError(.invalidInput, "statesOfOperation: name the state or states where the team operates (model agreement Art. 3).")
        }
        for state in statesOfOperation { try TextRules.checkLine(state, "statesOfOperation", maximum: 40) }
        guard validUntil > validFrom else { throw LiaisonError(.invalidInput, "validUntil: the period must end after it starts.") }
        guard validUntil.timeIntervalSince(validFrom) <= Self.maximumPeriod else {
            throw LiaisonError(.invalidInput, "validUntil: at most 5 years after validFrom; extend the agreement when it ends.")
        }
        guard members.count <= 500 else { throw LiaisonError(.invalidInput, "members: at most 500.") }
        for member in members {
            guard agencies.contains(member.agency) else { throw LiaisonError(.invalidInput, "members: \(member.agency) is not a party.") }
            try TextRules.checkLine(member.name, "members.name", maximum: 200)
        }
        for participant in participants { try TextRules.checkLine(participant.name, "participants.name", maximum: 200) }
        for (field, text) in [("operationalActionPlan", operationalActionPlan), ("informationRules", informationRules), ("evidenceRules", evidenceRules)] {
            try TextRules.checkText(text, field)
            guard text.filter({ !$0.isWhitespace }).count >= 3, text.count <= 50_000 else {
                throw LiaisonError(.invalidInput, "\(field): write it (3 to 50,000 characters).")
            }
        }
        for item in extensions {
            guard item.until > validUntil else { throw LiaisonError(.invalidInput, "extensions: an extension ends after the period it extends.") }
            try TextRules.checkText(item.reason, "extensions.reason")
        }
    }
}

/// One member's contribution to a JIT space: signed by the contributing node, append-only per
/// member (its `sequence` counts that member's contributions from 1), a later edit a new version
/// that names the one it replaces.
public struct JITContribution: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case note, entity, link, task, decision, minutes
        /// A party's answers to the evaluation at closing (Eurojust's JIT evaluation form).
        case evaluation
        /// A file: its manifest (the content moves in chunks, each named by its SHA-256). The
        /// upload's entry in the space's ledger.
        case file
        /// A member's download of a file: its entry in the ledger (who, when, which SHA-256), the
        /// traceability record of every upload and download that Reg. (EU) 2023/969 asks for.
        case download
        /// A party proposes to extend the period (the model agreement's period clause: by mutual consent); it is its consent.
        case `extension`
        /// Another party's consent to an extension (`refersTo` names it).
        case consent
    }

    /// A file shared in the space: what its author's node signs, so that every member checks
    /// each chunk it receives against it.
    public struct FileManifest: Codable, Sendable, Equatable {
        /// The bytes of every chunk but the last.
        public static let chunkSize = 4 << 20

        /// The file's id (its chunks are stored and fetched under it).
        public var id: String
        public var name: String
        public var mediaType: String
        public var size: Int
        /// SHA-256 of the whole content, lower-case hex.
        public var sha256: String
        /// SHA-256 of each chunk in order.
        public var chunks: [String]

        public init(id: String, name: String, mediaType: String, size: Int, sha256: String, chunks: [String]) {
            self.id = id
            self.name = name
            self.mediaType = mediaType
            self.size = size
            self.sha256 = sha256
            self.chunks = chunks
        }

        /// How many chunks a file of `size` bytes has.
        public static func chunkCount(size: Int) -> Int { size <= 0 ? 0 : (size - 1) / chunkSize + 1 }

        /// Checks a manifest's shape.
        /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
        public func validate() throws(LiaisonError) {
            try TextRules.checkLine(id, "file.id", maximum: 64)
            try Self.checkName(name)
            try TextRules.checkLine(mediaType, "file.mediaType", maximum: 200)
            guard size >= 0, chunks.count == Self.chunkCount(size: size) else {
                throw LiaisonError(.invalidInput, "file.chunks: a file of \(size) bytes has \(Self.chunkCount(size: size)) chunks of \(Self.chunkSize) bytes.")
            }
            for digest in [sha256] + chunks where !Self.isDigest(digest) {
                throw LiaisonError(.invalidInput, "file.sha256: a SHA-256 is 64 lower-case hex digits.")
            }
        }

        /// A file name as a user gives it: one line, no path.
        public static func checkName(_ name: String) throws(LiaisonError) {
            try TextRules.checkLine(name, "file.name", maximum: 255)
            guard !name.allSatisfy(\.isWhitespace), !name.contains("/"), !name.contains("\\"), name != ".", name != ".." else {
                throw LiaisonError(.invalidInput, "file.name: a file name without a path (no / or \\), 1 to 255 characters.")
            }
        }

        static func isDigest(_ text: String) -> Bool {
            text.utf8.count == 64 && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
        }
    }

    /// A party's answers to Eurojust's JIT evaluation form: what worked, the legal and practical
    /// obstacles, and the results.
    public struct EvaluationAnswers: Codable, Sendable, Equatable {
        public var worked: String
        public var obstacles: String
        public var arrests: Int
        public var convictions: Int
        public var victimsIdentified: Int
        /// Assets and goods seized or frozen, in words (amounts with currency).
        public var seizures: String

        public init(worked: String, obstacles: String, arrests: Int, convictions: Int, victimsIdentified: Int, seizures: String) {
            self.worked = worked
            self.obstacles = obstacles
            self.arrests = arrests
            self.convictions = convictions
            self.victimsIdentified = victimsIdentified
            self.seizures = seizures
        }
    }

    public struct Task: Codable, Sendable, Equatable {
        public enum Status: String, Codable, Sendable, CaseIterable { case open, done, cancelled }
        public var owner: String
        public var agency: String
        public var due: Date?
        public var status: Status

        public init(owner: String, agency: String, due: Date?, status: Status = .open) {
            self.owner = owner
            self.agency = agency
            self.due = due
            self.status = status
        }
    }

    public var id: String
    /// The JIT agreement (and space) it belongs to.
    public var space: String
    /// The contributing party's agency code.
    public var author: String
    public var sequence: Int
    public var kind: Kind
    public var title: String
    public var text: String
    /// For entities and links: a FollowTheMoney entity (a link is an entity of a relationship
    /// schema such as Ownership or Associate).
    public var entity: MessageEntity?
    public var task: Task?
    public var evaluation: EvaluationAnswers?
    /// For a file: its manifest.
    public var file: FileManifest?
    /// For an extension: the new end of the period and why.
    public var newPeriod: JITAgreement.Extension?
    /// For a consent: the extension consented to; for a download: the file contribution.
    public var refersTo: String?
    /// The earlier contribution (by the same author) this one replaces.
    public var supersedes: String?
    /// The user at the contributing node.
    public var createdBy: String
    public var createdAt: Date

    public init(
        id: String, space: String, author: String, sequence: Int, kind: Kind, title: String, text: String, entity: MessageEntity? = nil,
        task: Task? = nil, evaluation: EvaluationAnswers? = nil, file: FileManifest? = nil, newPeriod: JITAgreement.Extension? = nil, refersTo: String? = nil,
        supersedes: String? = nil, createdBy: String, createdAt: Date
    ) {
        self.id = id
        self.space = space
        self.author = author
        self.sequence = sequence
        self.kind = kind
        self.title = title
        self.text = text
        self.entity = entity
        self.task = task
        self.evaluation = evaluation
        self.file = file
        self.newPeriod = newPeriod
        self.refersTo = refersTo
        self.supersedes = supersedes
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    /// Checks a contribution's own content.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
    public func validate() throws(LiaisonError) {
        guard sequence >= 1 else { throw LiaisonError(.invalidInput, "sequence: counts from 1.") }
        try TextRules.checkLine(title, "title", maximum: 300)
        guard title.filter({ !$0.isWhitespace }).count >= 2 else { throw LiaisonError(.invalidInput, "title: give the contribution a title.") }
        try TextRules.checkText(text, "text")
        guard text.count <= 100_000 else { throw LiaisonError(.invalidInput, "text: at most 100,000 characters.") }
        if kind == .entity || kind == .link {
            guard entity != nil else { throw LiaisonError(.invalidInput, "entity: an \(kind.rawValue) contribution carries a FollowTheMoney entity.") }
        }
        if kind == .task {
            guard let task else { throw LiaisonError(.invalidInput, "task: a task names its owner, agency and status.") }
            try TextRules.checkLine(task.owner, "task.owner", maximum: 200)
            guard !task.owner.allSatisfy(\.isWhitespace) else { throw LiaisonError(.invalidInput, "task.owner: name who does it.") }
        }
        if kind == .evaluation {
            guard let evaluation else { throw LiaisonError(.invalidInput, "evaluation: answer what worked, the obstacles and the results.") }
            for (field, text) in [("evaluation.worked", evaluation.worked), ("evaluation.obstacles", evaluation.obstacles), ("evaluation.seizures", evaluation.seizures)] {
                try TextRules.checkText(text, field)
                guard text.count <= 20_000 else { throw LiaisonError(.invalidInput, "\(field): at most 20,000 characters.") }
            }
            guard evaluation.worked.filter({ !$0.isWhitespace }).count >= 3 else { throw LiaisonError(.invalidInput, "evaluation.worked: say what worked.") }
            for (field, number) in [("evaluation.arrests", evaluation.arrests), ("evaluation.convictions", evaluation.convictions), ("evaluation.victimsIdentified", evaluation.victimsIdentified)] {
                guard (0...1_000_000).contains(number) else { throw LiaisonError(.invalidInput, "\(field): a count from 0 to 1,000,000.") }
            }
        }
        switch kind {
        case .file:
            guard let file else { throw LiaisonError(.invalidInput, "file: a file contribution carries the file's manifest.") }
            try file.validate()
        case .download, .consent:
            guard let refersTo, !refersTo.isEmpty else {
                throw LiaisonError(.invalidInput, "refersTo: name the \(kind == .download ? "file" : "extension") contribution.")
            }
            try TextRules.checkLine(refersTo, "refersTo", maximum: 64)
        case .extension:
            guard let newPeriod else { throw LiaisonError(.invalidInput, "newPeriod: give the new end of the period and the reason.") }
            try TextRules.checkText(newPeriod.reason, "newPeriod.reason")
            guard newPeriod.reason.filter({ !$0.isWhitespace }).count >= 3, newPeriod.reason.count <= 10_000 else {
                throw LiaisonError(.invalidInput, "newPeriod.reason: say why the team needs more time (3 to 10,000 characters).")
            }
        default:
            break
        }
        try TextRules.checkLine(createdBy, "createdBy", maximum: 200)
    }
}

extension JITContribution.Kind {
    /// Whether contributions of this kind can move the end of the period.
    public var changesPeriod: Bool { self == .extension || self == .consent }
}
