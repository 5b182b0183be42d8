public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What the policy decision point is asked: who wants to do what with which personal data, why,
/// and for whom.
public struct PolicyRequest: Sendable, Equatable {
    /// The kinds of reads and disclosures that ask first.
    public enum Action: String, Codable, Sendable, CaseIterable {
        /// Consulting personal data held by this node.
        case read
        /// A message to a partner.
        case disclose
        /// An answer to a partner's hit/no-hit query (references only).
        case hitNoHitAnswer = "hit-no-hit-answer"
        /// The data behind a hit, released on a follow-up request.
        case followUpRelease = "follow-up-release"
        /// An item of evidence handed over with its chain of custody.
        case evidenceTransfer = "evidence-transfer"
        /// Personal data leaving the node as a file.
        case export

        /// Whether the action sends data to another agency (and so needs an agreement).
        public var crossesBorder: Bool { self != .read && self != .export }

        /// Whether the action adds something new under a case (a closed case allows none).
        public var isNewUnderCase: Bool { crossesBorder }
    }

    public var action: Action
    /// The user asking, or `nil` for the node acting on its own (answering a partner's query).
    public var actor: Principal?
    /// This node's agency code.
    public var agency: String
    /// The agency the data would go to; `nil` for a local read or export.
    public var recipient: String?

    // What.
    public var dataCategories: Set<DataCategory>
    public var dataSubjectCategories: Set<DataSubjectCategory>
    public var specialCategories: Set<SpecialCategory>
    /// How many of the records are about minors.
    public var minors: Int
    /// How many records the request reads or discloses.
    public var recordCount: Int

    // Why.
    public var purpose: String
    public var legalBasis: String
    public var caseRef: String?
    /// Where the case named by ``caseRef`` stands on this node, when the caller looked it up (a
    /// user's new disclosure); `nil` where the reference is not this node's to check (a partner's
    /// case on a query the node answers, a message forwarded or released under the partner's
    /// reference).
    public var caseStanding: CaseStanding?
    /// The requester's written justification, needed where the rules ask for approval.
    public var justification: String?
    public var handlingCode: HandlingCode?

    public var at: Date

    public init(
        action: Action, actor: Principal?, agency: String, recipient: String?, dataCategories: Set<DataCategory>,
        dataSubjectCategories: Set<DataSubjectCategory>, specialCategories: Set<SpecialCategory> = [], minors: Int = 0, recordCount: Int,
        purpose: String, legalBasis: String, caseRef: String?, justification: String? = nil, handlingCode: HandlingCode? = nil, at: Date
    ) {
        self.action = action
        self.actor = actor
        self.agency = agency
        self.recipient = recipient
        self.dataCategories = dataCategories
        self.dataSubjectCategories = dataSubjectCategories
        self.specialCategories = specialCategories
        self.minors = minors
        self.recordCount = recordCount
        self.purpose = purpose
        self.legalBasis = legalBasis
        self.caseRef = caseRef
        self.justification = justification
        self.handlingCode = handlingCode
        self.at = at
    }

    /// Describes the entities of a message: their categories, special categories (declared, shown
    /// by their properties, or implied by a DNA or fingerprint category), minors and count.
    public mutating func describe(_ entities: [MessageEntity], carryingEvidence: Bool, minorAge: Int) {
        dataCategories = Message.dataCategories(of: entities, carryingEvidence: carryingEvidence)
        dataSubjectCategories = Set(entities.map(\.dataSubjectCategory))
        specialCategories = entities.reduce(into: Set<SpecialCategory>()) { $0.formUnion($1.revealedSpecialCategories) }
        minors = entities.filter { $0.isMinor(at: at, age: minorAge) }.count
        recordCount = max(1, entities.count)
    }
}

/// Where an approval for a request stands, as the decision point needs to know it.
public enum ApprovalStanding: Sendable, Equatable {
    /// Nobody has decided yet (or nobody was asked).
    case none
    case granted(by: String, reason: String)
    case refused(by: String, reason: String)
}
