#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An entity in the FollowTheMoney model (`{"id","schema","properties":{prop:[values]}}`),
/// with what Directive 2016/680 requires a transmission to say about it.
public struct MessageEntity: Codable, Sendable, Equatable {
    /// Whether the entity states facts or a personal assessment (Directive 2016/680 Art. 7(1)).
    public enum Nature: String, Codable, Sendable {
        case fact
        case assessment
    }

    public var id: String
    public var schema: String
    public var properties: [String: [String]]
    public var dataSubjectCategory: DataSubjectCategory
    public var nature: Nature
    /// Special categories of data the entity reveals (Directive 2016/680 Art. 10), as the sender
    /// declares them; ``revealedSpecialCategories`` adds those its properties show.
    public var specialCategories: [SpecialCategory]?

    public init(
        id: String, schema: String, properties: [String: [String]], dataSubjectCategory: DataSubjectCategory, nature: Nature,
        specialCategories: [SpecialCategory]? = nil
    ) {
        self.id = id
        self.schema = schema
        self.properties = properties
        self.dataSubjectCategory = dataSubjectCategory
        self.nature = nature
        self.specialCategories = specialCategories
    }

    /// The data categories the entity carries: its schema's, and those of identifier properties
    /// of another kind (a person's passport number is document data).
    public var carriedCategories: Set<DataCategory> {
        properties.reduce(into: [dataCategory]) { carried, property in
            if !property.value.isEmpty, let category = Self.propertyCategory(property.key) { carried.insert(category) }
        }
    }

    /// FollowTheMoney properties whose values are special-category data by their nature.
    static let specialProperties: [String: SpecialCategory] = [
        "ethnicity": .ethnicOrigin, "religion": .religion, "political": .politicalOpinions,
    ]

    /// The special categories the entity reveals: declared ones, and those its properties show
    /// (an `ethnicity`, `religion` or `political` value).
    public var revealedSpecialCategories: Set<SpecialCategory> {
        var revealed = Set(specialCategories ?? [])
        for (property, category) in Self.specialProperties where !(properties[property] ?? []).isEmpty {
            revealed.insert(category)
        }
        return revealed
    }

    /// Whether a `birthDate` property shows the person was under `age` at `date`. A year alone
    /// counts as a minor when the person could still be one (the safe reading).
    public func isMinor(at date: Date, age: Int = 18) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let today = calendar.dateComponents([.year, .month, .day], from: date)
        guard let year = today.year, let month = today.month, let day = today.day else { return false }
        for value in properties["birthDate"] ?? [] {
            let parts = value.prefix(10).split(separator: "-").compactMap { Int($0) }  // checked: parses text: nil when not a number
            guard let born = parts.first, (1000...9999).contains(born) else { continue }
            let bornMonth = parts.count > 1 ? parts[1] : 1
            let bornDay = parts.count > 2 ? parts[2] : 1
            var years = year - born
            if (month, day) < (bornMonth, bornDay) { years -= 1 }
            // With only a year (or year and month), the person may be up to a year younger.
            if years < age || (parts.count < 3 && years == age) { return true }
        }
        return false
    }

    /// The agreement data category of a property that is an identifier of another kind: an
    /// agreement that does not cover that category gets the entity without it.
    public static func propertyCategory(_ property: String) -> DataCategory? {
        switch property {
        case "passportNumber", "idNumber", "taxNumber", "socialSecurityNumber", "licenseNumber": .document
        case "phone": .phone
        case "iban", "accountNumber", "bankAccount": .bankAccount
        case "cryptoWallet", "walletAddress": .cryptoWallet
        // Liaison's property for an STR profile released after a DNA hit (the profile's loci in text form).
        case "dnaProfile": .dna
        default: nil
        }
    }

    /// The agreement data category an FtM schema falls under.
    public var dataCategory: DataCategory {
        switch schema {
        case "Person", "LegalEntity", "Company", "Organization", "Family", "Associate": return .person
        case "Vehicle", "Vessel", "Airplane": return .vehicle
        case "BankAccount": return .bankAccount
        case "CryptoWallet": return .cryptoWallet
        case "Passport", "Identification": return .document
        case "Phone": return .phone
        default: return .message
        }
    }
}

/// An attachment: content addressed by SHA-256, carried inside the envelope.
public struct MessageAttachment: Codable, Sendable, Equatable {
    public var name: String
    public var mediaType: String
    /// Lower-case hex SHA-256 of the content.
    public var sha256: String
    public var size: Int

    public init(name: String, mediaType: String, sha256: String, size: Int) {
        self.name = name
        self.mediaType = mediaType
        self.sha256 = sha256
        self.size = size
    }
}

/// What an envelope carries: the message, and the content of its attachments by SHA-256.
public struct EnvelopePayload: Codable, Sendable {
    public var message: Message
    /// Attachment content, base64, keyed by lower-case hex SHA-256.
    public var attachments: [String: String]
    /// For an evidence transfer: the item's evidence package (ZIP, base64; see docs/evidence.md).
    public var evidencePackage: String?

    public init(message: Message, attachments: [String: String], evidencePackage: String? = nil) {
        self.message = message
        self.attachments = attachments
        self.evidencePackage = evidencePackage
    }
}

/// The onward uses a recipient may ask the originator to permit.
public enum OnwardUseKind: String, Codable, Sendable, CaseIterable {
    case forward
    case judicialProceedings = "judicial-proceedings"
}

/// A permission request, or the originator's decision on one, carried by a message: the
/// request and the grant are messages themselves, so they travel, are receipted and are kept
/// like any other.
public struct PermissionControl: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case request, grant, refusal }

    public var kind: Kind
    /// The message the permission is about (held by the requester, sent by the originator).
    public var about: String
    /// The agency that provided the information and decides.
    public var originator: String
    /// The agency that asks to use it further.
    public var requester: String
    public var use: OnwardUseKind
    /// For `forward`: the third agency it would go to.
    public var recipient: String?
    public var reason: String

    public init(kind: Kind, about: String, originator: String, requester: String, use: OnwardUseKind, recipient: String?, reason: String) {
        self.kind = kind
        self.about = about
        self.originator = originator
        self.requester = requester
        self.use = use
        self.recipient = recipient
        self.reason = reason
    }
}

/// A notice that the sender erased a message it had sent, asking the recipient to erase its copy
/// too (Directive (EU) 2016/680 Art. 7(3) and Art. 16(6): recipients are told of erasures).
public struct ErasureNotice: Codable, Sendable, Equatable {
    /// The message to erase.
    public var about: String
    /// Why: the retention period ended, a data-subject request, an unlawful transfer.
    public var reason: String

    public init(about: String, reason: String) {
        self.about = about
        self.reason = reason
    }
}

/// Where a forwarded message came from.
public struct ForwardReference: Codable, Sendable, Equatable {
    public var messageId: String
    public var originator: String

    public init(messageId: String, originator: String) {
        self.messageId = messageId
        self.originator = originator
    }
}

/// A structured message between agencies (the SIENA model): everything the recipient needs to
/// handle it lawfully travels with it.
public struct Message: Codable, Sendable, Equatable {
    /// SIENA's message size limit is 50 MB; larger files go by a separate channel (FACTS.md, Exchange).
    public static let maximumAttachmentBytes = 50 * 1024 * 1024

    public var id: String
    public var originator: String
    public var to: [String]
    public var subject: String
    public var body: String
    public var entities: [MessageEntity]
    public var attachments: [MessageAttachment]
    public var purpose: String
    public var legalBasis: String
    public var handlingCode: HandlingCode
    /// The restriction text of an H3 handling code.
    public var handlingRestriction: String?
    public var evaluation: Evaluation
    public var caseRef: String?
    public var inReplyTo: String?
    public var retainUntil: Date?
    public var createdAt: Date
    /// Set on a message that passes on information received from another agency.
    public var forwardedFrom: ForwardReference?
    /// Set on a permission request or decision.
    public var control: PermissionControl?
    /// Set when the message transfers an item of evidence (its id); the envelope then carries the
    /// item's evidence package, and the message carries the `evidence` data category.
    public var evidenceItem: String?
    /// What the sender's node removed before disclosure because the agreement does not cover it
    /// (data minimisation); the recipient sees that a redaction happened and on what ground.
    public var redactions: [Redaction]?
    /// Set on a notice asking the recipient to erase a message this node sent it.
    public var erasure: ErasureNotice?
    /// Set on a message that transmits a judicial-cooperation instrument or reports a step of one.
    public var instrument: InstrumentTransfer?

    public init(
        id: String, originator: String, to: [String], subject: String, body: String, entities: [MessageEntity] = [],
        attachments: [MessageAttachment] = [], purpose: String, legalBasis: String, handlingCode: HandlingCode,
        handlingRestriction: String? = nil, evaluation: Evaluation, caseRef: String? = nil, inReplyTo: String? = nil,
        retainUntil: Date? = nil, createdAt: Date
    ) {
        self.id = id
        self.originator = originator
        self.to = to
        self.subject = subject
        self.body = body
        self.entities = entities
        self.attachments = attachments
        self.purpose = purpose
        self.legalBasis = legalBasis
        self.handlingCode = handlingCode
        self.handlingRestriction = handlingRestriction
        self.evaluation = evaluation
        self.caseRef = caseRef
        self.inReplyTo = inReplyTo
        self.retainUntil = retainUntil
        self.createdAt = createdAt
    }

    /// The data categories the message carries: always `message`, plus each entity's.
    public var dataCategories: Set<DataCategory> {
        Self.dataCategories(of: entities, carryingEvidence: evidenceItem != nil)
    }

    /// The categories a message with these entities carries: always `message`, each entity's, and
    /// `evidence` when it transfers an item of evidence.
    public static func dataCategories(of entities: [MessageEntity], carryingEvidence: Bool) -> Set<DataCategory> {
        entities.reduce(into: Set<DataCategory>(carryingEvidence ? [.message, .evidence] : [.message])) { $0.formUnion($1.carriedCategories) }
    }

    /// The data-subject categories of its entities.
    public var dataSubjectCategories: Set<DataSubjectCategory> {
        Set(entities.map(\.dataSubjectCategory))
    }

    /// Checks the message's own rules.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
    public func validate() throws(LiaisonError) {
        // Ids come from the sending node: a UUID, nothing a path or a page could misread.
        guard UUID(uuidString: id) != nil else { throw LiaisonError(.invalidInput, "id must be a UUID") }
        if let inReplyTo, UUID(uuidString: inReplyTo) == nil { throw LiaisonError(.invalidInput, "inReplyTo must be a message id (a UUID)") }
        try TextRules.checkLine(subject, "subject")
        try TextRules.checkLine(purpose, "purpose")
        try TextRules.checkText(legalBasis, "legalBasis")
        if let caseRef { try TextRules.checkLine(caseRef, "caseRef", maximum: 200) }
        if let handlingRestriction { try TextRules.checkText(handlingRestriction, "handlingRestriction") }
        try TextRules.checkText(body, "body")
        guard !to.isEmpty else { throw LiaisonError(.invalidInput, "to: name at least one recipient agency") }
        guard Set(to).count == to.count else { throw LiaisonError(.invalidInput, "to: a recipient is listed twice") }
        guard !to.contains(originator) else { throw LiaisonError(.invalidInput, "to: a node does not send messages to itself") }
        guard (1...300).contains(subject.count) else { throw LiaisonError(.invalidInput, "subject must be 1 to 300 characters") }
        guard body.utf8.count <= 1_000_000 else { throw LiaisonError(.invalidInput, "body must be at most 1 MB; send larger content as an attachment") }
        guard !purpose.allSatisfy(\.isWhitespace) else { throw LiaisonError(.invalidInput, "purpose must not be empty") }
        guard !legalBasis.allSatisfy(\.isWhitespace) else { throw LiaisonError(.invalidInput, "legalBasis must not be empty") }
        if handlingCode == .h3 {
            guard let restriction = handlingRestriction, !restriction.allSatisfy(\.isWhitespace) else {
                throw LiaisonError(.invalidInput, "handlingRestriction: handling code H3 needs the restriction in words")
            }
        }
        for (index, entity) in entities.enumerated() {
            guard !entity.id.isEmpty, !entity.schema.isEmpty else {
                throw LiaisonError(.invalidInput, "entities[\(index)]: a FollowTheMoney entity needs an id and a schema")
            }
            try TextRules.checkLine(entity.id, "entities[\(index)].id", maximum: 200)
            try TextRules.checkLine(entity.schema, "entities[\(index)].schema", maximum: 100)
            for (property, values) in entity.properties {
                try TextRules.checkLine(property, "entities[\(index)].properties", maximum: 100)
                for value in values { try TextRules.checkText(value, "entities[\(index)].properties.\(property)") }
            }
        }
        for (index, attachment) in attachments.enumerated() {
            guard attachment.size <= Self.maximumAttachmentBytes else {
                throw LiaisonError(.invalidInput, "attachments[\(index)]: larger than the 50 MB message limit")
            }
            try TextRules.checkLine(attachment.name, "attachments[\(index)].name", maximum: 255)
            try TextRules.checkLine(attachment.mediaType, "attachments[\(index)].mediaType", maximum: 255)
        }
    }
}

extension Message {
    /// The message's JSON exactly as `encoder` writes it, when `encoder` is a `JSONEncoder` with
    /// sorted keys and ISO 8601 dates (as the message store's is): written directly, since every message sent and every message received is written
    /// once, and the encoder's generic machinery cost more than the rest of storing it. The parts
    /// a message rarely has (a forward reference, a permission control, redactions, an erasure
    /// notice) are left to `encoder`, and so is a date outside the years the writer spells.
    public func json(as encoder: JSONEncoder) throws -> Data {
        try CanonicalJSONWriter.document(self, as: encoder, dates: [createdAt, retainUntil], capacity: body.utf8.count + 512) { json in
            json.beginObject()
            // Keys in the order of their bytes, as `.sortedKeys` has them; absent optionals omitted.
            json.key("attachments")
            json.beginArray()
            for attachment in attachments {
                json.beginObject()
                json.member("mediaType", attachment.mediaType)
                json.member("name", attachment.name)
                json.member("sha256", attachment.sha256)
                json.key("size")
                json.integer(attachment.size)
                json.endObject()
            }
            json.endArray()
            json.member("body", body)
            json.member("caseRef", caseRef)
            if let control {
                json.key("control")
                json.raw(try encoder.encode(control))
            }
            json.member("createdAt", createdAt)
            json.key("entities")
            json.beginArray()
            for entity in entities { Self.write(entity, to: &json) }
            json.endArray()
            if let erasure {
                json.key("erasure")
                json.raw(try encoder.encode(erasure))
            }
            json.key("evaluation")
            json.beginObject()
            json.key("information")
            json.integer(evaluation.information.rawValue)
            json.member("source", evaluation.source.rawValue)
            json.endObject()
            json.member("evidenceItem", evidenceItem)
            if let forwardedFrom {
                json.key("forwardedFrom")
                json.raw(try encoder.encode(forwardedFrom))
            }
            json.member("handlingCode", handlingCode.rawValue)
            json.member("handlingRestriction", handlingRestriction)
            json.member("id", id)
            json.member("inReplyTo", inReplyTo)
            if let instrument {
                json.key("instrument")
                json.raw(try encoder.encode(instrument))
            }
            json.member("legalBasis", legalBasis)
            json.member("originator", originator)
            json.member("purpose", purpose)
            if let redactions {
                json.key("redactions")
                json.raw(try encoder.encode(redactions))
            }
            json.member("retainUntil", retainUntil)
            json.member("subject", subject)
            json.member("to", to)
            json.endObject()
        }
    }

    private static func write(_ entity: MessageEntity, to json: inout CanonicalJSONWriter) {
        json.beginObject()
        json.member("dataSubjectCategory", entity.dataSubjectCategory.rawValue)
        json.member("id", entity.id)
        json.member("nature", entity.nature.rawValue)
        json.key("properties")
        json.object(entity.properties) { $0.array($1) }
        json.member("schema", entity.schema)
        json.member("specialCategories", entity.specialCategories?.map(\.rawValue))
        json.endObject()
    }
}
