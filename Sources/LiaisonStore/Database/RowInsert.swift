public import FluentKit
public import SQLKit
import LiaisonCore

/// Rows for one table, as plain SQL values: the writes on the hot path (a message's rows, its
/// audit events) are built this way so that the group commit can merge them with other writes'
/// rows for the same table into one multi-row statement (see ``LiaisonDatabase/insert(_:)``).
public struct RowInsert: Sendable {
    public let table: String
    public let columns: [String]
    public var rows: [[any SQLExpression]]

    public init(into table: String, columns: [String], rows: [[any SQLExpression]] = []) {
        self.table = table
        self.columns = columns
        self.rows = rows
    }

    /// Adds a row, its values in the order of ``columns``.
    public mutating func add(_ values: [any SQLExpression]) {
        precondition(values.count == columns.count, "a row for \(table) needs \(columns.count) values")  // checked: a programming error in the caller, never input (each caller builds rows from its own column list)
        rows.append(values)
    }

    /// A value to bind, or SQL `NULL` for `nil` (PostgreSQL refuses a NULL bound as text into,
    /// say, a timestamp column; a literal NULL fits every type).
    public static func value(_ value: (some Encodable & Sendable)?) -> any SQLExpression {
        guard let value else { return SQLLiteral.null }
        return SQLBind(value)
    }

    /// Bound parameters per statement: well under SQLite's limit of 32,766 (and PostgreSQL's 65,535).
    static let maximumBinds = 16_000

    /// The inserts with those for the same table and columns joined, in the order each table first appears.
    static func merged(_ inserts: [RowInsert]) -> [RowInsert] {
        var merged: [RowInsert] = []
        var positions: [[String]: Int] = [:]
        for insert in inserts where !insert.rows.isEmpty {
            let key = [insert.table] + insert.columns
            if let position = positions[key] {
                merged[position].rows += insert.rows
            } else {
                positions[key] = merged.count
                merged.append(insert)
            }
        }
        return merged
    }

    /// The rows in groups of at most ``maximumBinds`` values, one group a statement.
    var statementRows: [ArraySlice<[any SQLExpression]>] {
        let perStatement = max(1, Self.maximumBinds / max(1, columns.count))
        return stride(from: 0, to: rows.count, by: perStatement).map { rows[$0..<min($0 + perStatement, rows.count)] }
    }

    /// Runs the inserts in order, each as multi-row statements of at most ``maximumBinds`` values.
    static func run(_ inserts: [RowInsert], on database: any Database) async throws {
        guard !inserts.isEmpty else { return }
        let sql = try database.sql
        for insert in inserts {
            for rows in insert.statementRows {
                let statement = sql.insert(into: insert.table).columns(insert.columns)
                for row in rows { statement.values(row) }
                try await statement.run()
            }
        }
    }
}

extension Database {
    /// This database as SQLKit's `SQLDatabase`, for plain SQL.
    /// - Throws: ``LiaisonError`` `.configuration` for a driver that speaks no SQL (none of Liaison's).
    package var sql: any SQLDatabase {
        get throws(LiaisonError) {
            guard let sql = self as? any SQLDatabase else { throw LiaisonError(.configuration, "the database driver does not speak SQL") }
            return sql
        }
    }
}

extension Database {
    /// Sets `values` on row `id` of `table` only while its `column` still holds `expected` — one
    /// UPDATE … WHERE … RETURNING, so that of two callers deciding the same thing at once exactly
    /// one wins on either database. (Reading the row and then saving it does not: at PostgreSQL's
    /// READ COMMITTED both readers see the old state and both writes go through.)
    /// - Parameter expected: the value `column` must hold; `nil` for NULL.
    /// - Returns: whether this call changed the row.
    package func compareAndSet(
        table: String, id: String, column: String, expected: String?, values: [(column: String, value: any Encodable & Sendable)]
    ) async throws -> Bool {
        let update = try sql.update(table)
        for (name, value) in values { update.set(SQLIdentifier(name), to: SQLBind(value)) }
        update.where(SQLIdentifier("id"), .equal, SQLBind(id))
        if let expected {
            update.where(SQLIdentifier(column), .equal, SQLBind(expected))
        } else {
            update.where(SQLIdentifier(column), .is, SQLLiteral.null)
        }
        return try await !update.returning(SQLIdentifier("id")).all().isEmpty
    }
}
