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

    /// Whether a contribution dated `date` belongs in the space: within the period, or an
    /// evaluation within ``evaluationPeriod`` after it.
    public func accepts(_ kind: JITContribution.Kind, at date: Date) -> Bool {
        kind == .evaluation ? date < endsAt.addingTimeInterval(Self.evaluationPeriod) : date < endsAt
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
    /// The earlier contribution (by the same author) this one replaces.
    public var supersedes: String?
    /// The user at the contributing node.
    public var createdBy: String
    public var createdAt: Date

    public init(
        id: String, space: String, author: String, sequence: Int, kind: Kind, title: String, text: String, entity: MessageEntity? = nil,
        task: Task? = nil, evaluation: EvaluationAnswers? = nil, supersedes: String? = nil, createdBy: String, createdAt: Date
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
        try TextRules.checkLine(createdBy, "createdBy", maximum: 200)
    }
}
