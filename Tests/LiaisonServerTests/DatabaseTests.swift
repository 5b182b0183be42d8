import Foundation
import LiaisonCore
import LiaisonStore
import Logging
import SQLKit
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

actor LoadCounter {
    private(set) var value = 0
    func count() { value += 1 }
}
