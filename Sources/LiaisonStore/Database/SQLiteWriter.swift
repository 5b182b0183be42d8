import LiaisonCore
import NIOCore
import SQLiteKit
import SQLiteNIO
import SQLKit
// SQLiteNIO's bundled SQLite, the same library instance that every other connection of this
// process uses (its symbols carry a `sqlite_nio_` prefix). One copy matters: SQLite's POSIX file
// locks are per process, and a second SQLite library in the same process would release the
// first one's locks when it closed the file.
import VaporCSQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The connection that commits the node's plain SQL writes to its SQLite file (rows to insert,
/// statements to run): a whole group commit — `BEGIN`, every merged multi-row `INSERT`, every
/// statement, `COMMIT` — runs as one synchronous call on the commit group's own thread.
///
/// Written here because no library fits: SQLiteNIO runs each statement as a separate job, handed
/// from the caller to an event loop, to a pool thread and back, and on this 2-core machine those
/// hand-overs cost more than SQLite's own work — a commit of five statements took 2 ms idle and
/// over 10 ms under load, and every sender waited for it. Here a commit has no hand-over at all.
///
/// Only ``CommitGroup`` uses it, one batch at a time, so SQLite never sees two writers from this
/// process; another process (the CLI on the same data directory) is waited for up to
/// ``busyTimeout``. Bound values are converted exactly as FluentKit's SQLite driver converts them
/// (`SQLiteDataEncoder`), so rows written here read back the same through it.
final class SQLiteWriter: @unchecked Sendable {
    // Unchecked: `handle`, `prepared` and `inserts` are touched only by the commit group, an
    // actor, one call at a time.
    private let path: String
    private var handle: OpaquePointer?
    private var closed = false
    private var prepared: [String: OpaquePointer] = [:]
    /// The prepared insert of each shape, found without writing out (and hashing) its text.
    private var inserts: [InsertShape: (sql: String, statement: OpaquePointer)] = [:]
    private let encoder = SQLiteDataEncoder()

    /// How long a commit waits for another process's write lock.
    static let busyTimeout: Int32 = 10_000
    /// Prepared statements kept for reuse (a merged insert's text depends on its row count).
    static let maximumPrepared = 256

    init(path: String) {
        self.path = path
    }

    /// One write: rows to insert, then statements to run (SQL for SQLite with `?` placeholders).
    struct Write: Sendable {
        var inserts: [RowInsert]
        var statements: [(sql: String, binds: [any Encodable & Sendable])]
    }

    /// Commits `writes` in one transaction, rows for one table merged into multi-row inserts; on
    /// a failure the batch runs again with a savepoint around each write, so that only the
    /// failing one is rolled back.
    /// - Returns: each write's outcome, in order.
    /// It blocks the calling thread (the commit group's own) while SQLite writes and syncs.
    func commit(_ writes: [Write]) -> [Result<Void, any Error>] {
        guard !closed else {
            return writes.map { _ in .failure(LiaisonError(.unavailable, "the database at sqlite://\(self.path) is closed")) }
        }
        do {
            try open()
            try execute("BEGIN IMMEDIATE")
            do {
                // Rows wait to be merged until a write with statements runs (they may depend on
                // what was queued before them), so that everything runs in the order queued.
                var pending: [RowInsert] = []
                for write in writes {
                    guard !write.statements.isEmpty else {
                        pending += write.inserts
                        continue
                    }
                    for insert in RowInsert.merged(pending) { try run(insert) }
                    pending = []
                    try run(write)
                }
                for insert in RowInsert.merged(pending) { try run(insert) }
                try execute("COMMIT")
                return writes.map { _ in .success(()) }
            } catch {
                try? execute("ROLLBACK")
                if writes.count == 1 { return [.failure(error)] }
            }
            try execute("BEGIN IMMEDIATE")
            var outcomes: [Result<Void, any Error>] = []
            outcomes.reserveCapacity(writes.count)
            do {
                for write in writes {
                    try execute("SAVEPOINT write")
                    do {
                        try run(write)
                        try execute("RELEASE write")
                        outcomes.append(.success(()))
                    } catch {
                        try execute("ROLLBACK TO write")
                        try execute("RELEASE write")
                        outcomes.append(.failure(error))
                    }
                }
                try execute("COMMIT")
                return outcomes
            } catch {
                try? execute("ROLLBACK")
                throw error
            }
        } catch {
            // The transaction itself failed: none of the batch is stored.
            return writes.map { _ in .failure(error) }
        }
    }

    /// Closes the connection; later commits fail.
    func close() {
        for statement in prepared.values { sqlite_nio_sqlite3_finalize(statement) }
        prepared = [:]
        inserts = [:]
        if let handle { sqlite_nio_sqlite3_close(handle) }
        handle = nil
        closed = true
    }

    private func run(_ write: Write) throws {
        for insert in write.inserts { try run(insert) }
        for (sql, binds) in write.statements {
            let statement = try statement(sql)
            for (offset, value) in binds.enumerated() { try bind(try data(value), at: Int32(offset + 1), to: statement) }  // checked: SQLite allows at most 32,766 parameters a statement
            try step(statement, sql: sql)
        }
    }

    private func open() throws {
        guard handle == nil else { return }
        var opened: OpaquePointer?
        let status = sqlite_nio_sqlite3_open_v2(path, &opened, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "status \(status)"
            if let opened { sqlite_nio_sqlite3_close(opened) }
            throw LiaisonError(.unavailable, "cannot open sqlite://\(path) for writing: \(message)")
        }
        handle = opened
        sqlite_nio_sqlite3_busy_timeout(opened, Self.busyTimeout)
        // As FluentKit's SQLite connections do; a commit is durable when it returns (FULL syncs
        // the write-ahead log on every commit).
        try execute("PRAGMA foreign_keys = ON")
        try execute("PRAGMA synchronous = FULL")
    }

    private func execute(_ sql: String) throws {
        try step(try statement(sql), sql: sql)
    }

    /// Inserts the rows, as many per statement as SQLite's bound-value limit allows, in runs of a
    /// power of two rows (13 rows: 8, 4 and 1), so that a table has a few insert shapes to prepare
    /// once and keep, rather than one for every number of rows a group commit happens to merge.
    private func run(_ insert: RowInsert) throws {
        guard !insert.rows.isEmpty else { return }
        for rows in insert.statementRows {
            var start = rows.startIndex
            while start < rows.endIndex {
                let run = rows[start..<start + Self.largestPowerOfTwo(atMost: rows.endIndex - start)]
                let (sql, statement) = try insertStatement(insert, rows: run.count)
                var index: Int32 = 1
                for row in run {
                    for value in row {
                        try bind(value, at: index, to: statement)
                        index += 1
                    }
                }
                try step(statement, sql: sql)
                start = run.endIndex
            }
        }
    }

    static func largestPowerOfTwo(atMost count: Int) -> Int {
        1 << (Int.bitWidth - 1 - count.leadingZeroBitCount)
    }

    /// The prepared insert of `rows` rows into the insert's table and columns, and its text.
    private func insertStatement(_ insert: RowInsert, rows: Int) throws -> (sql: String, statement: OpaquePointer) {
        let shape = InsertShape(table: insert.table, columns: insert.columns, rows: rows)
        if let known = inserts[shape] { return known }
        let head = "INSERT INTO \(Self.quoted(insert.table)) (\(insert.columns.map(Self.quoted).joined(separator: ", "))) VALUES "
        let tuple = "(" + Array(repeating: "?", count: insert.columns.count).joined(separator: ", ") + ")"
        let sql = head + Array(repeating: tuple, count: rows).joined(separator: ", ")
        let insertStatement = (sql, try statement(sql))
        inserts[shape] = insertStatement
        return insertStatement
    }

    private struct InsertShape: Hashable {
        var table: String
        var columns: [String]
        var rows: Int
    }

    private func statement(_ sql: String) throws -> OpaquePointer {
        if let cached = prepared[sql] { return cached }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)  // checked: a constant flag
        guard status == SQLITE_OK, let statement else { throw failure(status, sql: sql) }
        if prepared.count >= Self.maximumPrepared {
            for old in prepared.values { sqlite_nio_sqlite3_finalize(old) }
            prepared = [:]
            inserts = [:]
        }
        prepared[sql] = statement
        return statement
    }

    private func step(_ statement: OpaquePointer, sql: String) throws {
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { throw failure(status, sql: sql) }
        }
    }

    private func bind(_ value: any SQLExpression, at index: Int32, to statement: OpaquePointer) throws {
        switch value {
        case let bind as SQLBind: try self.bind(try data(bind.encodable), at: index, to: statement)
        case let literal as SQLLiteral:
            guard case .null = literal else { throw LiaisonError(.configuration, "only bound values and NULL can be inserted as rows") }
            try self.bind(.null, at: index, to: statement)
        default:
            throw LiaisonError(.configuration, "only bound values and NULL can be inserted as rows")
        }
    }

    /// A value as SQLite stores it: the common types by their own conversion (what the encoder
    /// would find after asking every value whether it converts itself, a costly question), the
    /// rest through the encoder.
    private func data(_ value: any Encodable & Sendable) throws -> SQLiteData {
        let direct: SQLiteData?
        switch value {
        case let value as String: direct = value.sqliteData
        case let value as Int: direct = value.sqliteData
        case let value as Int64: direct = value.sqliteData
        case let value as Double: direct = value.sqliteData
        case let value as Date: direct = value.sqliteData
        case let value as Data: direct = value.sqliteData
        case let value as Bool: direct = value.sqliteData
        default: direct = nil
        }
        return try direct ?? encoder.encode(value)
    }

    private func bind(_ data: SQLiteData, at index: Int32, to statement: OpaquePointer) throws {
        let status: Int32
        switch data {
        case .integer(let value): status = sqlite_nio_sqlite3_bind_int64(statement, index, Int64(value))  // checked: Int is 64 bits on every platform Liaison builds for
        case .float(let value): status = sqlite_nio_sqlite3_bind_double(statement, index, value)
        case .text(let value):
            status = sqlite_nio_sqlite3_bind_text64(statement, index, value, UInt64(value.utf8.count), Self.transient, UInt8(SQLITE_UTF8))  // checked: a count
        case .blob(let value):
            status = value.withUnsafeReadableBytes { bytes in
                sqlite_nio_sqlite3_bind_blob64(statement, index, bytes.baseAddress, UInt64(bytes.count), Self.transient)  // checked: a count
            }
        case .null: status = sqlite_nio_sqlite3_bind_null(statement, index)
        }
        guard status == SQLITE_OK else { throw failure(status, sql: "bind \(index)") }
    }

    private func failure(_ status: Int32, sql: String) -> LiaisonError {
        let message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "status \(status)"
        // A constraint (a duplicate key) is the caller's conflict; anything else, the database's.
        let code: LiaisonError.Code = (status & 0xff) == SQLITE_CONSTRAINT ? .conflict : .unavailable
        return LiaisonError(code, "SQLite refused \(sql.prefix(60))…: \(message)")
    }

    private static func quoted(_ identifier: String) -> String {
        "\"" + identifier.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    /// SQLite copies the bound bytes (`SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
