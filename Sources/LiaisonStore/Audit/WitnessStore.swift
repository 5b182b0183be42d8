import FluentKit
package import LiaisonCore

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
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
    // Migration 0014: an alert an algorithm raised (anomalous access) carries what produced it,
    // and waits for a person to confirm or reject it.
    @OptionalField(key: "algorithm") var algorithm: String?
    @OptionalField(key: "parameters_json") var parametersJSON: Data?
    @OptionalField(key: "input_hash") var inputHash: String?
    @OptionalField(key: "review") var review: String?
    @OptionalField(key: "reviewed_by") var reviewedBy: String?
    @OptionalField(key: "reviewed_at") var reviewedAt: Date?
    @OptionalField(key: "review_reason") var reviewReason: String?

    init() {}
}

struct AddAlertReview: AsyncMigration {
    var name: String { "0014-add-alert-review" }

    static let columns: [(String, DatabaseSchema.DataType)] = [
        ("algorithm", .string), ("parameters_json", .data), ("input_hash", .string), ("review", .string),
        ("reviewed_by", .string), ("reviewed_at", .datetime), ("review_reason", .string),
    ]

    // One column per statement: SQLite's ALTER TABLE adds one column at a time.
    func prepare(on database: any Database) async throws {
        for (name, type) in Self.columns { try await database.schema(AlertModel.schema).field(.definition(name: .key(.init(stringLiteral: name)), dataType: type, constraints: [])).update() }
    }

    func revert(on database: any Database) async throws {
        for (name, _) in Self.columns.reversed() { try await database.schema(AlertModel.schema).deleteField(.init(stringLiteral: name)).update() }
    }
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
package struct WitnessedCheckpoint: Sendable, Equatable {
    package var origin: String
    package var size: UInt64
    package var root: Data
    package var note: String

    package init(origin: String, size: UInt64, root: Data, note: String) {
        self.origin = origin
        self.size = size
        self.root = root
        self.note = note
    }
}

/// A raised alert.
package struct AlertRecord: Sendable, Equatable {
    package var id: String
    package var raisedAt: Date
    /// `split-view` (a partner showed two inconsistent histories), `witness-refused` (a partner
    /// refused to cosign this node's log as inconsistent).
    package var kind: String
    /// The agency concerned, or for an access anomaly the user (`user:<name>`).
    package var source: String
    package var detail: String
    /// For an alert an algorithm raised: its name and version, parameters (JSON) and the SHA-256
    /// of its input, so that the result can be reproduced and audited.
    package var algorithm: String?
    package var parameters: Data?
    package var inputHash: String?
    /// `confirmed` or `rejected` once a person reviewed it; `nil` before.
    package var review: String?
    package var reviewedBy: String?
    package var reviewedAt: Date?
    package var reviewReason: String?
}

/// Witnessing state and alerts.
package struct WitnessStore: Sendable {
    let database: LiaisonDatabase

    package init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    package func witnessed(origin: String) async throws -> WitnessedCheckpoint? {
        guard let model = try await WitnessedCheckpointModel.find(origin, on: db) else { return nil }
        return WitnessedCheckpoint(origin: origin, size: try CheckedInteger.loaded(model.size), root: model.root, note: model.note)
    }

    package func saveWitnessed(_ checkpoint: WitnessedCheckpoint, at now: Date) async throws {
        let db = try db
        let size = try CheckedInteger.stored(checkpoint.size, "\(checkpoint.origin)'s checkpoint size")
        let model = try await WitnessedCheckpointModel.find(checkpoint.origin, on: db) ?? {
            let model = WitnessedCheckpointModel()
            model.id = checkpoint.origin
            return model
        }()
        model.size = size
        model.root = checkpoint.root
        model.note = checkpoint.note
        model.updatedAt = now
        try await database.writing { try await model.save(on: $0) }
    }

    /// The size of this node's log that `witness` last cosigned (0 before the first).
    package func progress(witness: String) async throws -> UInt64 {
        guard let model = try await WitnessProgressModel.find(witness, on: db) else { return 0 }
        return try CheckedInteger.loaded(model.size)
    }

    package func setProgress(witness: String, size: UInt64, at now: Date) async throws {
        let stored = try CheckedInteger.stored(size, "\(witness)'s witnessed size")
        let db = try db
        let model = try await WitnessProgressModel.find(witness, on: db) ?? {
            let model = WitnessProgressModel()
            model.id = witness
            return model
        }()
        model.size = stored
        model.updatedAt = now
        try await database.writing { try await model.save(on: $0) }
    }

    /// Raises an alert and records it in the audit log, in one transaction.
    package func raise(kind: String, source: String, detail: String, at now: Date) async throws {
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
    package func alerts(limit: Int = 200) async throws -> [AlertRecord] {
        try await AlertModel.query(on: db).sort(\.$raisedAt, .descending).limit(limit).all().map(Self.alert)
    }

    static func alert(_ model: AlertModel) -> AlertRecord {
        AlertRecord(
            id: model.id!, raisedAt: model.raisedAt, kind: model.kind, source: model.source, detail: model.detail, algorithm: model.algorithm,  // checked: a row loaded from the database has its primary key
            parameters: model.parametersJSON, inputHash: model.inputHash, review: model.review, reviewedBy: model.reviewedBy,
            reviewedAt: model.reviewedAt, reviewReason: model.reviewReason
        )
    }

    /// Raises an alert an algorithm produced, with what produced it; it stays unreviewed until a
    /// person confirms or rejects it.
    package func raise(kind: String, source: String, detail: String, algorithm: String, parameters: Data, inputHash: String, at now: Date) async throws -> AlertRecord {
        try await database.transaction { tx in
            let model = AlertModel()
            model.id = UUIDv7.make(at: now).uuidString.lowercased()
            model.raisedAt = now
            model.kind = kind
            model.source = source
            model.detail = detail
            model.algorithm = algorithm
            model.parametersJSON = parameters
            model.inputHash = inputHash
            try await model.create(on: tx)
            try await AuditStore.record(
                [AuditEvent(time: now, operation: .alertRaised, outcome: .failure, actor: "system", subject: source,
                            details: ["kind": kind, "detail": detail, "algorithm": algorithm, "inputHash": inputHash, "alert": model.id!])],  // checked: a row loaded from the database has its primary key
                at: now, on: tx
            )
            return Self.alert(model)
        }
    }

    /// Records a person's review of an algorithm's alert.
    /// - Throws: ``LiaisonError`` `.notFound`, `.invalidInput` for an alert no algorithm raised,
    ///   `.conflict` when already reviewed.
    package func review(_ id: String, confirmed: Bool, by user: String, reason: String, audit: AuditEvent, at now: Date) async throws -> AlertRecord {
        try await database.transaction { tx in
            guard let model = try await AlertModel.find(id, on: tx) else { throw LiaisonError(.notFound, "No alert \(id).") }
            guard model.algorithm != nil else { throw LiaisonError(.invalidInput, "Alert \(id) is a fact of the log (\(model.kind)), not an algorithm's output to review.") }
            guard model.review == nil else { throw LiaisonError(.conflict, "Alert \(id) was already reviewed (\(model.review!)) by \(model.reviewedBy ?? "someone").") }
            model.review = confirmed ? "confirmed" : "rejected"
            model.reviewedBy = user
            model.reviewedAt = now
            model.reviewReason = reason
            try await model.save(on: tx)
            try await AuditStore.record([audit], at: now, on: tx)
            return Self.alert(model)
        }
    }
}
