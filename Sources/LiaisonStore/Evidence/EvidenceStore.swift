import FluentKit
package import LiaisonCore

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

final class EvidenceItemModel: Model, @unchecked Sendable {
    static let schema = "evidence_items"

    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "case_ref") var caseRef: String
    @Field(key: "document_json") var documentJSON: Data
    /// AES-GCM combined box of the content (files only), under the wrapped item key.
    @OptionalField(key: "ciphertext") var ciphertext: Data?
    @OptionalField(key: "wrapped_key") var wrappedKey: Data?
    @Field(key: "registered_at") var registeredAt: Date
    /// For an item received from a partner: the checkpoints of the other agencies' logs that prove
    /// their part of the chain (JSON, log origin → signed note).
    @OptionalField(key: "imported_checkpoints_json") var importedCheckpointsJSON: Data?

    init() {}
}

final class CustodyEventModel: Model, @unchecked Sendable {
    static let schema = "custody_events"

    /// `<item id>/<sequence>`: one event per position, so two concurrent appends cannot both win.
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "item_id") var itemID: String
    @Field(key: "sequence") var sequence: Int
    @Field(key: "signed_json") var signedJSON: Data
    /// For an event signed by another agency: where it sits in that agency's audit log (JSON).
    @OptionalField(key: "audit_json") var auditJSON: Data?
    @Field(key: "recorded_at") var recordedAt: Date

    init() {}
}

struct CreateEvidence: AsyncMigration {
    var name: String { "0009-create-evidence" }

    func prepare(on database: any Database) async throws {
        try await database.schema(EvidenceItemModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("case_ref", .string, .required)
            .field("document_json", .data, .required)
            .field("ciphertext", .data)
            .field("wrapped_key", .data)
            .field("registered_at", .datetime, .required)
            .field("imported_checkpoints_json", .data)
            .create()
        try await database.schema(CustodyEventModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("item_id", .string, .required)
            .field("sequence", .int, .required)
            .field("signed_json", .data, .required)
            .field("audit_json", .data)
            .field("recorded_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CustodyEventModel.schema).delete()
        try await database.schema(EvidenceItemModel.schema).delete()
    }
}

/// A stored item: its document, and whether its content is stored.
package struct EvidenceRecord: Sendable, Equatable {
    package var item: EvidenceItem
    package var registeredAt: Date
    package var hasContent: Bool

    package init(item: EvidenceItem, registeredAt: Date, hasContent: Bool) {
        self.item = item
        self.registeredAt = registeredAt
        self.hasContent = hasContent
    }
}

/// Evidence items (content sealed by the caller) and their signed custody events.
package struct EvidenceStore: Sendable {
    let database: LiaisonDatabase

    package init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    /// Registers an item, with its first custody event and their audit events, in one transaction.
    package func register(_ item: EvidenceItem, firstEvent: Data?, audit: [AuditEvent], at now: Date) async throws {
        try await database.transaction { tx in
            let model = EvidenceItemModel()
            model.id = item.id
            model.caseRef = item.caseRef
            model.documentJSON = try JSON.canonicalEncoder.encode(item)
            model.registeredAt = now
            try await model.create(on: tx)
            if let firstEvent { try await Self.insertEvent(itemID: item.id, sequence: 0, signedJSON: firstEvent, at: now, on: tx) }
            try await AuditStore.record(audit, at: now, on: tx)
        }
    }

    /// Stores a file item's sealed content, its updated document and its first custody event.
    /// - Throws: ``LiaisonError`` `.conflict` when content is already stored.
    package func storeContent(_ item: EvidenceItem, ciphertext: Data, wrappedKey: Data, firstEvent: Data, audit: [AuditEvent], at now: Date) async throws {
        try await database.transaction { tx in
            guard let model = try await EvidenceItemModel.find(item.id, on: tx) else { throw LiaisonError(.notFound, "No evidence item \(item.id).") }
            guard model.ciphertext == nil else { throw LiaisonError(.conflict, "Evidence item \(item.id) already has its content; content never changes.") }
            model.documentJSON = try JSON.canonicalEncoder.encode(item)
            model.ciphertext = ciphertext
            model.wrappedKey = wrappedKey
            try await model.save(on: tx)
            try await Self.insertEvent(itemID: item.id, sequence: 0, signedJSON: firstEvent, at: now, on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
        }
    }

    /// Appends a custody event at `sequence` with its audit event.
    /// - Throws: when that position is taken (a concurrent append won).
    package func append(itemID: String, sequence: Int, signedJSON: Data, audit: [AuditEvent], at now: Date) async throws {
        try await database.transaction { tx in
            try await Self.insertEvent(itemID: itemID, sequence: sequence, signedJSON: signedJSON, at: now, on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
        }
    }

    /// Stores an item received from a partner with the chain so far (each event with its proof in
    /// the signer's log), that log's checkpoints, and this node's `received` event, in one transaction.
    package func importChain(
        _ item: EvidenceItem, ciphertext: Data?, wrappedKey: Data?, events: [(signedJSON: Data, auditJSON: Data)], checkpointsJSON: Data,
        received: Data, audit: [AuditEvent], at now: Date
    ) async throws {
        try await database.transaction { tx in
            let model = EvidenceItemModel()
            model.id = item.id
            model.caseRef = item.caseRef
            model.documentJSON = try JSON.canonicalEncoder.encode(item)
            model.ciphertext = ciphertext
            model.wrappedKey = wrappedKey
            model.registeredAt = now
            model.importedCheckpointsJSON = checkpointsJSON
            try await model.create(on: tx)
            for (sequence, event) in events.enumerated() {
                try await Self.insertEvent(itemID: item.id, sequence: sequence, signedJSON: event.signedJSON, auditJSON: event.auditJSON, at: now, on: tx)
            }
            try await Self.insertEvent(itemID: item.id, sequence: events.count, signedJSON: received, at: now, on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
        }
    }

    /// The imported checkpoints of a received item (log origin → note), if any.
    package func importedCheckpoints(_ id: String) async throws -> Data? {
        try await EvidenceItemModel.find(id, on: db)?.importedCheckpointsJSON
    }

    private static func insertEvent(itemID: String, sequence: Int, signedJSON: Data, auditJSON: Data? = nil, at now: Date, on db: any Database) async throws {
        let event = CustodyEventModel()
        event.id = "\(itemID)/\(sequence)"
        event.itemID = itemID
        event.sequence = sequence
        event.signedJSON = signedJSON
        event.auditJSON = auditJSON
        event.recordedAt = now
        do {
            try await event.create(on: db)
        } catch {
            throw LiaisonError(.conflict, "custody event \(sequence) of item \(itemID) was recorded concurrently; reload and try again")
        }
    }

    package func item(_ id: String) async throws -> EvidenceRecord? {
        try await EvidenceItemModel.find(id, on: db).map(Self.record)
    }

    package func items(limit: Int = 500) async throws -> [EvidenceRecord] {
        try await EvidenceItemModel.query(on: db).sort(\.$registeredAt, .descending).limit(limit).all().map(Self.record)
    }

    /// The sealed content and wrapped key of a file item.
    package func sealedContent(_ id: String) async throws -> (ciphertext: Data, wrappedKey: Data)? {
        guard let model = try await EvidenceItemModel.find(id, on: db), let ciphertext = model.ciphertext, let key = model.wrappedKey else { return nil }
        return (ciphertext, key)
    }

    /// The signed custody events of an item, in order (each a JSON `SignedCustodyEvent`), with the
    /// proof of the ones signed by other agencies.
    package func events(_ itemID: String) async throws -> [(signedJSON: Data, auditJSON: Data?)] {
        try await CustodyEventModel.query(on: db).filter(\.$itemID == itemID).sort(\.$sequence).all().map { ($0.signedJSON, $0.auditJSON) }
    }

    static func record(_ model: EvidenceItemModel) throws -> EvidenceRecord {
        EvidenceRecord(item: try JSON.decoder.decode(EvidenceItem.self, from: model.documentJSON), registeredAt: model.registeredAt, hasContent: model.ciphertext != nil)
    }
}
