import FluentKit
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

final class MessageModel: Model, @unchecked Sendable {
    static let schema = "messages"

    @ID(custom: "id", generatedBy: .user) var id: String?
    /// `outbox` (sent by this node) or `inbox` (received).
    @Field(key: "box") var box: String
    /// The sender (inbox) or the recipients, comma-separated (outbox).
    @Field(key: "counterpart") var counterpart: String
    @Field(key: "subject") var subject: String
    @OptionalField(key: "case_ref") var caseRef: String?
    @OptionalField(key: "in_reply_to") var inReplyTo: String?
    @Field(key: "document_json") var documentJSON: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "read_at") var readAt: Date?
    /// For permission messages: `request`, `grant` or `refusal`, and the message they are about.
    @OptionalField(key: "control_kind") var controlKind: String?
    @OptionalField(key: "control_about") var controlAbout: String?
    /// When the retention period ends (migration 0012; `nil` on older rows).
    @OptionalField(key: "delete_at") var deleteAt: Date?

    init() {}
}

final class DeliveryModel: Model, @unchecked Sendable {
    static let schema = "deliveries"

    /// The envelope id (UUIDv7).
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "message_id") var messageID: String
    @Field(key: "recipient") var recipient: String
    /// `message` or `read-receipt`.
    @Field(key: "kind") var kind: String
    /// `queued`, `delivered` or `failed`.
    @Field(key: "state") var state: String
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    @OptionalField(key: "last_error") var lastError: String?
    /// What to send: the envelope, or the signed read receipt, as JSON.
    @Field(key: "payload_json") var payloadJSON: String
    /// The recipient's signed delivery receipt.
    @OptionalField(key: "receipt_json") var receiptJSON: String?
    @OptionalField(key: "delivered_at") var deliveredAt: Date?
    /// The recipient's signed read receipt, once a user there opened the message.
    @OptionalField(key: "read_receipt_json") var readReceiptJSON: String?
    @OptionalField(key: "read_at") var readAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class ReceivedEnvelopeModel: Model, @unchecked Sendable {
    static let schema = "received_envelopes"

    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "sender") var sender: String
    @Field(key: "message_id") var messageID: String
    @Field(key: "receipt_json") var receiptJSON: String
    @Field(key: "received_at") var receivedAt: Date

    init() {}
}

struct CreateMessages: AsyncMigration {
    var name: String { "0004-create-messages" }

    func prepare(on database: any Database) async throws {
        try await database.schema(MessageModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("box", .string, .required)
            .field("counterpart", .string, .required)
            .field("subject", .string, .required)
            .field("case_ref", .string)
            .field("in_reply_to", .string)
            .field("document_json", .string, .required)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .create()
        try await database.schema(DeliveryModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("message_id", .string, .required)
            .field("recipient", .string, .required)
            .field("kind", .string, .required)
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("last_error", .string)
            .field("payload_json", .string, .required)
            .field("receipt_json", .string)
            .field("delivered_at", .datetime)
            .field("read_receipt_json", .string)
            .field("read_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(ReceivedEnvelopeModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("sender", .string, .required)
            .field("message_id", .string, .required)
            .field("receipt_json", .string, .required)
            .field("received_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ReceivedEnvelopeModel.schema).delete()
        try await database.schema(DeliveryModel.schema).delete()
        try await database.schema(MessageModel.schema).delete()
    }
}

struct AddMessageControl: AsyncMigration {
    var name: String { "0005-add-message-control" }

    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite's ALTER TABLE adds one column at a time.
        try await database.schema(MessageModel.schema).field("control_kind", .string).update()
        try await database.schema(MessageModel.schema).field("control_about", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(MessageModel.schema).deleteField("control_about").update()
        try await database.schema(MessageModel.schema).deleteField("control_kind").update()
    }
}

/// Indexes for the exchange's hot reads, which otherwise scan whole tables that grow with every
/// message: the outbox's due deliveries (every round of the delivery service) and its queued
/// count, a message's deliveries (every outbox listing), mailboxes newest first, threads, and the
/// permission messages about a message.
struct IndexMessagesAndDeliveries: AsyncMigration {
    var name: String { "0019-index-messages-and-deliveries" }

    static let indexes: [(name: String, table: String, columns: [String])] = [
        ("deliveries_state_next_attempt", DeliveryModel.schema, ["state", "next_attempt_at"]),
        ("deliveries_message", DeliveryModel.schema, ["message_id"]),
        ("messages_box_created", MessageModel.schema, ["box", "created_at"]),
        ("messages_in_reply_to", MessageModel.schema, ["in_reply_to"]),
        ("messages_control_about", MessageModel.schema, ["control_about"]),
    ]

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for index in Self.indexes {
            let create = sql.create(index: index.name).on(index.table)
            for column in index.columns { create.column(column) }
            try await create.run()
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for index in Self.indexes.reversed() { try await sql.drop(index: index.name).run() }
    }
}
