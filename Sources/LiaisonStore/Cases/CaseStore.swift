import FluentKit
package import LiaisonCore
import SQLKit
import Synchronization

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// A stored case with what identifies its row.
package struct CaseRecord: Sendable, Equatable {
    package var id: String
    package var item: Case
    package var updatedAt: Date
    package var revision: String
}

/// One entry of a case's history: an audited operation that named one of its references.
package struct CaseLinkRecord: Sendable, Equatable {
    package var reference: String
    package var at: Date
    package var operation: AuditOperation
    package var actor: String
    package var subject: String?
}

/// Cases, the references they are known by, and their history.
package struct CaseStore: Sendable {
    let database: LiaisonDatabase
    /// The entities each message names, once read: a message never changes after it is stored
    /// (an erased one is no longer found), so a case file read again decodes none of them.
    let entities = MessageEntityCache()

    package init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    static let caseColumns = ["id", "reference", "title", "status", "lead", "document_json", "opened_at", "closed_at", "updated_at", "revision"]

    static func caseRow(_ item: Case, id: String, revision: String, at now: Date) throws -> [any SQLExpression] {
        [
            SQLBind(id), SQLBind(item.reference), SQLBind(item.title), SQLBind(item.status.rawValue), SQLBind(item.lead),
            SQLBind(try JSON.encoder.encode(item)), SQLBind(item.openedAt), RowInsert.value(item.closedAt), SQLBind(now), SQLBind(revision),
        ]
    }

    /// Stores a new case with its references and audit events.
    /// - Throws: ``LiaisonError`` `.conflict` when one of its references names another case.
    package func open(_ item: Case, id: String, audit: [AuditEvent], at now: Date) async throws -> CaseRecord {
        let revision = UUIDv7.make(at: now).uuidString.lowercased()
        try await database.transaction { tx in
            try await Self.claim(item.references, for: id, on: tx)
            try await RowInsert.run([RowInsert(into: CaseModel.schema, columns: Self.caseColumns, rows: [try Self.caseRow(item, id: id, revision: revision, at: now)])], on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
        }
        return CaseRecord(id: id, item: item, updatedAt: now, revision: revision)
    }

    /// Replaces a case as read at `revision` (compare-and-set), with its references.
    /// - Throws: ``LiaisonError`` `.conflict` when it changed since it was read, or a new
    ///   reference names another case.
    package func update(_ record: CaseRecord, to item: Case, audit: [AuditEvent], at now: Date) async throws -> CaseRecord {
        let revision = UUIDv7.make(at: now).uuidString.lowercased()
        try await database.transaction { tx in
            let changed = try await tx.compareAndSet(
                table: CaseModel.schema, id: record.id, column: "revision", expected: record.revision,
                values: [
                    ("title", item.title), ("status", item.status.rawValue), ("lead", item.lead), ("document_json", try JSON.encoder.encode(item)),
                    ("updated_at", now), ("revision", revision),
                ]
            )
            guard changed else { throw LiaisonError(.conflict, "Case \(item.reference) was changed by someone else meanwhile: reload it and try again.") }
            if let closedAt = item.closedAt {
                try await CaseModel.query(on: tx).filter(\.$id == record.id).set(\.$closedAt, to: closedAt).update()
            } else {
                try await CaseModel.query(on: tx).filter(\.$id == record.id).set(\.$closedAt, to: nil).update()
            }
            let kept = Set(item.references.map(Case.key))
            try await CaseReferenceModel.query(on: tx).filter(\.$caseID == record.id).all().filter { !kept.contains($0.id ?? "") }.delete(on: tx)
            try await Self.claim(item.references, for: record.id, on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
        }
        return CaseRecord(id: record.id, item: item, updatedAt: now, revision: revision)
    }

    /// Makes `references` name the case `id`.
    private static func claim(_ references: [String], for id: String, on tx: any Database) async throws {
        for reference in references {
            let key = Case.key(reference)
            if let existing = try await CaseReferenceModel.find(key, on: tx) {
                guard existing.caseID == id else {
                    let other = try await CaseModel.find(existing.caseID, on: tx)
                    throw LiaisonError(.conflict, "The reference '\(reference)' already names case \(other?.reference ?? existing.caseID).")
                }
                continue
            }
            let model = CaseReferenceModel()
            model.id = key
            model.caseID = id
            try await model.create(on: tx)
        }
    }

    /// The case a reference (its own or a partner's) names, or the case with that id.
    package func find(_ reference: String) async throws -> CaseRecord? {
        let db = try db
        if let link = try await CaseReferenceModel.find(Case.key(reference), on: db), let model = try await CaseModel.find(link.caseID, on: db) {
            return try Self.record(model)
        }
        return try await CaseModel.find(reference, on: db).map(Self.record)
    }

    /// Cases, most recently changed first.
    /// - Parameters:
    ///   - status: only cases in this status.
    ///   - member: only cases this user leads or works on.
    ///   - text: only cases whose reference or title contains it (any case).
    package func list(status: Case.Status? = nil, member: String? = nil, text: String? = nil, limit: Int = 500) async throws -> [CaseRecord] {
        var query = CaseModel.query(on: try db).sort(\.$updatedAt, .descending)
        if let status { query = query.filter(\.$status == status.rawValue) }
        let needle = text?.lowercased().filter { !$0.isWhitespace || $0 == " " } ?? ""
        var records: [CaseRecord] = []
        // Membership is in the document (the team is a list): filter after decoding, in pages.
        var offset = 0
        while records.count < limit {
            let page = try await query.copy().range(offset..<(offset + 500)).all()
            for model in page {
                let record = try Self.record(model)
                if let member, !record.item.isMember(member) { continue }
                if !needle.isEmpty, !(record.item.references + [record.item.title]).contains(where: { $0.lowercased().contains(needle) }) { continue }
                records.append(record)
                if records.count == limit { break }
            }
            guard page.count == 500 else { break }
            offset += 500
        }
        return records
    }

    /// How many cases carry each status.
    package func counts() async throws -> [Case.Status: Int] {
        var counts: [Case.Status: Int] = [:]
        for status in Case.Status.allCases {
            counts[status] = try await CaseModel.query(on: try db).filter(\.$status == status.rawValue).count()
        }
        return counts
    }

    /// The history recorded under any of `references`, newest first.
    package func links(of references: [String], limit: Int = 10_000) async throws -> [CaseLinkRecord] {
        let keys = references.map(Case.key)
        let db = try db
        if let fast = try await SQLiteRows.map(db, """
            SELECT case_key, at, operation, actor, subject FROM \(CaseLinkModel.schema) WHERE case_key IN (\(SQLiteRows.placeholders(keys.count)))
            ORDER BY at DESC, id DESC LIMIT \(max(0, limit))
            """, keys, { row in
                CaseLinkRecord(
                    reference: row.string("case_key") ?? "", at: row.date("at") ?? Date(timeIntervalSince1970: 0),
                    operation: AuditOperation(rawValue: row.string("operation") ?? "") ?? .caseChanged, actor: row.string("actor") ?? "", subject: row.string("subject")
                )
            }) {
            return fast
        }
        // Plain SQL rows: a case file reads thousands, and decoding models (by reflection) cost
        // more than the query.
        let rows = try await db.sql.select()
            .columns("case_key", "at", "operation", "actor", "subject")
            .from(CaseLinkModel.schema)
            .where(SQLIdentifier("case_key"), .in, SQLGroupExpression(keys.map { SQLBind($0) }))
            .orderBy("at", .descending).orderBy("id", .descending)
            .limit(max(0, limit))
            .all()
        return try rows.map { row in
            CaseLinkRecord(
                reference: try row.decode(column: "case_key", as: String.self), at: try row.decode(column: "at", as: Date.self),
                operation: AuditOperation(rawValue: try row.decode(column: "operation", as: String.self)) ?? .caseChanged,
                actor: try row.decode(column: "actor", as: String.self), subject: try row.decode(column: "subject", as: String?.self)
            )
        }
    }

    static func record(_ model: CaseModel) throws -> CaseRecord {
        CaseRecord(
            id: model.id!, item: try JSON.decoder.decode(Case.self, from: model.documentJSON), updatedAt: model.updatedAt,  // checked: a row loaded from the database has its primary key
            revision: model.revision
        )
    }
}

/// What a case's history shows of a linked record: a label in words, where it stands, and the
/// date it waits for, if any.
package struct LinkedRecord: Sendable, Equatable {
    package var label: String
    package var state: String?
    /// A deadline still open (an approval or a follow-up awaiting its decision, a hold's end).
    package var due: Date?
    /// For messages: the entities they name.
    package var entities: [NamedEntity] = []

    /// What a case file shows of an entity a message names.
    package struct NamedEntity: Decodable, Sendable, Equatable {
        package var id: String
        package var schema: String
        package var properties: [String: [String]]
        package var dataSubjectCategory: DataSubjectCategory

        /// Its name, or the identifier that names it (a plate, an IBAN, a number).
        package var name: String {
            for key in ["name", "registrationNumber", "iban", "number", "accountNumber", "publicKey", "passportNumber"] {
                if let value = properties[key]?.first, !value.isEmpty { return value }
            }
            return id
        }
    }
}

extension CaseStore {
    /// Describes the records behind link subjects (`message:<id>`, `evidence:<id>`,
    /// `approval:<id>`, `legal-hold:<id>`, `follow-up:<id>`), a few queries per kind whatever
    /// their number.
    package func describe(_ subjects: [String], at now: Date) async throws -> [String: LinkedRecord] {
        let db = try db
        var ids: [String: [String]] = [:]
        for subject in Set(subjects) {
            guard let colon = subject.firstIndex(of: ":") else { continue }
            ids[String(subject[..<colon]), default: []].append(String(subject[subject.index(after: colon)...]))
        }
        var described: [String: LinkedRecord] = [:]
        // Only what a history line shows of a message, and its entities (not the whole message).
        // The entities as a case file names them: four members decoded, not a whole MessageEntity.
        struct Entities: Decodable { var entities: [LinkedRecord.NamedEntity]? }
        for chunk in Self.chunks(ids["message"] ?? []) {
            var found: [String: LinkedRecord] = [:]
            let describeMessage = { @Sendable (id: String, box: String, counterpart: String, subject: String, read: Bool) -> (String, LinkedRecord) in
                let inbox = box == MessageRecord.Box.inbox.rawValue
                return (id, LinkedRecord(
                    label: "\(subject) — \(inbox ? "from" : "to") \(counterpart.replacingOccurrences(of: ",", with: ", "))",
                    state: inbox ? (read ? "read" : "unread") : nil
                ))
            }
            if let fast = try await SQLiteRows.map(db, """
                SELECT id, box, counterpart, subject, read_at FROM \(MessageModel.schema) WHERE id IN (\(SQLiteRows.placeholders(chunk.count)))
                """, Array(chunk), { row in
                    describeMessage(row.string("id") ?? "", row.string("box") ?? "", row.string("counterpart") ?? "", row.string("subject") ?? "", row.date("read_at") != nil)
                }) {
                for (id, record) in fast { found[id] = record }
            } else {
                let rows = try await db.sql.select()
                    .columns("id", "box", "counterpart", "subject", "read_at")
                    .from(MessageModel.schema)
                    .where(SQLIdentifier("id"), .in, SQLGroupExpression(chunk.map { SQLBind($0) }))
                    .all()
                for row in rows {
                    let (id, record) = describeMessage(
                        try row.decode(column: "id", as: String.self), try row.decode(column: "box", as: String.self), try row.decode(column: "counterpart", as: String.self),
                        try row.decode(column: "subject", as: String.self), try row.decode(column: "read_at", as: Date?.self) != nil
                    )
                    found[id] = record
                }
            }
            let known = entities.lookup(Array(found.keys))
            let missing = found.keys.filter { known[$0] == nil }
            var read: [String: [LinkedRecord.NamedEntity]] = [:]
            if !missing.isEmpty {
                for row in try await db.sql.select().columns("id", "document_json").from(MessageModel.schema)
                    .where(SQLIdentifier("id"), .in, SQLGroupExpression(missing.map { SQLBind($0) })).all() {
                    let document = try row.decode(column: "document_json", as: String.self)
                    read[try row.decode(column: "id", as: String.self)] = (try? JSON.decoder.decode(Entities.self, from: Data(document.utf8)).entities) ?? []
                }
                entities.store(read)
            }
            for (id, var record) in found {
                record.entities = known[id] ?? read[id] ?? []
                described["message:\(id)"] = record
            }
        }
        for chunk in Self.chunks(ids["evidence"] ?? []) {
            for model in try await EvidenceItemModel.query(on: db).filter(\.$id ~~ chunk).all() {
                let item = try? JSON.decoder.decode(EvidenceItem.self, from: model.documentJSON)
                described["evidence:\(model.id!)"] = LinkedRecord(label: item.map { "\($0.description) (\($0.kind.rawValue))" } ?? "Item \(model.id!)")  // checked: a row loaded from the database has its primary key
            }
        }
        for chunk in Self.chunks(ids["approval"] ?? []) {
            for model in try await ApprovalModel.query(on: db).filter(\.$id ~~ chunk).all() {
                let pending = model.state == ApprovalRecord.State.pending.rawValue
                described["approval:\(model.id!)"] = LinkedRecord(  // checked: a row loaded from the database has its primary key
                    label: model.summary, state: model.state, due: pending ? model.dueAt : nil
                )
            }
        }
        for chunk in Self.chunks(ids["legal-hold"] ?? []) {
            for model in try await LegalHoldModel.query(on: db).filter(\.$id ~~ chunk).all() {
                let active = model.releasedAt == nil && now < model.until
                described["legal-hold:\(model.id!)"] = LinkedRecord(  // checked: a row loaded from the database has its primary key
                    label: model.reason, state: active ? "in force" : "ended", due: active ? model.until : nil
                )
            }
        }
        struct FollowUpFields: Decodable { var category: String; var reference: String; var status: String; var deadline: Date; var owner: String; var requester: String }
        for chunk in Self.chunks(ids["follow-up"] ?? []) {
            for model in try await FollowUpModel.query(on: db).filter(\.$id ~~ chunk).all() {
                guard let fields = try? JSON.decoder.decode(FollowUpFields.self, from: model.recordJSON) else { continue }
                let outgoing = model.direction == "outgoing"
                described["follow-up:\(model.id!)"] = LinkedRecord(  // checked: a row loaded from the database has its primary key
                    label: "Follow-up on \(fields.category) \(fields.reference) — \(outgoing ? "asked of \(fields.owner)" : "asked by \(fields.requester)")",
                    state: fields.status, due: fields.status == "requested" ? fields.deadline : nil
                )
            }
        }
        return described
    }

    /// Ids in groups small enough for one `IN (…)` each.
    static func chunks(_ ids: [String]) -> [ArraySlice<String>] {
        stride(from: 0, to: ids.count, by: 500).map { ids[$0..<min($0 + 500, ids.count)] }
    }
}

/// The entities messages name, by message id, as case files read them (bounded: emptied when it
/// holds more than 200,000 messages).
final class MessageEntityCache: Sendable {
    private let entries = Mutex<[String: [LinkedRecord.NamedEntity]]>([:])
    static let capacity = 200_000

    func lookup(_ ids: [String]) -> [String: [LinkedRecord.NamedEntity]] {
        entries.withLock { cache in
            var found: [String: [LinkedRecord.NamedEntity]] = [:]
            for id in ids { if let known = cache[id] { found[id] = known } }
            return found
        }
    }

    func store(_ read: [String: [LinkedRecord.NamedEntity]]) {
        entries.withLock { cache in
            if cache.count + read.count > Self.capacity { cache.removeAll(keepingCapacity: true) }
            cache.merge(read) { _, new in new }
        }
    }
}
