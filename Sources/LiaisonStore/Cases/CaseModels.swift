import FluentKit
import LiaisonCore
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A case: its columns to list and filter by, and the whole ``Case`` as JSON.
final class CaseModel: Model, @unchecked Sendable {
    static let schema = "cases"
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "reference") var reference: String
    @Field(key: "title") var title: String
    @Field(key: "status") var status: String
    @Field(key: "lead") var lead: String
    @Field(key: "document_json") var documentJSON: Data
    @Field(key: "opened_at") var openedAt: Date
    @OptionalField(key: "closed_at") var closedAt: Date?
    @Field(key: "updated_at") var updatedAt: Date
    /// Changes on every save: an update applies only to the revision it read (compare-and-set).
    @Field(key: "revision") var revision: String
    init() {}
}

/// Every reference a case is known by (its own and the partners'), by ``Case/key(_:)``: one case each.
final class CaseReferenceModel: Model, @unchecked Sendable {
    static let schema = "case_references"
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "case_id") var caseID: String
    init() {}
}

/// What happened under a reference: one row for each audited operation that named it, written in
/// the operation's own transaction (see ``CaseLinks``). Keyed by the reference, not the case, so
/// that a partner's reference added to a case later brings its history with it.
final class CaseLinkModel: Model, @unchecked Sendable {
    static let schema = "case_links"
    @ID(custom: "id", generatedBy: .database) var id: Int?
    @Field(key: "case_key") var caseKey: String
    @Field(key: "at") var at: Date
    @Field(key: "operation") var operation: String
    @Field(key: "outcome") var outcome: String
    @Field(key: "actor") var actor: String
    @OptionalField(key: "subject") var subject: String?
    init() {}
}

/// Cases, their references and links (migration 0021); references already in use become cases,
/// and what was recorded under them becomes their history.
struct CreateCases: AsyncMigration {
    var name: String { "0021-create-cases" }

    func prepare(on database: any Database) async throws {
        try await database.schema(CaseModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("reference", .string, .required).field("title", .string, .required).field("status", .string, .required)
            .field("lead", .string, .required).field("document_json", .data, .required)
            .field("opened_at", .datetime, .required).field("closed_at", .datetime).field("updated_at", .datetime, .required)
            .field("revision", .string, .required)
            .create()
        try await database.schema(CaseReferenceModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("case_id", .string, .required)
            .create()
        try await database.schema(CaseLinkModel.schema)
            .field("id", .int, .identifier(auto: true))
            .field("case_key", .string, .required).field("at", .datetime, .required).field("operation", .string, .required)
            .field("outcome", .string, .required).field("actor", .string, .required).field("subject", .string)
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "case_links_key_at").on(CaseLinkModel.schema).column("case_key").column("at").run()
            try await sql.create(index: "case_references_case").on(CaseReferenceModel.schema).column("case_id").run()
            try await sql.create(index: "cases_status_updated").on(CaseModel.schema).column("status").column("updated_at").run()
        }
        try await Self.backfill(on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CaseLinkModel.schema).delete()
        try await database.schema(CaseReferenceModel.schema).delete()
        try await database.schema(CaseModel.schema).delete()
    }

    /// The history of every reference in use, and a case for each (its title the reference; a
    /// supervisor completes it). Pseudo-references (`message:<id>`, `follow-up <id>`) stay links.
    static func backfill(on database: any Database) async throws {
        var links: [(reference: String, at: Date, operation: AuditOperation, actor: String, subject: String, own: Bool)] = []
        for model in try await MessageModel.query(on: database).filter(\.$caseRef != nil).all() {
            guard let reference = model.caseRef, let id = model.id else { continue }
            let inbox = model.box == MessageRecord.Box.inbox.rawValue
            links.append((reference, model.createdAt, inbox ? .messageReceived : .messageSent, inbox ? "node:\(model.counterpart)" : "system", "message:\(id)", !inbox))
        }
        for model in try await EvidenceItemModel.query(on: database).all() {
            guard let id = model.id else { continue }
            links.append((model.caseRef, model.registeredAt, .evidenceRegistered, "system", "evidence:\(id)", true))
        }
        for model in try await ApprovalModel.query(on: database).filter(\.$caseRef != nil).all() {
            guard let reference = model.caseRef, let id = model.id else { continue }
            links.append((reference, model.requestedAt, .approvalRequested, model.requester, "approval:\(id)", true))
        }
        for model in try await LegalHoldModel.query(on: database).filter(\.$caseRef != nil).all() {
            guard let reference = model.caseRef, let id = model.id else { continue }
            links.append((reference, model.createdAt, .legalHoldChanged, model.createdBy, "legal-hold:\(id)", true))
        }
        struct FollowUpFields: Decodable { var caseRef: String?; var requestedAt: Date?; var requestedBy: String? }
        for model in try await FollowUpModel.query(on: database).all() {
            guard let id = model.id, let fields = try? JSON.decoder.decode(FollowUpFields.self, from: model.recordJSON), let reference = fields.caseRef else { continue }
            links.append((reference, fields.requestedAt ?? model.updatedAt, .followUpRequested, fields.requestedBy ?? "system", "follow-up:\(id)", model.direction == "outgoing"))
        }
        guard !links.isEmpty else { return }
        var insert = CaseLinks.rows
        for link in links where !Case.key(link.reference).isEmpty {
            insert.add([SQLBind(Case.key(link.reference)), SQLBind(link.at), SQLBind(link.operation.rawValue), SQLBind(AuditEvent.Outcome.success.rawValue), SQLBind(link.actor), SQLBind(link.subject)])
        }
        var first: [String: (reference: String, at: Date)] = [:]
        // Cases for the references this node's users gave; a partner's reference on what arrived
        // stays a link, which joins a case once a user adds it to the case's partner references.
        for link in links where link.own && CaseLinks.namesCase(link.reference) {
            let key = Case.key(link.reference)
            if let seen = first[key], seen.at <= link.at { continue }
            first[key] = (link.reference, link.at)
        }
        var cases = RowInsert(into: CaseModel.schema, columns: CaseStore.caseColumns)
        var references = RowInsert(into: CaseReferenceModel.schema, columns: ["id", "case_id"])
        for (key, seen) in first.sorted(by: { $0.value.at < $1.value.at }) {
            let item = Case(
                reference: seen.reference, title: "Case \(seen.reference)",
                summary: "Made from a reference in use before cases existed: a supervisor completes its title, lead, team and offence categories.",
                offenceCategories: [.other], lead: "", legalBasis: "(not recorded before cases existed)", openedBy: "system", openedAt: seen.at
            )
            let id = UUIDv7.make(at: seen.at).uuidString.lowercased()
            cases.add(try CaseStore.caseRow(item, id: id, revision: UUIDv7.make(at: seen.at).uuidString.lowercased(), at: seen.at))
            references.add([SQLBind(key), SQLBind(id)])
        }
        try await RowInsert.run([insert, cases, references], on: database)
    }
}

/// Covering indexes for the case file (migration 0024): its history and the messages it
/// describes are read from the indexes alone, without visiting the tables' rows (a message's row
/// holds its whole document before `read_at`).
struct IndexCaseFile: AsyncMigration {
    var name: String { "0024-index-case-file" }

    // SQLite only, where the case file reads these columns directly: PostgreSQL caps a B-tree
    // entry near 2.7 kB, and a message subject may be 1,000 characters of 4 bytes; it reads
    // these rows through SQLKit with its own plans.
    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase, sql.dialect.name == "sqlite" else { return }
        try await sql.create(index: "case_links_history").on(CaseLinkModel.schema)
            .column("case_key").column("at").column("id").column("operation").column("actor").column("subject").run()
        try await sql.drop(index: "case_links_key_at").run()
        try await sql.create(index: "messages_described").on(MessageModel.schema)
            .column("id").column("box").column("counterpart").column("subject").column("read_at").run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase, sql.dialect.name == "sqlite" else { return }
        try await sql.drop(index: "messages_described").run()
        try await sql.create(index: "case_links_key_at").on(CaseLinkModel.schema).column("case_key").column("at").run()
        try await sql.drop(index: "case_links_history").run()
    }
}
