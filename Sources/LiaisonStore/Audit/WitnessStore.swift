import FluentKit
public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Witness side: the newest checkpoint this node cosigned for each partner's log.
final class WitnessedCheckpointModel: Model, @unchecked Sendable {
    static let schema = "witnessed_checkpoints"

    @ID(custom: "origin", generatedBy: .user) var id: String?
    @Field(key: "tree_size") var size: Int64
    @Field(key: "root") var root: Data
    @Field(key: "note") var note: String
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// Log side: the newest size of this node's log that each partner witness has cosigned.
final class WitnessProgressModel: Model, @unchecked Sendable {
    static let schema = "witness_progress"

    @ID(custom: "witness", generatedBy: .user) var id: String?
    @Field(key: "tree_size") var size: Int64
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// Security alerts for the oversight roles: a partner's log that forked (a split view), a witness
/// that refused this node's log.
final class AlertModel: Model, @unchecked Sendable {
    static let schema = "alerts"

    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "raised_at") var raisedAt: Date
    @Field(key: "kind") var kind: String
    @Field(key: "source") var source: String
    @Field(key: "detail") var detail: String

    init() {}
}

struct CreateWitnessing: AsyncMigration {
    var name: String { "0008-create-witnessing" }

    func prepare(on database: any Database) async throws {
        try await database.schema(WitnessedCheckpointModel.schema)
            .field("origin", .string, .identifier(auto: false))
            .field("tree_size", .int64, .required)
            .field("root", .data, .required)
            .field("note", .string, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema(WitnessProgressModel.schema)
            .field("witness", .string, .identifier(auto: false))
            .field("tree_size", .int64, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema(AlertModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("raised_at", .datetime, .required)
            .field("kind", .string, .required)
            .field("source", .string, .required)
            .field("detail", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        for schema in [AlertModel.schema, WitnessProgressModel.schema, WitnessedCheckpointModel.schema] {
            try await database.schema(schema).delete()
        }
    }
}

/// A checkpoint a witness holds for a partner's log.
public struct WitnessedCheckpoint: Sendable, Equatable {
    public var origin: String
    public var size: UInt64
    public var root: Data
    public var note: String

    public init(origin: String, size: UInt64, root: Data, note: String) {
        self.origin = origin
        self.size = size
        self.root = root
        self.note = note
    }
}

/// A raised alert.
public struct AlertRecord: Sendable, Equatable {
    public var id: String
    public var raisedAt: Date
    /// `split-view` (a partner showed two inconsistent histories), `witness-refused` (a partner
    /// refused to cosign this node's log as inconsistent).
    public var kind: String
    /// The agency concerned.
    public var source: String
    public var detail: String
}

/// Witnessing state and alerts.
public struct WitnessStore: Sendable {
    let database: LiaisonDatabase

    public init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    public func witnessed(origin: String) async throws -> WitnessedCheckpoint? {
        try await WitnessedCheckpointModel.find(origin, on: db).map {
            WitnessedCheckpoint(origin: $0.id!, size: UInt64($0.size), root: $0.root, note: $0.note)
        }
    }

    public func saveWitnessed(_ checkpoint: WitnessedCheckpoint, at now: Date) async throws {
        let db = try db
        let model = try await WitnessedCheckpointModel.find(checkpoint.origin, on: db) ?? {
            let model = WitnessedCheckpointModel()
            model.id = checkpoint.origin
            return model
        }()
        model.size = Int64(checkpoint.size)
        model.root = checkpoint.root
        model.note = checkpoint.note
        model.updatedAt = now
        try await database.writing { try await model.save(on: $0) }
    }

    /// The size of this node's log that `witness` last cosigned (0 before the first).
    public func progress(witness: String) async throws -> UInt64 {
        try await WitnessProgressModel.find(witness, on: db).map { UInt64($0.size) } ?? 0
    }

    public func setProgress(witness: String, size: UInt64, at now: Date) async throws {
        let db = try db
        let model = try await WitnessProgressModel.find(witness, on: db) ?? {
            let model = WitnessProgressModel()
            model.id = witness
            return model
        }()
        model.size = Int64(size)
        model.updatedAt = now
        try await database.writing { try await model.save(on: $0) }
    }

    /// Raises an alert and records it in the audit log, in one transaction.
    public func raise(kind: String, source: String, detail: String, at now: Date) async throws {
        try await database.transaction { tx in
            let model = AlertModel()
            model.id = UUIDv7.make(at: now).uuidString.lowercased()
            model.raisedAt = now
            model.kind = kind
            model.source = source
            model.detail = detail
            try await model.create(on: tx)
            try await AuditStore.record(
                [AuditEvent(time: now, operation: .alertRaised, outcome: .failure, actor: "system", subject: "node:\(source)", details: ["kind": kind, "detail": detail])],
                at: now, on: tx
            )
        }
    }

    /// Alerts, newest first.
    public func alerts(limit: Int = 200) async throws -> [AlertRecord] {
        try await AlertModel.query(on: db).sort(\.$raisedAt, .descending).limit(limit).all().map {
            AlertRecord(id: $0.id!, raisedAt: $0.raisedAt, kind: $0.kind, source: $0.source, detail: $0.detail)
        }
    }
}
