import FluentKit
public import LiaisonCore
import SQLKit

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

final class HitReferenceModel: Model, @unchecked Sendable {
    static let schema = "hit_references"
    /// `<category>/<reference>`.
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "category") var category: String
    @Field(key: "reference") var reference: String
    /// Canonical identifiers, one per line.
    @Field(key: "keys") var keys: String
    @Field(key: "fields_json") var fieldsJSON: Data
    /// A DNA profile in its compact text form.
    @OptionalField(key: "profile") var profile: String?
    @Field(key: "imported_at") var importedAt: Date
    @Field(key: "imported_by") var importedBy: String
    init() {}
}

struct CreateHitReferences: AsyncMigration {
    var name: String { "0016-create-hit-references" }

    func prepare(on database: any Database) async throws {
        try await database.schema(HitReferenceModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("category", .string, .required).field("reference", .string, .required)
            .field("keys", .string, .required).field("fields_json", .data, .required).field("profile", .string)
            .field("imported_at", .datetime, .required).field("imported_by", .string, .required)
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "hit_references_category").on(HitReferenceModel.schema).column("category").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(HitReferenceModel.schema).delete()
    }
}

/// One reference record as stored: what the matching module's `ReferenceRecord` holds, in
/// storage form.
public struct StoredReference: Sendable, Equatable {
    public var category: String
    public var reference: String
    public var keys: [String]
    public var fields: [String: String]
    public var profile: String?

    public init(category: String, reference: String, keys: [String], fields: [String: String], profile: String?) {
        self.category = category
        self.reference = reference
        self.keys = keys
        self.fields = fields
        self.profile = profile
    }
}

/// What an import changed.
public struct HitImportReport: Sendable, Codable, Equatable {
    public var category: String
    public var added: Int
    public var updated: Int
    public var removed: Int
    /// Records of the category held after the import.
    public var total: Int
}

/// Reference data for hit/no-hit searches.
public struct HitStore: Sendable {
    let database: LiaisonDatabase

    public init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    /// Every record of `category`, in reference order.
    public func references(category: String) async throws -> [StoredReference] {
        try await HitReferenceModel.query(on: db).filter(\.$category == category).sort(\.$reference).all().map(Self.stored)
    }

    public func reference(category: String, reference: String) async throws -> StoredReference? {
        try await HitReferenceModel.find("\(category)/\(reference)", on: db).map(Self.stored)
    }

    /// Records per category.
    public func counts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for model in try await HitReferenceModel.query(on: db).field(\.$category).all() { counts[model.category, default: 0] += 1 }
        return counts
    }

    /// Imports records in one transaction: each replaces a record with the same reference; with
    /// `replaceAll`, records of the category that the import does not hold are removed.
    public func importReferences(_ records: [StoredReference], category: String, replaceAll: Bool, by actor: String, audit: [AuditEvent], at now: Date) async throws -> HitImportReport {
        try await database.transaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw LiaisonError(.configuration, "the database driver does not speak SQL") }
            let existing = Set(try await HitReferenceModel.query(on: tx).filter(\.$category == category).field(\.$id).all().compactMap(\.id))
            let incoming = records.map { "\(category)/\($0.reference)" }
            let replaced = incoming.filter(existing.contains)
            let removed = replaceAll ? existing.subtracting(incoming) : []
            let doomed = replaced + removed.sorted()
            for start in stride(from: 0, to: doomed.count, by: 500) {
                try await HitReferenceModel.query(on: tx).filter(\.$id ~~ Array(doomed[start..<min(start + 500, doomed.count)])).delete()
            }
            // Multi-row SQL: imports run to millions of rows.
            for start in stride(from: 0, to: records.count, by: 500) {
                let insert = sql.insert(into: HitReferenceModel.schema).columns("id", "category", "reference", "keys", "fields_json", "profile", "imported_at", "imported_by")
                for record in records[start..<min(start + 500, records.count)] {
                    let fields = try MessageStore.encoder.encode(record.fields)
                    insert.values([
                        SQLBind("\(category)/\(record.reference)"), SQLBind(category), SQLBind(record.reference), SQLBind(record.keys.joined(separator: "\n")),
                        SQLBind(fields), SQLBind(record.profile), SQLBind(now), SQLBind(actor),
                    ])
                }
                try await insert.run()
            }
            try await AuditStore.record(audit, at: now, on: tx)
            let total = try await HitReferenceModel.query(on: tx).filter(\.$category == category).count()
            return HitImportReport(category: category, added: records.count - replaced.count, updated: replaced.count, removed: removed.count, total: total)
        }
    }

    /// Removes one record.
    /// - Returns: whether it existed.
    public func remove(category: String, reference: String, audit: [AuditEvent], at now: Date) async throws -> Bool {
        try await database.transaction { tx in
            guard let model = try await HitReferenceModel.find("\(category)/\(reference)", on: tx) else { return false }
            try await model.delete(on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
            return true
        }
    }

    /// Records audit events of searches, which change no data.
    public func recordAudit(_ events: [AuditEvent], at now: Date) async throws {
        guard !events.isEmpty else { return }
        try await database.writing { db in try await AuditStore.record(events, at: now, on: db) }
    }

    static func stored(_ model: HitReferenceModel) -> StoredReference {
        let fields = (try? MessageStore.decoder.decode([String: String].self, from: model.fieldsJSON)) ?? [:]
        return StoredReference(category: model.category, reference: model.reference, keys: model.keys.split(separator: "\n").map(String.init),
                               fields: fields, profile: model.profile)
    }
}
