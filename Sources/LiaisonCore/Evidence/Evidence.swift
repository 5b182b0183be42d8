#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An item of evidence: an uploaded file or a described physical object, with who collected it,
/// when, where and under which legal authority.
public struct EvidenceItem: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case file, physical
    }

    /// The file's name, type, size and SHA-256 (lower-case hex).
    public struct File: Codable, Sendable, Equatable {
        public var name: String
        public var mediaType: String
        public var size: Int
        public var sha256: String

        public init(name: String, mediaType: String, size: Int, sha256: String) {
            self.name = name
            self.mediaType = mediaType
            self.size = size
            self.sha256 = sha256
        }
    }

    public var format = "liaison-evidence/1"
    /// UUIDv7.
    public var id: String
    /// The agency that registered the item.
    public var registeredBy: String
    public var caseRef: String
    public var description: String
    public var kind: Kind
    /// The person who collected it.
    public var collectedBy: String
    public var collectedAt: Date
    public var location: String
    /// The legal authority for the collection (warrant, order, statute).
    public var legalAuthority: String
    /// Set once the content is stored (files only).
    public var file: File?

    public init(
        id: String, registeredBy: String, caseRef: String, description: String, kind: Kind, collectedBy: String, collectedAt: Date,
        location: String, legalAuthority: String, file: File? = nil
    ) {
        self.id = id
        self.registeredBy = registeredBy
        self.caseRef = caseRef
        self.description = description
        self.kind = kind
        self.collectedBy = collectedBy
        self.collectedAt = collectedAt
        self.location = location
        self.legalAuthority = legalAuthority
        self.file = file
    }

    /// Checks the fields a person fills in.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the first empty field.
    public func validate() throws(LiaisonError) {
        for (name, value) in [("caseRef", caseRef), ("description", description), ("collectedBy", collectedBy), ("location", location), ("legalAuthority", legalAuthority)] {
            guard !value.allSatisfy(\.isWhitespace) else { throw LiaisonError(.invalidInput, "\(name): required") }
            guard value.count <= 2_000 else { throw LiaisonError(.invalidInput, "\(name): at most 2,000 characters") }
        }
    }
}

/// What happened to an item, as chain-of-custody practice records it.
public enum CustodyAction: String, Codable, Sendable, CaseIterable {
    case collected, sealed, transferred, received, examined, copied, returned, destroyed
}

/// One link of an item's chain of custody. Its canonical bytes (sorted-key JSON) are signed by the
/// acting node and their SHA-256 is recorded in that node's audit log.
public struct CustodyEvent: Codable, Sendable, Equatable {
    public var format = "liaison-custody-event/1"
    public var itemId: String
    /// 0 for the first event, then +1 each.
    public var sequence: Int
    public var action: CustodyAction
    /// The person who acted.
    public var actor: String
    /// The agency whose node signs the event.
    public var node: String
    public var time: Date
    public var place: String
    public var purpose: String
    /// For a transfer: the person or agency it went to.
    public var recipient: String?
    /// SHA-256 (hex) of the previous event's canonical bytes; for the first event, of the item's.
    public var previous: String
    /// The content's SHA-256 at this point, for files.
    public var contentSHA256: String?

    public init(
        itemId: String, sequence: Int, action: CustodyAction, actor: String, node: String, time: Date, place: String, purpose: String,
        recipient: String?, previous: String, contentSHA256: String?
    ) {
        self.itemId = itemId
        self.sequence = sequence
        self.action = action
        self.actor = actor
        self.node = node
        self.time = time
        self.place = place
        self.purpose = purpose
        self.recipient = recipient
        self.previous = previous
        self.contentSHA256 = contentSHA256
    }
}

extension CustodyEvent {
    /// Clocks may differ this much between the recorder and the node.
    public static let allowedClockSkew: TimeInterval = 300

    /// Checks that a person may record `action` after this event (the chain's last), at `time`.
    /// - Throws: ``LiaisonError`` `.conflict` once the chain is closed by `destroyed`,
    ///   `.invalidInput` naming the field otherwise.
    public func checkNext(
        _ action: CustodyAction, actor: String, place: String, purpose: String, recipient: String?, at time: Date, now: Date
    ) throws(LiaisonError) {
        guard self.action != .destroyed else { throw LiaisonError(.conflict, "Evidence item \(itemId) was destroyed; its chain is closed.") }
        guard action != .collected else { throw LiaisonError(.invalidInput, "action: an item is collected once, when it is registered.") }
        for (name, value) in [("actor", actor), ("place", place), ("purpose", purpose)] where value.allSatisfy(\.isWhitespace) {
            throw LiaisonError(.invalidInput, "\(name): required")
        }
        if [.transferred, .returned].contains(action), (recipient ?? "").allSatisfy(\.isWhitespace) {
            throw LiaisonError(.invalidInput, "recipient: name the person or agency the item went to")
        }
        guard time >= self.time, time <= now.addingTimeInterval(Self.allowedClockSkew) else {
            throw LiaisonError(.invalidInput, "time: a custody event comes after the previous one (\(self.time.formatted(.iso8601))) and not in the future")
        }
    }
}

