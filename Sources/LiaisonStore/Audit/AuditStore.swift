package import FluentKit
public import LiaisonCore
package import SQLKit

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A leaf of the audit log as stored.
public struct AuditEntryRecord: Sendable, Equatable {
    public var index: UInt64
    /// The exact bytes that were hashed.
    public var leaf: Data
    public var recordedAt: Date
    public var operation: String
    public var outcome: String
    public var actor: String
    public var subject: String?
}

/// A signed checkpoint as stored: the whole note, cosignatures included.
public struct AuditCheckpointRecord: Sendable, Equatable {
    public var size: UInt64
    public var root: Data
    public var note: String
    public var signedAt: Date

    public init(size: UInt64, root: Data, note: String, signedAt: Date) {
        self.size = size
        self.root = root
        self.note = note
        self.signedAt = signedAt
    }
}

/// A queued event waiting for the sequencer: its canonical JSON and searchable columns.
public struct QueuedAuditEvent: Sendable {
    public var id: Int
    public var eventJSON: Data
    public var time: Date
    public var operation: String
    public var outcome: String
    public var actor: String
    public var subject: String?
}

/// The audit log's storage: the queue of recorded events, the leaves, the hashes of complete
/// subtrees (keyed as `MerkleNode.key`) and the signed checkpoints.
///
/// The tree's shape lives in LiaisonCrypto; this store only keeps what it is given, in
/// transactions, so that a crash leaves a batch entirely in the log or entirely in the queue.
public struct AuditStore: Sendable {
    let database: LiaisonDatabase

    public init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    /// Records events for the log.
    public func record(_ events: [AuditEvent], at now: Date) async throws {
        try await database.insert(try Self.inserts(events, at: now))
    }

    /// Records events inside a caller's transaction, so that they exist exactly when the
    /// operation does.
    package static func record(_ events: [AuditEvent], at now: Date, on db: any Database) async throws {
        try await RowInsert.run(try inserts(events, at: now), on: db)
    }

    /// The queue rows for events and the case links they make (``CaseLinks``), for a caller that
    /// inserts them with its own rows (``LiaisonDatabase/insert(_:)``).
    package static func inserts(_ events: [AuditEvent], at now: Date) throws -> [RowInsert] {
        [try rows(events, at: now), CaseLinks.rows(for: events)]
    }

    /// The queue rows for events, for a caller that inserts them with its own rows
    /// (``LiaisonDatabase/insert(_:)``). Plain SQL, not Fluent models: every operation pays this.
    package static func rows(_ events: [AuditEvent], at now: Date) throws -> RowInsert {
        var insert = RowInsert(into: AuditQueueModel.schema, columns: ["event_json", "queued_at", "event_time", "operation", "outcome", "actor", "subject"])
        for event in events {
            insert.add([
                SQLBind(try AuditLeaf.encode(event)), SQLBind(now), SQLBind(event.time), SQLBind(event.operation.rawValue),
                SQLBind(event.outcome.rawValue), SQLBind(event.actor), SQLBind(event.subject),
            ])
        }
        return insert
    }

    /// The oldest queued events.
    public func queued(limit: Int) async throws -> [QueuedAuditEvent] {
        // Plain SQL rows: the sequencer reads every event once, and decoding models (by
        // reflection) cost more than the query.
        let sql = try db.sql
        return try await sql.raw("""
            SELECT id, event_json, event_time, operation, outcome, actor, subject FROM \(ident: AuditQueueModel.schema) ORDER BY id LIMIT \(unsafeRaw: String(max(0, limit)))
            """).all().map { row in
            QueuedAuditEvent(
                id: try row.decode(column: "id", as: Int.self), eventJSON: try row.decode(column: "event_json", as: Data.self),
                time: try row.decode(column: "event_time", as: Date.self), operation: try row.decode(column: "operation", as: String.self),
                outcome: try row.decode(column: "outcome", as: String.self), actor: try row.decode(column: "actor", as: String.self),
                subject: try row.decode(column: "subject", as: String?.self)
            )
        }
    }

    /// The number of leaves in the tree: one more than the highest stored leaf hash (level 0 keys
    /// are the leaf indices themselves), read from the primary key's index.
    public func size() async throws -> UInt64 {
        guard let last = try await AuditHashModel.query(on: db).filter(\.$id < Int64(1) << 48).sort(\.$id, .descending).first() else { return 0 }  // checked: a constant
        return UInt64(last.id!) + 1  // checked: a loaded row has its key, and leaf indexes are stored from 0 up
    }

    /// Stored subtree hashes by key; absent keys are missing from the answer.
    public func hashes(keys: some Collection<Int64>) async throws -> [Int64: Data] {
        guard !keys.isEmpty else { return [:] }
        var found: [Int64: Data] = [:]
        let all = Array(keys)
        for start in stride(from: 0, to: all.count, by: 500) {
            let chunk = Array(all[start..<min(start + 500, all.count)])
            for model in try await AuditHashModel.query(on: db).filter(\.$id ~~ chunk).all() {
                found[model.id!] = model.hash  // checked: a row loaded from the database has its primary key
            }
        }
        return found
    }

    /// A new leaf to append, with the queued event it comes from.
    public struct Append: Sendable {
        public var index: UInt64
        public var leaf: Data
        public var queued: QueuedAuditEvent

        public init(index: UInt64, leaf: Data, queued: QueuedAuditEvent) {
            self.index = index
            self.leaf = leaf
            self.queued = queued
        }
    }

    /// Appends a batch in one transaction: the leaves, the subtree hashes they complete, and the
    /// removal of their queue rows.
    /// - Throws: when a leaf index is already taken (another sequencer appended meanwhile); nothing
    ///   is written then. The transaction writes first and reads nothing, so that SQLite takes its
    ///   write lock at once rather than failing to upgrade a read.
    public func append(_ leaves: [Append], hashes: [(key: Int64, hash: Data)], dequeue: [Int]) async throws {
        guard !leaves.isEmpty else { return }
        // Plain multi-row SQL rather than Fluent models: this is the log's hot path (issue 4's
        // goal of 20,000 appends a second), and model reflection dominated it.
        var entries = RowInsert(into: AuditEntryModel.schema, columns: ["leaf_index", "leaf", "recorded_at", "operation", "outcome", "actor", "subject"])
        for append in leaves {
            let queued = append.queued
            entries.add([SQLBind(try CheckedInteger.stored(append.index, "an audit leaf index")), SQLBind(append.leaf), SQLBind(queued.time), SQLBind(queued.operation), SQLBind(queued.outcome), SQLBind(queued.actor), SQLBind(queued.subject)])
        }
        let nodes = RowInsert(into: AuditHashModel.schema, columns: ["node_key", "hash"], rows: hashes.map { [SQLBind($0.key), SQLBind($0.hash)] })
        let removals: [any SQLExpression] = stride(from: 0, to: dequeue.count, by: 1_000).map { start in
            SQLQueryString("DELETE FROM \(ident: AuditQueueModel.schema) WHERE id IN (\(binds: Array(dequeue[start..<min(start + 1_000, dequeue.count)])))")
        }
        try await database.write([entries, nodes], then: removals)
    }

    /// Leaves `range`, in order (at most 1,000 at a time is what callers should ask for).
    public func entries(_ range: Range<UInt64>) async throws -> [AuditEntryRecord] {
        guard !range.isEmpty else { return [] }
        return try await AuditEntryModel.query(on: db)
            .filter(\.$id >= Int64(clamping: range.lowerBound)).filter(\.$id < Int64(clamping: range.upperBound))
            .sort(\.$id).all().map(Self.record)
    }

    /// What the audit explorer filters by.
    public struct Filter: Sendable {
        public var actor: String?
        public var operation: String?
        public var subject: String?
        public var from: Date?
        public var until: Date?
        /// Entries below this index (for paging back from the newest).
        public var before: UInt64?

        public init(actor: String? = nil, operation: String? = nil, subject: String? = nil, from: Date? = nil, until: Date? = nil, before: UInt64? = nil) {
            self.actor = actor
            self.operation = operation
            self.subject = subject
            self.from = from
            self.until = until
            self.before = before
        }
    }

    /// Every event whose time falls in `from..<to`, oldest first: sequenced entries with their
    /// index, then those still waiting in the queue (index `nil`).
    public func events(from: Date, to: Date) async throws -> [(index: UInt64?, event: AuditEvent)] {
        // One snapshot: the sequencer moves events from the queue into the log meanwhile, and
        // two separate reads could miss one that moved between them.
        try await database.snapshot { db in
            var out: [(index: UInt64?, event: AuditEvent)] = []
            var after: Int64 = -1
            while true {
                let page = try await AuditEntryModel.query(on: db)
                    .filter(\.$recordedAt >= from).filter(\.$recordedAt < to).filter(\.$id > after)
                    .sort(\.$id).limit(5_000).all()
                for model in page { out.append((UInt64(model.id!), try AuditLeaf(bytes: model.leaf).event)) }  // checked: a row loaded from the database has its primary key
                guard page.count == 5_000, let last = page.last?.id else { break }
                after = last
            }
            for queued in try await AuditQueueModel.query(on: db).filter(\.$eventTime >= from).filter(\.$eventTime < to).sort(\.$id).all() {
                out.append((nil, try JSON.decoder.decode(AuditEvent.self, from: queued.eventJSON)))
            }
            return out
        }
    }

    /// The newest entries that match, newest first.
    public func search(_ filter: Filter, limit: Int) async throws -> [AuditEntryRecord] {
        let query = AuditEntryModel.query(on: try db)
        if let actor = filter.actor { query.filter(\.$actor == actor) }
        if let operation = filter.operation { query.filter(\.$operation == operation) }
        if let subject = filter.subject { query.filter(\.$subject == subject) }
        if let from = filter.from { query.filter(\.$recordedAt >= from) }
        if let until = filter.until { query.filter(\.$recordedAt < until) }
        // Indexes above Int64.max do not exist: clamping keeps the meaning ("every entry below").
        if let before = filter.before { query.filter(\.$id < Int64(clamping: before)) }
        return try await query.sort(\.$id, .descending).limit(limit).all().map(Self.record)
    }

    static func record(_ model: AuditEntryModel) -> AuditEntryRecord {
        AuditEntryRecord(
            index: UInt64(model.id!), leaf: model.leaf, recordedAt: model.recordedAt, operation: model.operation,  // checked: a row loaded from the database has its primary key
            outcome: model.outcome, actor: model.actor, subject: model.subject
        )
    }

    // MARK: Checkpoints

    /// Stores a signed checkpoint (replacing the note of one at the same size, to add cosignatures).
    public func saveCheckpoint(size: UInt64, root: Data, note: String, at now: Date) async throws {
        let db = try db
        let key = try CheckedInteger.stored(size, "a checkpoint size")
        if let existing = try await AuditCheckpointModel.find(key, on: db) {
            guard existing.root == root else {
                throw LiaisonError(.conflict, "a checkpoint of size \(size) with another root is already stored")
            }
            existing.note = note
            try await database.writing { try await existing.save(on: $0) }
            return
        }
        let model = AuditCheckpointModel()
        model.id = key
        model.root = root
        model.note = note
        model.signedAt = now
        try await database.writing { try await model.create(on: $0) }
    }

    /// The newest checkpoint.
    public func latestCheckpoint() async throws -> AuditCheckpointRecord? {
        try await AuditCheckpointModel.query(on: db).sort(\.$id, .descending).first().map(Self.record)
    }

    /// The checkpoint of exactly `size` leaves, if one was signed.
    public func checkpoint(size: UInt64) async throws -> AuditCheckpointRecord? {
        guard let key = Int64(exactly: size) else { return nil }
        return try await AuditCheckpointModel.find(key, on: db).map(Self.record)
    }

    /// Every checkpoint, oldest first.
    public func checkpoints() async throws -> [AuditCheckpointRecord] {
        try await AuditCheckpointModel.query(on: db).sort(\.$id).all().map(Self.record)
    }

    static func record(_ model: AuditCheckpointModel) -> AuditCheckpointRecord {
        AuditCheckpointRecord(size: UInt64(model.id!), root: model.root, note: model.note, signedAt: model.signedAt)  // checked: a row loaded from the database has its primary key
    }
}
