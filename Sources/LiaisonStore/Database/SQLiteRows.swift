import FluentKit
import SQLiteNIO
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Plain rows read with SQLite's own values, for the few reads that return thousands of rows
/// (a case file): SQLKit's `decode(column:as:)` goes through a `Decoder` for every cell, which
/// cost more than the query itself. On PostgreSQL the callers keep the SQLKit path.
enum SQLiteRows {
    /// A row's cells by column name.
    struct Row: Sendable {
        let row: SQLiteRow
        func string(_ column: String) -> String? { row.column(column)?.string }
        func date(_ column: String) -> Date? { row.column(column).flatMap(Date.init(sqliteData:)) }
    }

    /// Runs `sql` (with `?` placeholders for `binds`) and maps each row, when `database` is
    /// SQLite; `nil` otherwise.
    static func map<T: Sendable>(_ database: any Database, _ sql: String, _ binds: [String], _ transform: @escaping @Sendable (Row) -> T?) async throws -> [T]? {
        guard let sqlite = database as? any SQLiteDatabase else { return nil }
        let collected = Mutex<[T]>([])
        try await sqlite.query(sql, binds.map { .text($0) }) { row in
            if let value = transform(Row(row: row)) { collected.withLock { $0.append(value) } }
        }
        return collected.withLock { $0 }
    }

    /// `?, ?, …` for `count` binds.
    static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }
}
