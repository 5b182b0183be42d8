import Foundation
import LiaisonCore
import LiaisonStore
import Logging
import SQLKit
import LiaisonTestSupport
import Testing

@Suite("SQLite group commit")
struct GroupCommitTests {
    /// A migrated SQLite database in a new file.
    static func scratchDatabase() async throws -> LiaisonDatabase {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-commit-\(UUID().uuidString).sqlite").path
        let database = LiaisonDatabase(location: .sqlite(path: path), logger: Logger(label: "test"))
        try await database.migrate()
        return database
    }

    @Test("concurrent writes share commits; one that fails is rolled back alone, with its error, and the others are stored")
    func groupCommit() async throws {
        let database = try await Self.scratchDatabase()
        try await database.execute(unsafeSQL: "CREATE TABLE scratch (id INTEGER PRIMARY KEY, value TEXT UNIQUE NOT NULL)")
        // 100 writes at once, each inserting two rows; writes k and k + 90 (k < 10) share the value
        // of their second row, so whichever of the two commits second fails and leaves nothing behind.
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<100 {
                group.addTask {
                    do {
                        try await database.writing { db in
                            let sql = db as! any SQLDatabase
                            try await sql.raw("INSERT INTO scratch (value) VALUES (\(bind: "first-\(index)"))").run()
                            try await sql.raw("INSERT INTO scratch (value) VALUES (\(bind: "second-\(index % 90)"))").run()
                        }
                        return (index, true)
                    } catch {
                        return (index, false)
                    }
                }
            }
            return await group.reduce(into: [Bool](repeating: false, count: 100)) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.filter { $0 }.count == 90)
        for index in 0..<10 { #expect(outcomes[index] != outcomes[index + 90]) }
        let rows = try await (try database.database as! any SQLDatabase).raw("SELECT value FROM scratch").all(decoding: [String: String].self)
        #expect(rows.count == 180)
        let values = Set(rows.compactMap { $0["value"] })
        for index in 0..<100 { #expect(values.contains("first-\(index)") == outcomes[index]) }
        let commits = await database.groupCommits
        #expect(commits < 100, "\(commits) commits for 100 concurrent writes")
        await database.shutdown()
    }

    @Test("a write of any number of rows stores every row once, in order, however the writer splits its inserts")
    func insertRuns() async throws {
        let database = try await Self.scratchDatabase()
        try await database.execute(unsafeSQL: "CREATE TABLE runs (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, position INTEGER NOT NULL)")
        for count in 1...70 {
            let rows = (0..<count).map { [SQLBind(count), SQLBind($0)] as [any SQLExpression] }
            try await database.insert([RowInsert(into: "runs", columns: ["batch", "position"], rows: rows)])
        }
        let stored = try await (try database.database as! any SQLDatabase).raw("SELECT batch, position FROM runs ORDER BY id").all(decoding: [String: Int].self)
        let expected = (1...70).flatMap { count in (0..<count).map { ["batch": count, "position": $0] } }
        #expect(stored == expected)
        await database.shutdown()
    }

    @Test("rows and statements committed by the node's own SQLite writer read back through FluentKit unchanged; a write whose statement fails is rolled back whole, the others commit")
    func writerRoundTrip() async throws {
        let database = try await Self.scratchDatabase()
        try await database.execute(unsafeSQL: "CREATE TABLE typed (id TEXT PRIMARY KEY, count INTEGER, ratio REAL, at TIMESTAMP, bytes BLOB, note TEXT)")
        try await database.execute(unsafeSQL: "CREATE TABLE tally (id TEXT PRIMARY KEY, total INTEGER NOT NULL CHECK (total < 100))")
        try await database.execute(unsafeSQL: "INSERT INTO tally (id, total) VALUES ('t', 0)")
        let at = Date(timeIntervalSince1970: 1_790_000_000.25)
        let bytes = Data([0, 1, 2, 255])
        // 30 writers at once, each a row and an increment of the tally; writer 20's increment
        // breaks the CHECK, so its row is not stored either.
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<30 {
                group.addTask {
                    let row = RowInsert(into: "typed", columns: ["id", "count", "ratio", "at", "bytes", "note"], rows: [[
                        SQLBind("row-\(index)"), SQLBind(index), SQLBind(Double(index) / 4), SQLBind(at), SQLBind(bytes),
                        RowInsert.value(index.isMultiple(of: 2) ? "note \(index)" : nil),
                    ]])
                    let step = index == 20 ? 1_000 : 1
                    do {
                        try await database.write([row], then: [SQLQueryString("UPDATE tally SET total = total + \(bind: step) WHERE id = 't'")])
                        return (index, true)
                    } catch {
                        return (index, false)
                    }
                }
            }
            return await group.reduce(into: [Bool](repeating: false, count: 30)) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.enumerated().allSatisfy { $0.element == ($0.offset != 20) })
        let sql = try database.database as! any SQLDatabase
        let total = try await sql.raw("SELECT total FROM tally").first()?.decode(column: "total", as: Int.self)
        #expect(total == 29)
        let rows = try await sql.raw("SELECT id, count, ratio, at, bytes, note FROM typed ORDER BY count").all()
        #expect(rows.count == 29)
        for row in rows {
            let count = try row.decode(column: "count", as: Int.self)
            #expect(try row.decode(column: "id", as: String.self) == "row-\(count)")
            #expect(try row.decode(column: "ratio", as: Double.self) == Double(count) / 4)
            #expect(try row.decode(column: "at", as: Date.self) == at)
            #expect(try row.decode(column: "bytes", as: Data.self) == bytes)
            #expect(try row.decode(column: "note", as: String?.self) == (count.isMultiple(of: 2) ? "note \(count)" : nil))
        }
        await database.shutdown()
        // Closed: a write fails with a clear error rather than hanging.
        await #expect(throws: (any Error).self) { try await database.insert([RowInsert(into: "typed", columns: ["id"], rows: [[SQLBind("late")]])]) }
    }

    @Test("rows queued together are merged per table, in order with closures; a duplicate fails alone and its rows in other tables are not stored")
    func mergedRows() async throws {
        let database = try await Self.scratchDatabase()
        try await database.execute(unsafeSQL: "CREATE TABLE parents (id TEXT PRIMARY KEY, note TEXT)")
        try await database.execute(unsafeSQL: "CREATE TABLE children (id TEXT PRIMARY KEY, parent TEXT NOT NULL REFERENCES parents(id))")
        // 60 writers, each a parent and two children; writers 50–59 reuse a parent id of 0–9.
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<60 {
                group.addTask {
                    let parent = "p\(index % 50)"
                    do {
                        try await database.insert([
                            RowInsert(into: "parents", columns: ["id", "note"], rows: [[SQLBind(parent), RowInsert.value(index.isMultiple(of: 2) ? "even" : nil)]]),
                            RowInsert(into: "children", columns: ["id", "parent"], rows: [[SQLBind("c\(index)a"), SQLBind(parent)], [SQLBind("c\(index)b"), SQLBind(parent)]]),
                        ])
                        return (index, true)
                    } catch {
                        return (index, false)
                    }
                }
            }
            return await group.reduce(into: [Bool](repeating: false, count: 60)) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.filter { $0 }.count == 50)
        let sql = try database.database as! any SQLDatabase
        #expect(try await sql.raw("SELECT id FROM parents").all().count == 50)
        let children = try await sql.raw("SELECT id FROM children").all(decoding: [String: String].self).compactMap { $0["id"] }
        #expect(children.count == 100)
        // Of two writers with the same parent, whichever committed first: its children are
        // stored, the other's are not (its rows in both tables rolled back together).
        for index in 0..<60 {
            #expect(children.contains("c\(index)a") == outcomes[index] && children.contains("c\(index)b") == outcomes[index])
        }
        for index in 0..<10 { #expect(outcomes[index] != outcomes[index + 50]) }
        #expect(try await sql.raw("SELECT id FROM parents WHERE note IS NULL").all().count == 25)
        await database.shutdown()
    }

    @Test("the outbox's due deliveries are read through an index, not by scanning every delivery ever sent")
    func outboxIndex() async throws {
        let database = try await Self.scratchDatabase()
        let sql = try database.database as! any SQLDatabase
        let plan = try await sql.raw("EXPLAIN QUERY PLAN SELECT id FROM deliveries WHERE state = 'queued' AND next_attempt_at <= 0 ORDER BY next_attempt_at LIMIT 64")
            .all(decoding: [String: String].self).compactMap { $0["detail"] }.joined(separator: "; ")
        #expect(plan.contains("USING INDEX deliveries_state_next_attempt"), "\(plan)")
        #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
        let names = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'index'").all(decoding: [String: String].self).compactMap { $0["name"] }
        #expect(Set(["deliveries_message", "messages_box_created", "messages_in_reply_to", "messages_control_about"]).isSubset(of: Set(names)))
        await database.shutdown()
    }
}

@Suite("Read cache")
struct ReadCacheTests {
    @Test("a cached value is served until invalidated, a cached nil too, and an invalidated one is loaded again")
    func invalidation() async throws {
        let database = LiaisonDatabase(location: .sqliteMemory, logger: Logger(label: "test"))
        let loads = LoadCounter()
        func read(_ value: String?) async throws -> String? {
            try await database.cached("key") { await loads.count(); return value }
        }
        #expect(try await read("a") == "a")
        #expect(try await read("b") == "a")
        database.invalidate("key")
        #expect(try await read(nil) == nil)
        #expect(try await read("c") == nil)
        database.invalidate("key")
        #expect(try await read("d") == "d")
        #expect(await loads.value == 3)
        await database.shutdown()
    }
}

extension ReadCacheTests {
    @Test("callers that ask while a value loads wait for that one load; a failed load is tried again")
    func singleFlight() async throws {
        let database = LiaisonDatabase(location: .sqliteMemory, logger: Logger(label: "test"))
        let loads = LoadCounter()
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await database.cached("slow") {
                        await loads.count()
                        try await simulatedWork(for: .milliseconds(100))
                        return 7
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(values == Array(repeating: 7, count: 50))
        #expect(await loads.value == 1)
        await #expect(throws: LiaisonError.self) {
            try await database.cached("failing") { () async throws -> Int in throw LiaisonError(.unavailable, "down") }
        }
        #expect(try await database.cached("failing") { 8 } == 8)
        await database.shutdown()
    }
}

actor LoadCounter {
    private(set) var value = 0
    func count() { value += 1 }
}
