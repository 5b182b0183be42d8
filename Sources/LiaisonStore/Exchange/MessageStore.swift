import FluentKit
import SQLKit
public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A stored message with where it sits.
public struct MessageRecord: Sendable, Equatable {
    public enum Box: String, Sendable { case outbox, inbox }

    public var message: Message
    public var box: Box
    /// For inbox messages: when a user here first opened it.
    public var readAt: Date?

    public init(message: Message, box: Box, readAt: Date?) {
        self.message = message
        self.box = box
        self.readAt = readAt
    }
}

/// One envelope's way to one recipient.
public struct DeliveryRecord: Sendable, Equatable {
    public enum Kind: String, Sendable { case message, readReceipt = "read-receipt" }
    public enum State: String, Sendable { case queued, delivered, failed }

    public var id: String
    public var messageID: String
    public var recipient: String
    public var kind: Kind
    public var state: State
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var payloadJSON: String
    public var receiptJSON: String?
    public var deliveredAt: Date?
    public var readReceiptJSON: String?
    public var readAt: Date?
}

/// The durable outbox and inbox. Every method that changes more than one row does it in one
/// transaction, so that a crash leaves either all of it or none.
public struct MessageStore: Sendable {
    let database: LiaisonDatabase

    public init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    /// An envelope ready to queue for one recipient.
    public struct Outgoing: Sendable {
        public var envelopeID: String
        public var recipient: String
        public var envelopeJSON: String

        public init(envelopeID: String, recipient: String, envelopeJSON: String) {
            self.envelopeID = envelopeID
            self.recipient = recipient
            self.envelopeJSON = envelopeJSON
        }
    }

    /// Commits a sent message, its queued deliveries and its audit events in one transaction.
    /// - Parameter document: the message as ``encoder`` writes it, where the caller has it already.
    /// - Returns: the queued deliveries as stored, by recipient.
    @discardableResult
    public func enqueue(
        _ message: Message, document: Data? = nil, deliveries: [Outgoing], audit: [AuditEvent] = [], deleteAt: Date? = nil, at now: Date
    ) async throws -> [DeliveryRecord] {
        let document = String(decoding: try document ?? message.json(as: JSON.encoder), as: UTF8.self)
        var deliveryRows = Self.deliveryRows
        for outgoing in deliveries {
            deliveryRows.add(Self.deliveryRow(outgoing, messageID: message.id, kind: .message, at: now))
        }
        try await database.insert([
            CaseLinks.rows(for: audit),
            try AuditStore.rows(audit, at: now),
            Self.messageRow(message, box: .outbox, counterpart: message.to.joined(separator: ","), document: document, deleteAt: deleteAt),
            deliveryRows,
        ])
        return deliveries.sorted { $0.recipient < $1.recipient }.map { outgoing in
            DeliveryRecord(
                id: outgoing.envelopeID, messageID: message.id, recipient: outgoing.recipient, kind: .message, state: .queued, attempts: 0,
                nextAttemptAt: now, lastError: nil, payloadJSON: outgoing.envelopeJSON, receiptJSON: nil, deliveredAt: nil, readReceiptJSON: nil, readAt: nil
            )
        }
    }

    /// A message's row, as ``MessageModel`` stores it.
    static func messageRow(_ message: Message, box: MessageRecord.Box, counterpart: String, document: String, deleteAt: Date?) -> RowInsert {
        RowInsert(
            into: MessageModel.schema,
            columns: ["id", "box", "counterpart", "subject", "case_ref", "in_reply_to", "document_json", "created_at", "control_kind", "control_about", "delete_at"],
            rows: [[
                SQLBind(message.id), SQLBind(box.rawValue), SQLBind(counterpart), SQLBind(message.subject), RowInsert.value(message.caseRef),
                RowInsert.value(message.inReplyTo), SQLBind(document), SQLBind(message.createdAt),
                RowInsert.value(message.erasure != nil ? "erasure" : message.control?.kind.rawValue),
                RowInsert.value(message.erasure?.about ?? message.control?.about), RowInsert.value(deleteAt),
            ]]
        )
    }

    /// Queued deliveries' rows, as ``DeliveryModel`` stores them.
    static var deliveryRows: RowInsert {
        RowInsert(into: DeliveryModel.schema, columns: ["id", "message_id", "recipient", "kind", "state", "attempts", "next_attempt_at", "payload_json", "created_at"])
    }

    static func deliveryRow(_ outgoing: Outgoing, messageID: String, kind: DeliveryRecord.Kind, at now: Date) -> [any SQLExpression] {
        [
            SQLBind(outgoing.envelopeID), SQLBind(messageID), SQLBind(outgoing.recipient), SQLBind(kind.rawValue),
            SQLBind(DeliveryRecord.State.queued.rawValue), SQLBind(0), SQLBind(now), SQLBind(outgoing.envelopeJSON), SQLBind(now),
        ]
    }

    /// Queues a signed read receipt to a message's sender.
    public func enqueueReadReceipt(_ outgoing: Outgoing, messageID: String, at now: Date) async throws {
        var rows = Self.deliveryRows
        rows.add(Self.deliveryRow(outgoing, messageID: messageID, kind: .readReceipt, at: now))
        try await database.insert([rows])
    }

    /// Deliveries whose next attempt is due, oldest first.
    public func dueDeliveries(at now: Date, limit: Int) async throws -> [DeliveryRecord] {
        // Plain SQL rows: the delivery service reads this on every round, and decoding models
        // (by reflection) cost more than the query.
        try await sql.raw("""
            SELECT \(unsafeRaw: Self.deliveryColumns) FROM \(ident: DeliveryModel.schema)
            WHERE state = \(bind: DeliveryRecord.State.queued.rawValue) AND next_attempt_at <= \(bind: now)
            ORDER BY next_attempt_at LIMIT \(unsafeRaw: String(max(0, limit)))
            """).all().map(Self.deliveryRecord)
    }

    /// How many deliveries are still queued (a count, without loading them).
    public func queuedCount() async throws -> Int {
        try await DeliveryModel.query(on: try db).filter(\.$state == DeliveryRecord.State.queued.rawValue).count()
    }

    /// The earliest moment a queued delivery is due, if any.
    public func nextDue() async throws -> Date? {
        try await DeliveryModel.query(on: try db)
            .filter(\.$state == DeliveryRecord.State.queued.rawValue)
            .sort(\.$nextAttemptAt)
            .first()?.nextAttemptAt
    }

    /// Marks deliveries delivered, each with its partner's receipt (`nil` for a read receipt's
    /// delivery), in one write.
    ///
    /// On an SQLite file the node's writer runs one prepared single-row update per delivery (the
    /// same text every time, so prepared once); elsewhere one statement covers up to 500
    /// deliveries (`CASE id WHEN … THEN …`), one round trip to PostgreSQL instead of one each —
    /// but quadratic in SQLite, which compares every row with every `WHEN`, and a new text to
    /// prepare for every number of deliveries.
    public func markDelivered(_ deliveries: [(id: String, receiptJSON: String?)], at now: Date) async throws {
        guard !deliveries.isEmpty else { return }
        let update: SQLQueryString = "UPDATE \(ident: DeliveryModel.schema) SET state = \(bind: DeliveryRecord.State.delivered.rawValue), attempts = attempts + 1, last_error = NULL, delivered_at = \(bind: now), receipt_json = "
        var statements: [any SQLExpression] = []
        if case .sqlite = database.location {
            statements = deliveries.map { update + "\(RowInsert.value($0.receiptJSON)) WHERE id = \(bind: $0.id)" }
        } else {
            for start in stride(from: 0, to: deliveries.count, by: 500) {
                let chunk = deliveries[start..<min(start + 500, deliveries.count)]
                var statement = update + "CASE id"
                for delivery in chunk {
                    statement += " WHEN \(bind: delivery.id) THEN \(RowInsert.value(delivery.receiptJSON))"
                }
                statement += " END WHERE id IN (\(binds: chunk.map(\.id)))"
                statements.append(statement)
            }
        }
        try await database.write([], then: statements)
    }

    public func markRetry(_ id: String, error: String, nextAttemptAt: Date) async throws {
        guard let model = try await DeliveryModel.find(id, on: try db) else { return }
        model.attempts += 1
        model.lastError = error
        model.nextAttemptAt = nextAttemptAt
        try await database.writing { try await model.update(on: $0) }
    }

    public func markFailed(_ id: String, error: String) async throws {
        guard let model = try await DeliveryModel.find(id, on: try db) else { return }
        model.attempts += 1
        model.state = DeliveryRecord.State.failed.rawValue
        model.lastError = error
        try await database.writing { try await model.update(on: $0) }
    }

    /// Records a recipient's read receipt against the delivery of a message.
    public func recordReadReceipt(messageID: String, recipient: String, receiptJSON: String, at: Date) async throws -> Bool {
        guard let model = try await DeliveryModel.query(on: try db)
            .filter(\.$messageID == messageID).filter(\.$recipient == recipient)
            .filter(\.$kind == DeliveryRecord.Kind.message.rawValue).first()
        else { return false }
        if model.readAt == nil {
            model.readAt = at
            model.readReceiptJSON = receiptJSON
            try await database.writing { try await model.update(on: $0) }
        }
        return true
    }

    public func deliveries(messageID: String) async throws -> [DeliveryRecord] {
        try await sql.raw("""
            SELECT \(unsafeRaw: Self.deliveryColumns) FROM \(ident: DeliveryModel.schema) WHERE message_id = \(bind: messageID) ORDER BY recipient
            """).all().map(Self.deliveryRecord)
    }

    private var sql: any SQLDatabase { get throws { try db.sql } }

    /// The columns ``deliveryRecord(_:)`` reads.
    static let deliveryColumns = "id, message_id, recipient, kind, state, attempts, next_attempt_at, last_error, payload_json, receipt_json, delivered_at, read_receipt_json, read_at"

    static func deliveryRecord(_ row: any SQLRow) throws -> DeliveryRecord {
        DeliveryRecord(
            id: try row.decode(column: "id", as: String.self), messageID: try row.decode(column: "message_id", as: String.self),
            recipient: try row.decode(column: "recipient", as: String.self),
            kind: DeliveryRecord.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .message,
            state: DeliveryRecord.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .queued,
            attempts: try row.decode(column: "attempts", as: Int.self), nextAttemptAt: try row.decode(column: "next_attempt_at", as: Date.self),
            lastError: try row.decode(column: "last_error", as: String?.self), payloadJSON: try row.decode(column: "payload_json", as: String.self),
            receiptJSON: try row.decode(column: "receipt_json", as: String?.self), deliveredAt: try row.decode(column: "delivered_at", as: Date?.self),
            readReceiptJSON: try row.decode(column: "read_receipt_json", as: String?.self), readAt: try row.decode(column: "read_at", as: Date?.self)
        )
    }

    // MARK: Inbox

    /// The outcome of accepting an envelope.
    public enum Acceptance: Sendable, Equatable {
        /// Stored now; the receipt was recorded with it.
        case stored
        /// Already received earlier: nothing stored; here is the receipt given then.
        case duplicate(receiptJSON: String)
    }

    /// Stores a received message with its envelope id and the receipt, in one transaction; a
    /// second delivery of the same envelope stores nothing and returns the first receipt.
    public func accept(
        envelopeID: String, sender: String, message: Message, receiptJSON: String, audit: [AuditEvent] = [], deleteAt: Date? = nil, at now: Date
    ) async throws -> Acceptance {
        // No look-up first: a duplicate is rare (a sender's retry after a crash or a lost
        // answer), and its insert fails on the envelope's primary key, found below.
        let document = String(decoding: try message.json(as: JSON.encoder), as: UTF8.self)
        do {
            try await database.insert([
                RowInsert(
                    into: ReceivedEnvelopeModel.schema, columns: ["id", "sender", "message_id", "receipt_json", "received_at"],
                    rows: [[SQLBind(envelopeID), SQLBind(sender), SQLBind(message.id), SQLBind(receiptJSON), SQLBind(now)]]
                ),
                CaseLinks.rows(for: audit),
            try AuditStore.rows(audit, at: now),
                Self.messageRow(message, box: .inbox, counterpart: sender, document: document, deleteAt: deleteAt),
            ])
        } catch {
            // Received before (or by a concurrent delivery that won the race): answer as a duplicate.
            if let seen = try await ReceivedEnvelopeModel.find(envelopeID, on: try db) {
                return .duplicate(receiptJSON: seen.receiptJSON)
            }
            if try await MessageModel.find(message.id, on: try db) != nil {
                throw LiaisonError(.conflict, "message \(message.id) is already stored under another envelope")
            }
            throw error
        }
        return .stored
    }

    /// Marks an inbox message read. - Returns: `true` the first time.
    public func markRead(_ id: String, at now: Date) async throws -> Bool {
        guard let model = try await MessageModel.find(id, on: try db), model.box == MessageRecord.Box.inbox.rawValue, model.readAt == nil else {
            return false
        }
        model.readAt = now
        try await database.writing { try await model.update(on: $0) }
        return true
    }

    public func messages(in box: MessageRecord.Box, limit: Int = 200) async throws -> [MessageRecord] {
        try await MessageModel.query(on: try db).filter(\.$box == box.rawValue).sort(\.$createdAt, .descending).limit(limit).all().map(Self.record)
    }

    public func message(_ id: String) async throws -> MessageRecord? {
        try await MessageModel.find(id, on: try db).map(Self.record)
    }

    /// Messages in the same thread (replies to `id`, oldest first).
    public func replies(to id: String) async throws -> [MessageRecord] {
        try await MessageModel.query(on: try db).filter(\.$inReplyTo == id).sort(\.$createdAt).all().map(Self.record)
    }

    /// Whether `originator` has granted this node the use of message `about` (a grant message
    /// from it is in the inbox).
    public func permissionGranted(about: String, originator: String, use: OnwardUseKind, recipient: String?) async throws -> Bool {
        let grants = try await MessageModel.query(on: try db)
            .filter(\.$box == MessageRecord.Box.inbox.rawValue)
            .filter(\.$controlKind == PermissionControl.Kind.grant.rawValue)
            .filter(\.$controlAbout == about)
            .filter(\.$counterpart == originator)
            .all()
        return try grants.map(Self.record).contains { record in
            guard let control = record.message.control else { return false }
            return control.use == use && (use == .judicialProceedings || control.recipient == recipient)
        }
    }

    /// Permission messages (requests and decisions, in both boxes) about a message.
    public func permissionMessages(about: String) async throws -> [MessageRecord] {
        try await MessageModel.query(on: try db).filter(\.$controlAbout == about).sort(\.$createdAt).all().map(Self.record)
    }

    /// Every stored message, both boxes, oldest first (for a data subject's search).
    public func allMessages() async throws -> [MessageRecord] {
        try await MessageModel.query(on: try db).sort(\.$createdAt).all().map(Self.record)
    }

    public func count(box: MessageRecord.Box) async throws -> Int {
        try await MessageModel.query(on: try db).filter(\.$box == box.rawValue).count()
    }

    static func record(_ model: MessageModel) throws -> MessageRecord {
        MessageRecord(
            message: try JSON.decoder.decode(Message.self, from: Data(model.documentJSON.utf8)),
            box: MessageRecord.Box(rawValue: model.box) ?? .inbox,
            readAt: model.readAt
        )
    }
}
