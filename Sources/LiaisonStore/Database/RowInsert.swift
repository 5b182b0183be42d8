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
        precondition(values.count == columns.count, "a row for \(table) needs \(columns.count) values")
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

    /// Runs the inserts in order, each as multi-row statements of at most ``maximumBinds`` values.
    static func run(_ inserts: [RowInsert], on database: any Database) async throws {
        guard !inserts.isEmpty else { return }
        guard let sql = database as? any SQLDatabase else { throw LiaisonError(.configuration, "the database driver does not speak SQL") }
        for insert in inserts where !insert.rows.isEmpty {
            let perStatement = max(1, Self.maximumBinds / max(1, insert.columns.count))
            for start in stride(from: 0, to: insert.rows.count, by: perStatement) {
                let statement = sql.insert(into: insert.table).columns(insert.columns)
                for row in insert.rows[start..<min(start + perStatement, insert.rows.count)] {
                    statement.values(row)
                }
                try await statement.run()
            }
        }
    }
}
