import FluentKit
package import LiaisonCore
import SQLKit

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
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

/// Per category, a token that changes with every change of its records (an import, a removal),
/// in the same transaction: a snapshot of an index records the token it was built at, and is
/// trusted only while the store still holds that token.
final class HitVersionModel: Model, @unchecked Sendable {
    static let schema = "hit_versions"
    @ID(custom: "category", generatedBy: .user) var id: String?
    @Field(key: "token") var token: String
    @Field(key: "changed_at") var changedAt: Date
    init() {}
}

struct CreateHitVersions: AsyncMigration {
    var name: String { "0020-create-hit-versions" }

    func prepare(on database: any Database) async throws {
        try await database.schema(HitVersionModel.schema)
            .field("category", .string, .identifier(auto: false))
            .field("token", .string, .required).field("changed_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(HitVersionModel.schema).delete()
    }
}

/// One reference record as stored: what the matching module's `ReferenceRecord` holds, in
/// storage form.
package struct StoredReference: Sendable, Equatable {
    package var category: String
    package var reference: String
    package var keys: [String]
    package var fields: [String: String]
    package var profile: String?

    package init(category: String, reference: String, keys: [String], fields: [String: String], profile: String?) {
        self.category = category
        self.reference = reference
        self.keys = keys
        self.fields = fields
        self.profile = profile
    }
}

/// What an import changed.
package struct HitImportReport: Sendable, Codable, Equatable {
    package var category: String
    package var added: Int
    package var updated: Int
    package var removed: Int
    /// Records of the category held after the import.
    package var total: Int
}

/// Reference data for hit/no-hit searches.
package struct HitStore: Sendable {
    let database: LiaisonDatabase

    package init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    package func reference(category: String, reference: String) async throws -> StoredReference? {
        try await HitReferenceModel.find("\(category)/\(reference)", on: db).map(Self.stored)
    }

    /// Records per category.
    /// Counted in the database (one row per category), not by reading the records: the page and
    /// the API that show the counts are called with millions of records held.
    package func counts() async throws -> [String: Int] {
        let sql = try db.sql
        let rows = try await sql.select().column("category").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "records")
            .from(HitReferenceModel.schema).groupBy("category").all()
        var counts: [String: Int] = [:]
        for row in rows { counts[try row.decode(column: "category", as: String.self)] = try row.decode(column: "records", as: Int.self) }
        return counts
    }

    /// Imports records in one transaction, batch by batch as `produce` hands them over: each
    /// replaces a record with the same reference. With `replaceAll` the category's records are
    /// removed first (the report counts them as removed and the file's as added). If `produce`
    /// throws — a bad line found late in a file — nothing is imported.
    /// - Parameters:
    ///   - produce: calls its argument with each batch (a few thousand records) and returns what
    ///     the caller wants back (the file's warnings).
    ///   - audit: the events to record with the import, given its report.
    package func importReferences<Extra: Sendable>(
        category: String, replaceAll: Bool, by actor: String, at now: Date, audit: @escaping @Sendable (HitImportReport) -> [AuditEvent],
        produce: @escaping @Sendable (_ insert: ([StoredReference]) async throws -> Void) async throws -> Extra
    ) async throws -> (report: HitImportReport, extra: Extra) {
        try await database.transaction { tx in
            let sql = try tx.sql
            var removed = 0, updated = 0, added = 0
            if replaceAll {
                removed = try await HitReferenceModel.query(on: tx).filter(\.$category == category).count()
                try await HitReferenceModel.query(on: tx).filter(\.$category == category).delete()
            }
            let extra = try await produce { records in
                // Multi-row SQL in batches of 500: imports run to millions of rows.
                for start in stride(from: 0, to: records.count, by: 500) {
                    let batch = records[start..<min(start + 500, records.count)]
                    if !replaceAll {
                        let ids = batch.map { "\(category)/\($0.reference)" }
                        let existing = try await HitReferenceModel.query(on: tx).filter(\.$id ~~ ids).count()
                        if existing > 0 { try await HitReferenceModel.query(on: tx).filter(\.$id ~~ ids).delete() }
                        updated += existing
                        added -= existing
                    }
                    let insert = sql.insert(into: HitReferenceModel.schema).columns("id", "category", "reference", "keys", "fields_json", "profile", "imported_at", "imported_by")
                    for record in batch {
                        insert.values([
                            SQLBind("\(category)/\(record.reference)"), SQLBind(category), SQLBind(record.reference), SQLBind(record.keys.joined(separator: "\n")),
                            SQLBind(try JSON.encoder.encode(record.fields)), SQLBind(record.profile), SQLBind(now), SQLBind(actor),
                        ])
                    }
                    try await insert.run()
                    added += batch.count
                }
            }
            let total = try await HitReferenceModel.query(on: tx).filter(\.$category == category).count()
            let report = HitImportReport(category: category, added: added, updated: updated, removed: removed, total: total)
            try await Self.changed(category, at: now, on: tx)
            try await AuditStore.record(audit(report), at: now, on: tx)
            return (report, extra)
        }
    }

    /// Every record of `category` in pages of `batchSize`, in id order: for building an index over
    /// millions of records without holding the rows. Raw SQL rather than models: decoding models
    /// by reflection dominated loading ten million rows.
    /// - Parameter withFields: decode each record's fields too (persons need their dates of birth).
    package func forEachReference(category: String, batchSize: Int = 20_000, withFields: Bool = false, _ body: ([StoredReference]) async throws -> Void) async throws {
        let sql = try db.sql
        var after: String?
        while true {
            var query = sql.select().columns(withFields ? ["id", "reference", "keys", "profile", "fields_json"] : ["id", "reference", "keys", "profile"])
                .from(HitReferenceModel.schema).where("category", .equal, category)
            if let after { query = query.where("id", .greaterThan, after) }
            let rows = try await query.orderBy("id").limit(batchSize).all()
            guard !rows.isEmpty else { return }
            var page: [StoredReference] = []
            page.reserveCapacity(rows.count)
            for row in rows {
                let keys = try row.decode(column: "keys", as: String.self)
                let fields = withFields ? ((try? JSON.decoder.decode([String: String].self, from: try row.decode(column: "fields_json", as: Data.self))) ?? [:]) : [:]
                page.append(StoredReference(category: category, reference: try row.decode(column: "reference", as: String.self),
                                            keys: keys.isEmpty ? [] : keys.split(separator: "\n").map(String.init), fields: fields,
                                            profile: try row.decode(column: "profile", as: String?.self)))
            }
            try await body(page)
            after = try rows.last!.decode(column: "id", as: String.self)  // checked: rows is not empty: checked above
        }
    }

    /// Removes one record.
    /// - Returns: whether it existed.
    package func remove(category: String, reference: String, audit: [AuditEvent], at now: Date) async throws -> Bool {
        try await database.transaction { tx in
            guard let model = try await HitReferenceModel.find("\(category)/\(reference)", on: tx) else { return false }
            try await model.delete(on: tx)
            try await Self.changed(category, at: now, on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
            return true
        }
    }

    /// The category's version token (see ``HitVersionModel``); nil before its first change.
    package func version(of category: String) async throws -> String? {
        try await HitVersionModel.find(category, on: db)?.token
    }

    /// The category's version token, given one if it has none yet (data imported before versions
    /// existed): a snapshot needs a version to be checked against.
    package func ensureVersion(of category: String) async throws -> String {
        try await db.sql.insert(into: HitVersionModel.schema).columns("category", "token", "changed_at")
            .values(SQLBind(category), SQLBind(UUID().uuidString), SQLBind(Date()))
            .ignoringConflicts(with: ["category"])
            .run()
        guard let token = try await version(of: category) else {
            throw LiaisonError(.unavailable, "the store has no version for \(category)")
        }
        return token
    }

    /// Gives the category a new version token (one upsert: two replicas importing at once over
    /// one PostgreSQL cannot both insert the first one).
    private static func changed(_ category: String, at now: Date, on db: any Database) async throws {
        try await db.sql.insert(into: HitVersionModel.schema).columns("category", "token", "changed_at")
            .values(SQLBind(category), SQLBind(UUID().uuidString), SQLBind(now))
            .onConflict(with: "category") { $0.set(excludedValueOf: "token").set(excludedValueOf: "changed_at") }
            .run()
    }

    /// Records audit events of searches, which change no data.
    package func recordAudit(_ events: [AuditEvent], at now: Date) async throws {
        guard !events.isEmpty else { return }
        try await database.writing { db in try await AuditStore.record(events, at: now, on: db) }
    }

    static func stored(_ model: HitReferenceModel) -> StoredReference {
        let fields = (try? JSON.decoder.decode([String: String].self, from: model.fieldsJSON)) ?? [:]
        return StoredReference(category: model.category, reference: model.reference, keys: model.keys.split(separator: "\n").map(String.init),
                               fields: fields, profile: model.profile)
    }
}

final class HitDisclosureModel: Model, @unchecked Sendable {
    static let schema = "hit_disclosures"
    /// `<partner>/<category>/<reference>`: the latest hit this node reported to a partner.
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "partner") var partner: String
    @Field(key: "category") var category: String
    @Field(key: "reference") var reference: String
    @Field(key: "quality") var quality: String
    @Field(key: "query_id") var queryID: String
    @Field(key: "answered_at") var answeredAt: Date
    init() {}
}

final class FollowUpModel: Model, @unchecked Sendable {
    static let schema = "hit_follow_ups"
    @ID(custom: "id", generatedBy: .user) var id: String?
    /// `outgoing` (this node asks) or `incoming` (this node owns the data).
    @Field(key: "direction") var direction: String
    @Field(key: "partner") var partner: String
    @Field(key: "record_json") var recordJSON: Data
    @Field(key: "status") var status: String
    @Field(key: "updated_at") var updatedAt: Date
    init() {}
}

struct CreateHitFollowUps: AsyncMigration {
    var name: String { "0017-create-hit-follow-ups" }

    func prepare(on database: any Database) async throws {
        try await database.schema(HitDisclosureModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("partner", .string, .required).field("category", .string, .required).field("reference", .string, .required)
            .field("quality", .string, .required).field("query_id", .string, .required).field("answered_at", .datetime, .required)
            .create()
        try await database.schema(FollowUpModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("direction", .string, .required).field("partner", .string, .required).field("record_json", .data, .required)
            .field("status", .string, .required).field("updated_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(FollowUpModel.schema).delete()
        try await database.schema(HitDisclosureModel.schema).delete()
    }
}

/// An index on (category, id), so that reading a category page by page in id order is a range
/// scan rather than a sort of the whole category per page.
struct IndexHitReferencesByCategoryAndID: AsyncMigration {
    var name: String { "0018-index-hit-references-by-category-and-id" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "hit_references_category_id").on(HitReferenceModel.schema).column("category").column("id").run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.drop(index: "hit_references_category_id").run()
    }
}

/// A hit this node reported to a partner: what a follow-up request may ask about.
package struct HitDisclosure: Sendable, Equatable {
    package var partner: String
    package var category: String
    package var reference: String
    package var quality: String
    package var queryID: String
    package var answeredAt: Date

    package init(partner: String, category: String, reference: String, quality: String, queryID: String, answeredAt: Date) {
        self.partner = partner
        self.category = category
        self.reference = reference
        self.quality = quality
        self.queryID = queryID
        self.answeredAt = answeredAt
    }
}

extension HitStore {
    /// Records the hits reported to a partner (replacing earlier reports of the same references).
    package func recordDisclosures(_ disclosures: [HitDisclosure]) async throws {
        guard !disclosures.isEmpty else { return }
        try await database.transaction { tx in
            for disclosure in disclosures {
                let id = "\(disclosure.partner)/\(disclosure.category)/\(disclosure.reference)"
                let model = try await HitDisclosureModel.find(id, on: tx) ?? HitDisclosureModel()
                model.id = id
                model.partner = disclosure.partner
                model.category = disclosure.category
                model.reference = disclosure.reference
                model.quality = disclosure.quality
                model.queryID = disclosure.queryID
                model.answeredAt = disclosure.answeredAt
                try await model.save(on: tx)
            }
        }
    }

    /// The latest hit on `reference` reported to `partner`, if any.
    package func disclosure(partner: String, category: String, reference: String) async throws -> HitDisclosure? {
        try await HitDisclosureModel.find("\(partner)/\(category)/\(reference)", on: database.database).map {
            HitDisclosure(partner: $0.partner, category: $0.category, reference: $0.reference, quality: $0.quality, queryID: $0.queryID, answeredAt: $0.answeredAt)
        }
    }

    /// Saves a follow-up request's record (JSON of the server's follow-up type), with events, in one transaction.
    package func saveFollowUp(id: String, direction: String, partner: String, record: Data, status: String, audit: [AuditEvent], at now: Date) async throws {
        try await database.transaction { tx in
            let model = try await FollowUpModel.find(id, on: tx) ?? FollowUpModel()
            model.id = id
            model.direction = direction
            model.partner = partner
            model.recordJSON = record
            model.status = status
            model.updatedAt = now
            try await model.save(on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
        }
    }

    package func followUp(id: String) async throws -> Data? {
        try await FollowUpModel.find(id, on: database.database)?.recordJSON
    }

    /// Follow-up records, newest first.
    package func followUps(direction: String? = nil, limit: Int = 500) async throws -> [Data] {
        var query = FollowUpModel.query(on: try database.database).sort(\.$updatedAt, .descending).limit(limit)
        if let direction { query = query.filter(\.$direction == direction) }
        return try await query.all().map(\.recordJSON)
    }
}
