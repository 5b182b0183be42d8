import FluentKit
public import LiaisonCore
import SQLKit

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Up to ``LedgerSegment/capacity`` transactions of one import, in ``LedgerSegment``'s layout.
final class FinanceSegmentModel: Model, @unchecked Sendable {
    static let schema = "finance_segments"
    /// `<import id>|<sequence>`.
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "case_reference") var caseReference: String
    @Field(key: "import_id") var importID: String
    @Field(key: "sequence") var sequence: Int
    @Field(key: "count") var count: Int
    @Field(key: "data") var data: Data
    init() {}
}

/// An account of a case, as the imported files describe it.
final class FinanceAccountModel: Model, @unchecked Sendable {
    static let schema = "finance_accounts"
    /// `<case reference>|<account key>`.
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "case_reference") var caseReference: String
    @Field(key: "document_json") var documentJSON: Data
    init() {}
}

/// One imported file: what it was, who imported it and what it added.
final class FinanceImportModel: Model, @unchecked Sendable {
    static let schema = "finance_imports"
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "case_reference") var caseReference: String
    @Field(key: "document_json") var documentJSON: Data
    @Field(key: "imported_at") var importedAt: Date
    init() {}
}

/// A typology alert of a case and the person's decision on it.
final class FinanceAlertModel: Model, @unchecked Sendable {
    static let schema = "finance_alerts"
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "case_reference") var caseReference: String
    /// `<case reference>|<fingerprint>`: a scan run again raises nothing twice.
    @Field(key: "fingerprint") var fingerprint: String
    @Field(key: "status") var status: String
    @Field(key: "document_json") var documentJSON: Data
    @Field(key: "created_at") var createdAt: Date
    init() {}
}

/// The financial-investigation tables (migration 0026).
struct CreateFinance: AsyncMigration {
    var name: String { "0026-create-finance" }
    /// A transaction a row, its record as JSON: replaced by segments in migration 0027.
    static let legacyTransactions = "finance_transactions"

    func prepare(on database: any Database) async throws {
        try await database.schema(Self.legacyTransactions)
            .field("id", .string, .identifier(auto: false)).field("case_reference", .string, .required).field("value_at", .datetime, .required)
            .field("import_id", .string, .required).field("document_json", .data, .required)
            .create()
        try await database.schema(FinanceAccountModel.schema)
            .field("id", .string, .identifier(auto: false)).field("case_reference", .string, .required).field("document_json", .data, .required)
            .create()
        try await database.schema(FinanceImportModel.schema)
            .field("id", .string, .identifier(auto: false)).field("case_reference", .string, .required).field("document_json", .data, .required)
            .field("imported_at", .datetime, .required)
            .create()
        try await database.schema(FinanceAlertModel.schema)
            .field("id", .string, .identifier(auto: false)).field("case_reference", .string, .required).field("fingerprint", .string, .required)
            .field("status", .string, .required).field("document_json", .data, .required).field("created_at", .datetime, .required)
            .unique(on: "fingerprint")
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "finance_transactions_case").on(Self.legacyTransactions).column("case_reference").column("value_at").run()
            try await sql.create(index: "finance_accounts_case").on(FinanceAccountModel.schema).column("case_reference").run()
            try await sql.create(index: "finance_alerts_case").on(FinanceAlertModel.schema).column("case_reference").column("status").run()
        }
    }

    func revert(on database: any Database) async throws {
        for schema in [Self.legacyTransactions, FinanceAccountModel.schema, FinanceImportModel.schema, FinanceAlertModel.schema] {
            try await database.schema(schema).delete()
        }
    }
}

/// Transactions stored as segments, a few hundred rows for millions of transactions (migration
/// 0027): the rows of 0026's table are moved into segments, import by import, and the table dropped.
struct StoreFinanceSegments: AsyncMigration {
    var name: String { "0027-finance-segments" }

    func prepare(on database: any Database) async throws {
        try await database.schema(FinanceSegmentModel.schema)
            .field("id", .string, .identifier(auto: false)).field("case_reference", .string, .required).field("import_id", .string, .required)
            .field("sequence", .int, .required).field("count", .int, .required).field("data", .data, .required)
            .create()
        let sql = try database.sql
        try await sql.create(index: "finance_segments_case").on(FinanceSegmentModel.schema).column("case_reference").run()
        let rows = try await sql.select().columns("case_reference", "import_id", "document_json").from(CreateFinance.legacyTransactions).all()
        struct Source: Hashable, Comparable {
            var reference: String
            var importID: String
            static func < (lhs: Source, rhs: Source) -> Bool { (lhs.reference, lhs.importID) < (rhs.reference, rhs.importID) }
        }
        var imports: [Source: [FinancialTransaction]] = [:]
        for row in rows {
            let source = Source(reference: try row.decode(column: "case_reference", as: String.self), importID: try row.decode(column: "import_id", as: String.self))
            let transaction = try JSON.decoder.decode(FinancialTransaction.self, from: try row.decode(column: "document_json", as: Data.self))
            imports[source, default: []].append(transaction)
        }
        for (source, transactions) in imports.sorted(by: { $0.key < $1.key }) {
            try await FinanceStore.insertSegments(of: transactions, import: source.importID, case: source.reference, on: database)
        }
        try await database.schema(CreateFinance.legacyTransactions).delete()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(FinanceSegmentModel.schema).delete()
        try await database.schema(CreateFinance.legacyTransactions)
            .field("id", .string, .identifier(auto: false)).field("case_reference", .string, .required).field("value_at", .datetime, .required)
            .field("import_id", .string, .required).field("document_json", .data, .required)
            .create()
    }
}

/// What one import added to a case.
public struct FinanceImportRecord: Codable, Sendable, Equatable {
    public var id: String
    public var caseReference: String
    public var fileName: String
    public var format: String
    public var sha256: String
    public var importedBy: String
    public var importedAt: Date
    /// Transactions added; those already in the case with the same content are counted apart.
    public var added: Int
    public var alreadyPresent: Int
    public var accounts: Int

    public init(
        id: String, caseReference: String, fileName: String, format: String, sha256: String, importedBy: String, importedAt: Date, added: Int,
        alreadyPresent: Int, accounts: Int
    ) {
        self.id = id
        self.caseReference = caseReference
        self.fileName = fileName
        self.format = format
        self.sha256 = sha256
        self.importedBy = importedBy
        self.importedAt = importedAt
        self.added = added
        self.alreadyPresent = alreadyPresent
        self.accounts = accounts
    }
}

/// A typology alert as stored: the finding, where it stands and the person's decision.
public struct FinanceAlertRecord: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case pending
        case confirmed
        case dismissed
    }

    public var id: String
    public var caseReference: String
    public var alert: TypologyAlert
    public var status: Status
    public var raisedAt: Date
    public var decidedBy: String?
    public var decidedAt: Date?
    public var reason: String?

    public init(id: String, caseReference: String, alert: TypologyAlert, status: Status, raisedAt: Date) {
        self.id = id
        self.caseReference = caseReference
        self.alert = alert
        self.status = status
        self.raisedAt = raisedAt
    }
}

/// The transactions, accounts, imports and typology alerts of cases.
public struct FinanceStore: Sendable {
    let database: LiaisonDatabase

    public init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    /// The case's accounts and transactions (in the order they were imported).
    package func ledger(case reference: String) async throws -> (accounts: [FinancialAccount], transactions: [FinancialTransaction]) {
        let db = try db
        let accounts = try await FinanceAccountModel.query(on: db).filter(\.$caseReference == reference).all()
            .map { try JSON.decoder.decode(FinancialAccount.self, from: $0.documentJSON) }
        let segments = try await FinanceSegmentModel.query(on: db).filter(\.$caseReference == reference).all()
        var transactions: [FinancialTransaction] = []
        transactions.reserveCapacity(segments.reduce(0) { $0 + $1.count })
        var pool = LedgerSegment.Pool()
        for segment in segments.sorted(by: { ($0.importID, $0.sequence) < ($1.importID, $1.sequence) }) {
            try LedgerSegment.decode(segment.data, into: &transactions, pool: &pool)
        }
        return (accounts, transactions)
    }

    /// Changes whenever the case's ledger does: its transaction count and its latest import.
    package func version(case reference: String) async throws -> String {
        let db = try db
        let latest = try await FinanceImportModel.query(on: db).filter(\.$caseReference == reference).sort(\.$importedAt, .descending).first()
        return "\(try await count(case: reference))|\(latest?.id ?? "")"
    }

    /// How many transactions a case holds.
    package func count(case reference: String) async throws -> Int {
        // Summed here: PostgreSQL's SUM of a bigint is a numeric.
        try await FinanceSegmentModel.query(on: try db).filter(\.$caseReference == reference).all(\.$count).reduce(0, +)
    }

    /// Stores transactions of one import as segments, a few segments a statement.
    static func insertSegments(of transactions: [FinancialTransaction], import importID: String, case reference: String, on database: any Database) async throws {
        for (sequence, start) in stride(from: 0, to: transactions.count, by: LedgerSegment.capacity).enumerated() {
            let slice = transactions[start..<min(start + LedgerSegment.capacity, transactions.count)]
            let row = RowInsert(
                into: FinanceSegmentModel.schema, columns: ["id", "case_reference", "import_id", "sequence", "count", "data"],
                rows: [[
                    SQLBind("\(importID)|\(sequence)"), SQLBind(reference), SQLBind(importID), SQLBind(sequence), SQLBind(slice.count),
                    SQLBind(LedgerSegment.encode(slice)),
                ]])
            try await RowInsert.run([row], on: database)
        }
    }

    /// Adds a checked file to a case in one database transaction: new accounts, and new transactions
    /// (those already there with the same content are skipped). The caller has validated the file
    /// against ``ledger(case:)``.
    package func add(
        _ file: FinancialImport, record: FinanceImportRecord, existing: Set<String>, knownAccounts: [String: FinancialAccount], audit: [AuditEvent],
        at now: Date
    ) async throws -> FinanceImportRecord {
        var record = record
        var accounts = RowInsert(into: FinanceAccountModel.schema, columns: ["id", "case_reference", "document_json"])
        var changedAccounts: [FinancialAccount] = []
        for account in file.accounts {
            if var known = knownAccounts[account.key] {
                let before = known
                known.merge(account)
                if known != before { changedAccounts.append(known) }
            } else {
                accounts.add([SQLBind("\(record.caseReference)|\(account.key)"), SQLBind(record.caseReference), SQLBind(try JSON.encoder.encode(account))])
            }
        }
        var seen = existing
        let fresh = file.transactions.filter { seen.insert($0.id).inserted }
        record.added = fresh.count
        record.alreadyPresent = file.transactions.count - fresh.count
        record.accounts = accounts.rows.count
        let importRow = RowInsert(
            into: FinanceImportModel.schema, columns: ["id", "case_reference", "document_json", "imported_at"],
            rows: [[SQLBind(record.id), SQLBind(record.caseReference), SQLBind(try JSON.encoder.encode(record)), SQLBind(now)]])
        let inserts = [accounts, importRow]
        let updates = try changedAccounts.map { ("\(record.caseReference)|\($0.key)", try JSON.encoder.encode($0)) }
        let saved = record
        try await database.transaction { tx in
            try await RowInsert.run(inserts, on: tx)
            try await Self.insertSegments(of: fresh, import: saved.id, case: saved.caseReference, on: tx)
            for (id, json) in updates {
                try await FinanceAccountModel.query(on: tx).filter(\.$id == id).set(\.$documentJSON, to: json).update()
            }
            try await AuditStore.record(audit, at: now, on: tx)
        }
        return record
    }

    /// The case's imports, newest first.
    package func imports(case reference: String) async throws -> [FinanceImportRecord] {
        try await FinanceImportModel.query(on: try db).filter(\.$caseReference == reference).sort(\.$importedAt, .descending).all()
            .map { try JSON.decoder.decode(FinanceImportRecord.self, from: $0.documentJSON) }
    }

    /// Stores the alerts a scan raised that the case does not hold yet; returns those stored.
    package func raise(_ alerts: [FinanceAlertRecord], audit: [AuditEvent], at now: Date) async throws -> [FinanceAlertRecord] {
        guard let reference = alerts.first?.caseReference else {
            try await database.transaction { tx in try await AuditStore.record(audit, at: now, on: tx) }
            return []
        }
        let db = try db
        let known = Set(try await FinanceAlertModel.query(on: db).filter(\.$caseReference == reference).all().map(\.fingerprint))
        var fresh: [FinanceAlertRecord] = []
        var rows = RowInsert(into: FinanceAlertModel.schema, columns: ["id", "case_reference", "fingerprint", "status", "document_json", "created_at"])
        var fingerprints = known
        for record in alerts {
            let fingerprint = "\(reference)|\(record.alert.fingerprint)"
            guard fingerprints.insert(fingerprint).inserted else { continue }
            fresh.append(record)
            rows.add([
                SQLBind(record.id), SQLBind(reference), SQLBind(fingerprint), SQLBind(record.status.rawValue), SQLBind(try JSON.encoder.encode(record)),
                SQLBind(now),
            ])
        }
        let insert = rows
        try await database.transaction { tx in
            try await RowInsert.run([insert], on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
        }
        return fresh
    }

    /// The case's alerts, pending first, then by when they were raised.
    package func alerts(case reference: String, status: FinanceAlertRecord.Status? = nil) async throws -> [FinanceAlertRecord] {
        var query = FinanceAlertModel.query(on: try db).filter(\.$caseReference == reference)
        if let status { query = query.filter(\.$status == status.rawValue) }
        let records = try await query.sort(\.$createdAt).all().map { try JSON.decoder.decode(FinanceAlertRecord.self, from: $0.documentJSON) }
        return records.sorted { ($0.status == .pending ? 0 : 1, $0.raisedAt) < ($1.status == .pending ? 0 : 1, $1.raisedAt) }
    }

    /// The alert with this id.
    package func alert(_ id: String) async throws -> FinanceAlertRecord? {
        try await FinanceAlertModel.find(id, on: try db).map { try JSON.decoder.decode(FinanceAlertRecord.self, from: $0.documentJSON) }
    }

    /// Records a decision on a pending alert.
    /// - Throws: ``LiaisonError`` `.conflict` when it was decided meanwhile.
    package func decide(_ record: FinanceAlertRecord, audit: [AuditEvent], at now: Date) async throws {
        try await database.transaction { tx in
            let changed = try await tx.compareAndSet(
                table: FinanceAlertModel.schema, id: record.id, column: "status", expected: FinanceAlertRecord.Status.pending.rawValue,
                values: [("status", record.status.rawValue), ("document_json", try JSON.encoder.encode(record))])
            guard changed else { throw LiaisonError(.conflict, "This alert was decided meanwhile; reload the page.") }
            try await AuditStore.record(audit, at: now, on: tx)
        }
    }
}
