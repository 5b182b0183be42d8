import FluentKit
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Events recorded but not yet in the tree. Operations insert here (in their own transaction when
/// they have one); the node's sequencer moves them into the log in batches.
final class AuditQueueModel: Model, @unchecked Sendable {
    static let schema = "audit_queue"

    @ID(custom: "id", generatedBy: .database) var id: Int?
    /// The event's canonical JSON: the leaf embeds these exact bytes.
    @Field(key: "event_json") var eventJSON: Data
    @Field(key: "queued_at") var queuedAt: Date
    // The event's searchable columns, copied so that sequencing never decodes the JSON.
    @Field(key: "event_time") var eventTime: Date
    @Field(key: "operation") var operation: String
    @Field(key: "outcome") var outcome: String
    @Field(key: "actor") var actor: String
    @OptionalField(key: "subject") var subject: String?

    init() {}
}

/// The log's leaves, by index, with the exact bytes that were hashed and a few columns to search by.
final class AuditEntryModel: Model, @unchecked Sendable {
    static let schema = "audit_entries"

    @ID(custom: "leaf_index", generatedBy: .user) var id: Int64?
    @Field(key: "leaf") var leaf: Data
    @Field(key: "recorded_at") var recordedAt: Date
    @Field(key: "operation") var operation: String
    @Field(key: "outcome") var outcome: String
    @Field(key: "actor") var actor: String
    @OptionalField(key: "subject") var subject: String?

    init() {}
}

/// The hash of every complete subtree (see `MerkleNode.key`): appends and proofs read these and
/// never rehash the leaves.
final class AuditHashModel: Model, @unchecked Sendable {
    static let schema = "audit_hashes"

    @ID(custom: "node_key", generatedBy: .user) var id: Int64?
    @Field(key: "hash") var hash: Data

    init() {}
}

/// Every checkpoint the node signed, with the cosignatures partners added to it.
final class AuditCheckpointModel: Model, @unchecked Sendable {
    static let schema = "audit_checkpoints"

    @ID(custom: "tree_size", generatedBy: .user) var id: Int64?
    @Field(key: "root") var root: Data
    @Field(key: "note") var note: String
    @Field(key: "signed_at") var signedAt: Date

    init() {}
}

struct CreateAuditLog: AsyncMigration {
    var name: String { "0007-create-audit-log" }

    func prepare(on database: any Database) async throws {
        try await database.schema(AuditQueueModel.schema)
            .field("id", .int, .identifier(auto: true))
            .field("event_json", .data, .required)
            .field("queued_at", .datetime, .required)
            .field("event_time", .datetime, .required)
            .field("operation", .string, .required)
            .field("outcome", .string, .required)
            .field("actor", .string, .required)
            .field("subject", .string)
            .create()
        try await database.schema(AuditEntryModel.schema)
            .field("leaf_index", .int64, .identifier(auto: false))
            .field("leaf", .data, .required)
            .field("recorded_at", .datetime, .required)
            .field("operation", .string, .required)
            .field("outcome", .string, .required)
            .field("actor", .string, .required)
            .field("subject", .string)
            .create()
        try await database.schema(AuditHashModel.schema)
            .field("node_key", .int64, .identifier(auto: false))
            .field("hash", .data, .required)
            .create()
        try await database.schema(AuditCheckpointModel.schema)
            .field("tree_size", .int64, .identifier(auto: false))
            .field("root", .data, .required)
            .field("note", .string, .required)
            .field("signed_at", .datetime, .required)
            .create()
        // The audit explorer filters by operation, actor and time.
        if let sql = database as? any SQLDatabase {
            for column in ["operation", "actor", "recorded_at"] {
                try await sql.create(index: "audit_entries_\(column)").on(AuditEntryModel.schema).column(column).run()
            }
        }
    }

    func revert(on database: any Database) async throws {
        for schema in [AuditCheckpointModel.schema, AuditHashModel.schema, AuditEntryModel.schema, AuditQueueModel.schema] {
            try await database.schema(schema).delete()
        }
    }
}
