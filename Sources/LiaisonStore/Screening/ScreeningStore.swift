import Crypto
import FluentKit
package import LiaisonCore
import SQLKit

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

final class ScreeningListModel: Model, @unchecked Sendable {
    static let schema = "screening_lists"
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "kind") var kind: String
    @Field(key: "format") var format: String
    @Field(key: "version") var version: Int
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "description") var description: String
    init() {}
}

final class ScreeningEntryModel: Model, @unchecked Sendable {
    static let schema = "screening_entries"
    /// `<list>/<entry id>`.
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "list_name") var listName: String
    @Field(key: "entry_id") var entryID: String
    /// The entry as the matcher sees it (JSON), and its display details (JSON).
    @Field(key: "entry_json") var entryJSON: Data
    @Field(key: "details_json") var detailsJSON: Data
    /// SHA-256 of both, to tell what a re-import changed.
    @Field(key: "content_hash") var contentHash: String
    /// False for a national designation still inside its response window.
    @Field(key: "active") var active: Bool
    init() {}
}

final class ScreeningResultModel: Model, @unchecked Sendable {
    static let schema = "screening_results"
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "screened_at") var screenedAt: Date
    @Field(key: "actor") var actor: String
    @Field(key: "query_json") var queryJSON: Data
    /// SHA-256 of the normalised query: the same input gives the same key.
    @Field(key: "input_key") var inputKey: String
    @Field(key: "list_name") var listName: String
    @Field(key: "list_version") var listVersion: Int
    @Field(key: "entry_id") var entryID: String
    @Field(key: "matched_name") var matchedName: String
    @Field(key: "score") var score: Double
    @Field(key: "explanation_json") var explanationJSON: Data
    @Field(key: "algorithm") var algorithm: String
    @Field(key: "parameters_json") var parametersJSON: Data
    @Field(key: "status") var status: String
    @OptionalField(key: "decided_by") var decidedBy: String?
    @OptionalField(key: "decided_at") var decidedAt: Date?
    @OptionalField(key: "reason") var reason: String?
    init() {}
}

final class ScreeningClearanceModel: Model, @unchecked Sendable {
    static let schema = "screening_clearances"
    /// `<input key>/<list>/<version>/<entry>`.
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "result_id") var resultID: String
    @Field(key: "reason") var reason: String
    @Field(key: "decided_by") var decidedBy: String
    @Field(key: "decided_at") var decidedAt: Date
    init() {}
}

final class DesignationModel: Model, @unchecked Sendable {
    static let schema = "designations"
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "list_name") var listName: String
    @Field(key: "entry_id") var entryID: String
    @Field(key: "record_json") var recordJSON: Data
    @Field(key: "status") var status: String
    @Field(key: "window_ends_at") var windowEndsAt: Date
    init() {}
}

struct CreateScreening: AsyncMigration {
    var name: String { "0010-create-screening" }

    func prepare(on database: any Database) async throws {
        try await database.schema(ScreeningListModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("kind", .string, .required).field("format", .string, .required)
            .field("version", .int, .required).field("updated_at", .datetime, .required)
            .field("description", .string, .required)
            .create()
        try await database.schema(ScreeningEntryModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("list_name", .string, .required).field("entry_id", .string, .required)
            .field("entry_json", .data, .required).field("details_json", .data, .required)
            .field("content_hash", .string, .required).field("active", .bool, .required)
            .create()
        try await database.schema(ScreeningResultModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("screened_at", .datetime, .required).field("actor", .string, .required)
            .field("query_json", .data, .required).field("input_key", .string, .required)
            .field("list_name", .string, .required).field("list_version", .int, .required)
            .field("entry_id", .string, .required).field("matched_name", .string, .required)
            .field("score", .double, .required).field("explanation_json", .data, .required)
            .field("algorithm", .string, .required).field("parameters_json", .data, .required)
            .field("status", .string, .required)
            .field("decided_by", .string).field("decided_at", .datetime).field("reason", .string)
            .create()
        try await database.schema(ScreeningClearanceModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("result_id", .string, .required).field("reason", .string, .required)
            .field("decided_by", .string, .required).field("decided_at", .datetime, .required)
            .create()
        try await database.schema(DesignationModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("list_name", .string, .required).field("entry_id", .string, .required)
            .field("record_json", .data, .required).field("status", .string, .required)
            .field("window_ends_at", .datetime, .required)
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "screening_entries_list").on(ScreeningEntryModel.schema).column("list_name").run()
            try await sql.create(index: "screening_results_status").on(ScreeningResultModel.schema).column("status").run()
        }
    }

    func revert(on database: any Database) async throws {
        for schema in [DesignationModel.schema, ScreeningClearanceModel.schema, ScreeningResultModel.schema, ScreeningEntryModel.schema, ScreeningListModel.schema] {
            try await database.schema(schema).delete()
        }
    }
}

/// A list as stored: name, kind, version and size.
package struct ScreeningListSummary: Sendable, Codable, Equatable {
    package enum Kind: String, Sendable, Codable { case sanctions, national }
    package var name: String
    package var kind: Kind
    package var format: String
    package var version: Int
    package var updatedAt: Date
    package var description: String
    package var entries: Int
}

/// One stored entry of a list.
package struct ScreeningEntryRecord: Sendable, Codable, Equatable {
    package var list: String
    package var entry: Data
    package var details: Data
    package var active: Bool
}

/// What an import changed.
package struct ListImportReport: Sendable, Codable, Equatable {
    package var list: String
    package var version: Int
    package var entries: Int
    package var added: [String]
    package var removed: [String]
    package var changed: [String]
}

/// A stored screening result: one candidate of one query, a potential match until a person decides.
package struct ScreeningResultRecord: Sendable, Codable, Equatable {
    package enum Status: String, Sendable, Codable, CaseIterable { case potential, confirmed, falsePositive = "false-positive" }
    package var id: String
    package var screenedAt: Date
    package var actor: String
    package var query: Data
    package var inputKey: String
    package var list: String
    package var listVersion: Int
    package var entryID: String
    package var matchedName: String
    package var score: Double
    package var explanation: Data
    package var algorithm: String
    package var parameters: Data
    package var status: Status
    package var decidedBy: String?
    package var decidedAt: Date?
    package var reason: String?

    package init(id: String, screenedAt: Date, actor: String, query: Data, inputKey: String, list: String, listVersion: Int, entryID: String,
                matchedName: String, score: Double, explanation: Data, algorithm: String, parameters: Data) {
        self.id = id
        self.screenedAt = screenedAt
        self.actor = actor
        self.query = query
        self.inputKey = inputKey
        self.list = list
        self.listVersion = listVersion
        self.entryID = entryID
        self.matchedName = matchedName
        self.score = score
        self.explanation = explanation
        self.algorithm = algorithm
        self.parameters = parameters
        self.status = .potential
    }

    /// The key under which a false-positive clearance is remembered.
    package var clearanceKey: String { "\(inputKey)/\(list)/\(listVersion)/\(entryID)" }
}

/// A designation on a national list and its due process.
package struct DesignationRecord: Sendable, Codable, Equatable {
    package enum Status: String, Sendable, Codable { case notified, effective, withdrawn }
    package var id: String
    package var list: String
    package var entryID: String
    /// The confirmed screening result the designation rests on.
    package var resultID: String
    package var subject: String
    package var grounds: String
    package var status: Status
    package var designatedBy: String
    package var notifiedAt: Date
    package var notificationMethod: String
    package var responseWindowDays: Int
    package var windowEndsAt: Date
    package var response: String?
    package var respondedAt: Date?
    package var urgencyOverride: String?
    package var overriddenBy: String?
    package var effectiveAt: Date?
    package var withdrawalReason: String?

    package init(id: String, list: String, entryID: String, resultID: String, subject: String, grounds: String, status: Status,
                designatedBy: String, notifiedAt: Date, notificationMethod: String, responseWindowDays: Int, windowEndsAt: Date) {
        self.id = id
        self.list = list
        self.entryID = entryID
        self.resultID = resultID
        self.subject = subject
        self.grounds = grounds
        self.status = status
        self.designatedBy = designatedBy
        self.notifiedAt = notifiedAt
        self.notificationMethod = notificationMethod
        self.responseWindowDays = responseWindowDays
        self.windowEndsAt = windowEndsAt
    }
}

/// Sanctions and watch lists, screening results with their adjudication, remembered clearances and
/// designations.
package struct ScreeningStore: Sendable {
    let database: LiaisonDatabase

    package init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    // MARK: Lists

    package func lists() async throws -> [ScreeningListSummary] {
        let lists = try await ScreeningListModel.query(on: db).sort(\.$id).all()
        var out: [ScreeningListSummary] = []
        for list in lists {
            let count = try await ScreeningEntryModel.query(on: db).filter(\.$listName == list.id!).count()  // checked: a row loaded from the database has its primary key
            out.append(Self.summary(list, entries: count))
        }
        return out
    }

    package func list(_ name: String) async throws -> ScreeningListSummary? {
        guard let model = try await ScreeningListModel.find(name, on: db) else { return nil }
        return Self.summary(model, entries: try await ScreeningEntryModel.query(on: db).filter(\.$listName == name).count())
    }

    static func summary(_ model: ScreeningListModel, entries: Int) -> ScreeningListSummary {
        ScreeningListSummary(name: model.id!, kind: .init(rawValue: model.kind) ?? .sanctions, format: model.format, version: model.version,  // checked: a row loaded from the database has its primary key
                             updatedAt: model.updatedAt, description: model.description, entries: entries)
    }

    /// The entries of the lists named (every list when nil), with each list's version.
    package func entries(lists: [String]? = nil, activeOnly: Bool = true) async throws -> [(list: String, version: Int, record: ScreeningEntryRecord, id: String)] {
        let versions = Dictionary(uniqueKeysWithValues: try await ScreeningListModel.query(on: db).all().map { ($0.id!, $0.version) })  // checked: a row loaded from the database has its primary key
        var query = try ScreeningEntryModel.query(on: db).sort(\.$id)
        if activeOnly { query = query.filter(\.$active == true) }
        if let lists { query = query.filter(\.$listName ~~ lists) }
        return try await query.all().map { model in
            (model.listName, versions[model.listName] ?? 0,
             ScreeningEntryRecord(list: model.listName, entry: model.entryJSON, details: model.detailsJSON, active: model.active), model.entryID)
        }
    }

    package func entry(list: String, id: String) async throws -> ScreeningEntryRecord? {
        guard let model = try await ScreeningEntryModel.find("\(list)/\(id)", on: db) else { return nil }
        return ScreeningEntryRecord(list: model.listName, entry: model.entryJSON, details: model.detailsJSON, active: model.active)
    }

    /// Replaces the entries of list `name` with `entries` (id → entry JSON, details JSON) in one
    /// transaction, creating the list if needed; the version goes up by one when anything changed.
    package func replace(list name: String, kind: ScreeningListSummary.Kind, format: String, description: String,
                        entries: [(id: String, entry: Data, details: Data)], audit: [AuditEvent], at now: Date) async throws -> ListImportReport {
        try await database.transaction { tx in
            var existing = Set(try await ScreeningEntryModel.query(on: tx).filter(\.$listName == name).all().map(\.entryID))
            var changes = Changes()
            var seen = Set<String>()
            for item in entries {
                guard seen.insert(item.id).inserted else { throw LiaisonError(.invalidInput, "entry \(item.id) appears twice in the list") }
                existing.remove(item.id)
                try await Self.upsert(list: name, id: item.id, entry: item.entry, details: item.details, active: true, into: &changes, on: tx)
            }
            changes.removed = existing.sorted()
            if !changes.removed.isEmpty {
                try await ScreeningEntryModel.query(on: tx).filter(\.$listName == name).filter(\.$entryID ~~ changes.removed).delete()
            }
            return try await Self.finish(list: name, kind: kind, format: format, description: description, changes: changes, audit: audit, at: now, on: tx)
        }
    }

    /// Applies upserts and deletions to list `name` in one transaction (a delta file, or an edit
    /// of a national list).
    package func apply(list name: String, kind: ScreeningListSummary.Kind, format: String, description: String,
                      upserts: [(id: String, entry: Data, details: Data, active: Bool)], deletions: [String],
                      audit: [AuditEvent], at now: Date) async throws -> ListImportReport {
        try await database.transaction { tx in
            var changes = Changes()
            for item in upserts {
                try await Self.upsert(list: name, id: item.id, entry: item.entry, details: item.details, active: item.active, into: &changes, on: tx)
            }
            for id in deletions {
                if let model = try await ScreeningEntryModel.find("\(name)/\(id)", on: tx) {
                    try await model.delete(on: tx)
                    changes.removed.append(id)
                }
            }
            return try await Self.finish(list: name, kind: kind, format: format, description: description, changes: changes, audit: audit, at: now, on: tx)
        }
    }

    private struct Changes {
        var added: [String] = []
        var changed: [String] = []
        var removed: [String] = []
        var any: Bool { !added.isEmpty || !changed.isEmpty || !removed.isEmpty }
    }

    /// Inserts or updates one entry, noting what changed.
    private static func upsert(list name: String, id: String, entry: Data, details: Data, active: Bool, into changes: inout Changes, on tx: any Database) async throws {
        let hash = Self.hash(entry, details)
        if let model = try await ScreeningEntryModel.find("\(name)/\(id)", on: tx) {
            guard model.contentHash != hash || model.active != active else { return }
            model.entryJSON = entry
            model.detailsJSON = details
            model.contentHash = hash
            model.active = active
            try await model.save(on: tx)
            changes.changed.append(id)
        } else {
            let model = ScreeningEntryModel()
            model.id = "\(name)/\(id)"
            model.listName = name
            model.entryID = id
            model.entryJSON = entry
            model.detailsJSON = details
            model.contentHash = hash
            model.active = active
            try await model.create(on: tx)
            changes.added.append(id)
        }
    }

    /// Bumps the version when anything changed and records the audit events with the counts.
    private static func finish(list name: String, kind: ScreeningListSummary.Kind, format: String, description: String, changes: Changes,
                               audit: [AuditEvent], at now: Date, on tx: any Database) async throws -> ListImportReport {
        let version = try await bump(list: name, kind: kind, format: format, description: description, changed: changes.any, at: now, on: tx)
        var events = audit
        for index in events.indices {
            events[index].details = (events[index].details ?? [:]).merging(
                ["version": "\(version)", "added": "\(changes.added.count)", "removed": "\(changes.removed.count)", "changed": "\(changes.changed.count)"]) { $1 }
        }
        try await AuditStore.record(events, at: now, on: tx)
        let total = try await ScreeningEntryModel.query(on: tx).filter(\.$listName == name).count()
        return ListImportReport(list: name, version: version, entries: total, added: changes.added, removed: changes.removed, changed: changes.changed)
    }

    private static func bump(list name: String, kind: ScreeningListSummary.Kind, format: String, description: String, changed: Bool,
                             at now: Date, on tx: any Database) async throws -> Int {
        if let model = try await ScreeningListModel.find(name, on: tx) {
            guard model.kind == kind.rawValue else {
                throw LiaisonError(.conflict, "list \(name) is a \(model.kind) list; choose another name")
            }
            if changed {
                model.version += 1
                model.updatedAt = now
                model.format = format
                try await model.save(on: tx)
            }
            return model.version
        }
        let model = ScreeningListModel()
        model.id = name
        model.kind = kind.rawValue
        model.format = format
        model.version = 1
        model.updatedAt = now
        model.description = description
        try await model.create(on: tx)
        return 1
    }

    static func hash(_ entry: Data, _ details: Data) -> String {
        var hasher = SHA256()
        hasher.update(data: entry)
        hasher.update(data: [0])
        hasher.update(data: details)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Results and adjudication

    package func save(_ results: [ScreeningResultRecord], audit: [AuditEvent], at now: Date) async throws {
        guard !results.isEmpty || !audit.isEmpty else { return }
        try await database.transaction { tx in
            for record in results {
                let model = ScreeningResultModel()
                model.id = record.id
                model.screenedAt = record.screenedAt
                model.actor = record.actor
                model.queryJSON = record.query
                model.inputKey = record.inputKey
                model.listName = record.list
                model.listVersion = record.listVersion
                model.entryID = record.entryID
                model.matchedName = record.matchedName
                model.score = record.score
                model.explanationJSON = record.explanation
                model.algorithm = record.algorithm
                model.parametersJSON = record.parameters
                model.status = record.status.rawValue
                try await model.create(on: tx)
            }
            try await AuditStore.record(audit, at: now, on: tx)
        }
    }

    package func result(_ id: String) async throws -> ScreeningResultRecord? {
        try await ScreeningResultModel.find(id, on: db).map(Self.record)
    }

    package func results(status: ScreeningResultRecord.Status?, limit: Int = 200) async throws -> [ScreeningResultRecord] {
        var query = try ScreeningResultModel.query(on: db).sort(\.$screenedAt, .descending).sort(\.$id, .descending).limit(limit)
        if let status { query = query.filter(\.$status == status.rawValue) }
        return try await query.all().map(Self.record)
    }

    /// Clearance keys already decided as false positives among `keys`.
    package func clearances(among keys: [String]) async throws -> [String: String] {
        guard !keys.isEmpty else { return [:] }
        var out: [String: String] = [:]
        for chunk in stride(from: 0, to: keys.count, by: 500) {
            let slice = Array(keys[chunk..<min(keys.count, chunk + 500)])
            for model in try await ScreeningClearanceModel.query(on: db).filter(\.$id ~~ slice).all() { out[model.id!] = model.resultID }  // checked: a row loaded from the database has its primary key
        }
        return out
    }

    /// Records a person's decision on a potential match; a false positive is remembered for the
    /// same input and list version.
    /// - Throws: ``LiaisonError`` `.notFound`, or `.conflict` when it was already decided.
    package func adjudicate(_ id: String, status: ScreeningResultRecord.Status, reason: String, by user: String, audit: AuditEvent, at now: Date) async throws -> ScreeningResultRecord {
        try await database.transaction { tx in
            let decided = try await tx.compareAndSet(
                table: ScreeningResultModel.schema, id: id, column: "status", expected: ScreeningResultRecord.Status.potential.rawValue,
                values: [("status", status.rawValue), ("decided_by", user), ("decided_at", now), ("reason", reason)]
            )
            guard let model = try await ScreeningResultModel.find(id, on: tx) else { throw LiaisonError(.notFound, "No screening result \(id).") }
            guard decided else {
                throw LiaisonError(.conflict, "Screening result \(id) was already decided (\(model.status)) by \(model.decidedBy ?? "someone").")
            }
            let record = Self.record(model)
            if status == .falsePositive, try await ScreeningClearanceModel.find(record.clearanceKey, on: tx) == nil {
                let clearance = ScreeningClearanceModel()
                clearance.id = record.clearanceKey
                clearance.resultID = id
                clearance.reason = reason
                clearance.decidedBy = user
                clearance.decidedAt = now
                try await clearance.create(on: tx)
            }
            try await AuditStore.record([audit], at: now, on: tx)
            return record
        }
    }

    static func record(_ model: ScreeningResultModel) -> ScreeningResultRecord {
        var record = ScreeningResultRecord(
            id: model.id!, screenedAt: model.screenedAt, actor: model.actor, query: model.queryJSON, inputKey: model.inputKey,  // checked: a row loaded from the database has its primary key
            list: model.listName, listVersion: model.listVersion, entryID: model.entryID, matchedName: model.matchedName,
            score: model.score, explanation: model.explanationJSON, algorithm: model.algorithm, parameters: model.parametersJSON)
        record.status = .init(rawValue: model.status) ?? .potential
        record.decidedBy = model.decidedBy
        record.decidedAt = model.decidedAt
        record.reason = model.reason
        return record
    }

    // MARK: Designations

    package func designations() async throws -> [DesignationRecord] {
        try await DesignationModel.query(on: db).sort(\.$id, .descending).all().map { try JSON.decoder.decode(DesignationRecord.self, from: $0.recordJSON) }
    }

    package func designation(_ id: String) async throws -> DesignationRecord? {
        try await DesignationModel.find(id, on: db).map { try JSON.decoder.decode(DesignationRecord.self, from: $0.recordJSON) }
    }

    /// Stores a designation, and with it (in the same transaction) its entry on the national list,
    /// active only when the designation is effective.
    package func save(_ designation: DesignationRecord, entry: Data, details: Data, kind: ScreeningListSummary.Kind, audit: [AuditEvent], at now: Date) async throws {
        try await database.transaction { tx in
            let model = try await DesignationModel.find(designation.id, on: tx) ?? DesignationModel()
            model.id = designation.id
            model.listName = designation.list
            model.entryID = designation.entryID
            model.recordJSON = try JSON.encoder.encode(designation)
            model.status = designation.status.rawValue
            model.windowEndsAt = designation.windowEndsAt
            try await model.save(on: tx)
            var changes = Changes()
            if designation.status == .withdrawn {
                try await ScreeningEntryModel.find("\(designation.list)/\(designation.entryID)", on: tx)?.delete(on: tx)
            } else {
                try await Self.upsert(list: designation.list, id: designation.entryID, entry: entry, details: details,
                                      active: designation.status == .effective, into: &changes, on: tx)
            }
            _ = try await Self.bump(list: designation.list, kind: kind, format: "national", description: "National list", changed: true, at: now, on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
        }
    }

    /// Designations whose response window has ended but that are not yet effective.
    package func due(at now: Date) async throws -> [DesignationRecord] {
        try await DesignationModel.query(on: db).filter(\.$status == DesignationRecord.Status.notified.rawValue)
            .filter(\.$windowEndsAt <= now).all().map { try JSON.decoder.decode(DesignationRecord.self, from: $0.recordJSON) }
    }
}
