import FluentKit
public import LiaisonCore
import SQLKit

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An instrument's row: the columns the register lists and sorts by, and the whole
/// ``Instrument`` as JSON.
final class InstrumentModel: Model, @unchecked Sendable {
    static let schema = "instruments"
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "reference") var reference: String
    @Field(key: "kind") var kind: String
    @Field(key: "direction") var direction: String
    @Field(key: "state") var state: String
    @Field(key: "partner") var partner: String
    @OptionalField(key: "case_reference") var caseReference: String?
    /// The earliest deadline of a running clock; NULL when none runs.
    @OptionalField(key: "next_deadline") var nextDeadline: Date?
    @Field(key: "document_json") var documentJSON: Data
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    /// Changes on every save: an update applies only to the revision it read (compare-and-set).
    @Field(key: "revision") var revision: String
    init() {}
}

/// The instruments table (migration 0025), indexed for the register: what is due first, and
/// the rest by direction and last change.
struct CreateInstruments: AsyncMigration {
    var name: String { "0025-create-instruments" }

    func prepare(on database: any Database) async throws {
        try await database.schema(InstrumentModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("reference", .string, .required).field("kind", .string, .required).field("direction", .string, .required)
            .field("state", .string, .required).field("partner", .string, .required).field("case_reference", .string)
            .field("next_deadline", .datetime).field("document_json", .data, .required)
            .field("created_at", .datetime, .required).field("updated_at", .datetime, .required).field("revision", .string, .required)
            .unique(on: "reference")
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "instruments_next_deadline").on(InstrumentModel.schema).column("next_deadline").run()
            try await sql.create(index: "instruments_direction_updated").on(InstrumentModel.schema).column("direction").column("updated_at").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(InstrumentModel.schema).delete()
    }
}

/// A stored instrument with the revision it was read at.
package struct InstrumentRecord: Sendable, Equatable {
    package var instrument: Instrument
    package var revision: String
}

/// Judicial-cooperation instruments, issued here or received for execution.
public struct InstrumentStore: Sendable {
    let database: LiaisonDatabase

    public init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    static let columns = ["id", "reference", "kind", "direction", "state", "partner", "case_reference", "next_deadline", "document_json", "created_at", "updated_at", "revision"]

    static func row(_ instrument: Instrument, revision: String) throws -> [any SQLExpression] {
        [
            SQLBind(instrument.id), SQLBind(instrument.reference), SQLBind(instrument.kind.rawValue), SQLBind(instrument.direction.rawValue),
            SQLBind(instrument.state.rawValue), SQLBind(partner(of: instrument)), RowInsert.value(instrument.caseReference),
            RowInsert.value(instrument.nextDeadline), SQLBind(try JSON.encoder.encode(instrument)), SQLBind(instrument.createdAt),
            SQLBind(instrument.updatedAt), SQLBind(revision),
        ]
    }

    /// The other side: the executor of an outgoing instrument, the issuer of an incoming one.
    package static func partner(of instrument: Instrument) -> String {
        instrument.direction == .outgoing ? instrument.executor : instrument.issuer
    }

    /// Stores a new instrument with its audit events.
    /// - Throws: ``LiaisonError`` `.conflict` when its id or reference is taken.
    package func create(_ instrument: Instrument, audit: [AuditEvent], at now: Date) async throws -> InstrumentRecord {
        let revision = UUIDv7.make(at: now).uuidString.lowercased()
        try await database.transaction { tx in
            let sameID = try await InstrumentModel.find(instrument.id, on: tx)
            let sameReference = try await InstrumentModel.query(on: tx).filter(\.$reference == instrument.reference).first()
            if sameID != nil || sameReference != nil {
                throw LiaisonError(.conflict, "An instrument \(instrument.reference) exists already.")
            }
            try await RowInsert.run([RowInsert(into: InstrumentModel.schema, columns: Self.columns, rows: [try Self.row(instrument, revision: revision)])], on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
        }
        return InstrumentRecord(instrument: instrument, revision: revision)
    }

    /// Stores instruments taken over from another register (a migration, a benchmark's fixture)
    /// in one transaction, without audit events: an import is logged by its caller.
    public func insert(_ instruments: [Instrument], at now: Date) async throws {
        let revision = UUIDv7.make(at: now).uuidString.lowercased()
        var insert = RowInsert(into: InstrumentModel.schema, columns: Self.columns)
        for instrument in instruments { insert.add(try Self.row(instrument, revision: revision)) }
        let rows = insert
        try await database.transaction { tx in try await RowInsert.run([rows], on: tx) }
    }

    /// Replaces an instrument as read at `revision` (compare-and-set).
    /// - Throws: ``LiaisonError`` `.conflict` when it changed since it was read.
    package func update(_ record: InstrumentRecord, to instrument: Instrument, audit: [AuditEvent], at now: Date) async throws -> InstrumentRecord {
        let revision = UUIDv7.make(at: now).uuidString.lowercased()
        try await database.transaction { tx in
            let changed = try await tx.compareAndSet(
                table: InstrumentModel.schema, id: instrument.id, column: "revision", expected: record.revision,
                values: [
                    ("state", instrument.state.rawValue), ("document_json", try JSON.encoder.encode(instrument)), ("updated_at", instrument.updatedAt),
                    ("revision", revision),
                ]
            )
            guard changed else {
                throw LiaisonError(.conflict, "Instrument \(instrument.reference) was changed meanwhile (by someone else or by the other side): reload it and try again.")
            }
            // Nullable columns are set on their own (a bind of nil has no type for PostgreSQL).
            let query = InstrumentModel.query(on: tx).filter(\.$id == instrument.id)
            if let next = instrument.nextDeadline { try await query.set(\.$nextDeadline, to: next).update() } else { try await query.set(\.$nextDeadline, to: nil).update() }
            try await AuditStore.record(audit, at: now, on: tx)
        }
        return InstrumentRecord(instrument: instrument, revision: revision)
    }

    /// The instrument with this id or reference.
    package func find(_ idOrReference: String) async throws -> InstrumentRecord? {
        let db = try db
        if let model = try await InstrumentModel.find(idOrReference, on: db) { return try Self.record(model) }
        return try await InstrumentModel.query(on: db).filter(\.$reference == idOrReference).first().map(Self.record)
    }

    /// The register: instruments with a running clock, the earliest deadline first, then the others
    /// most recently changed first.
    /// - Parameters:
    ///   - direction: only those issued here, or only those received.
    ///   - dueBefore: only those with a clock ending before this instant.
    package func register(direction: Instrument.Direction? = nil, dueBefore: Date? = nil, limit: Int = 500) async throws -> [InstrumentRecord] {
        let db = try db
        var running = InstrumentModel.query(on: db).filter(\.$nextDeadline != nil).sort(\.$nextDeadline, .ascending).limit(limit)
        if let direction { running = running.filter(\.$direction == direction.rawValue) }
        if let dueBefore { running = running.filter(\.$nextDeadline < dueBefore) }
        var records = try await running.all().map(Self.record)
        guard dueBefore == nil, records.count < limit else { return records }
        var rest = InstrumentModel.query(on: db).filter(\.$nextDeadline == nil).sort(\.$updatedAt, .descending).limit(limit - records.count)
        if let direction { rest = rest.filter(\.$direction == direction.rawValue) }
        records += try await rest.all().map(Self.record)
        return records
    }

    /// Instruments in a state, by direction, oldest change first.
    package func instruments(in state: InstrumentState, direction: Instrument.Direction, limit: Int = 500) async throws -> [InstrumentRecord] {
        try await InstrumentModel.query(on: try db).filter(\.$state == state.rawValue).filter(\.$direction == direction.rawValue)
            .sort(\.$updatedAt, .ascending).limit(limit).all().map(Self.record)
    }

    /// How many instruments there are, by direction.
    package func count(direction: Instrument.Direction) async throws -> Int {
        try await InstrumentModel.query(on: try db).filter(\.$direction == direction.rawValue).count()
    }

    static func record(_ model: InstrumentModel) throws -> InstrumentRecord {
        InstrumentRecord(instrument: try JSON.decoder.decode(Instrument.self, from: model.documentJSON), revision: model.revision)
    }
}
