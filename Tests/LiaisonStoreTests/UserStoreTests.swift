import Foundation
import LiaisonCore
@testable import LiaisonStore
import Logging
import ServiceLifecycle
import LiaisonTestSupport
import Testing

@Suite("User store")
struct UserStoreTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test("migrations are versioned and can run again without change", arguments: Backend.available)
    func migrationsAreIdempotent(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        try await database.migrate()
        try await database.migrate()
        let users = UserStore(database: database)
        #expect(try await users.list().isEmpty)
        await database.shutdown()
    }

    @Test("a user is stored, found by name and id, and a duplicate name is refused", arguments: Backend.available)
    func createAndFind(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let users = UserStore(database: database)
        let created = try await users.create(username: "ana", role: .supervisor, passwordHash: "h", at: now)
        #expect(try await users.find(username: "ana") == created)
        #expect(try await users.find(id: created.id)?.role == .supervisor)
        await #expect(throws: LiaisonError.self) {
            try await users.create(username: "ana", role: .analyst, passwordHash: "h2", at: now)
        }
        #expect(try await users.list().count == 1)
        await database.shutdown()
    }

    @Test("failures accumulate and a success clears them", arguments: Backend.available)
    func failures(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let users = UserStore(database: database)
        let user = try await users.create(username: "bo", role: .analyst, passwordHash: "h", at: now)
        try await users.recordFailure(userID: user.id, lockedUntil: nil)
        try await users.recordFailure(userID: user.id, lockedUntil: now.addingTimeInterval(30))
        let failed = try #require(try await users.find(id: user.id))
        #expect(failed.failedAttempts == 2)
        #expect(failed.lockedUntil.map { abs($0.timeIntervalSince(now.addingTimeInterval(30))) < 1 } == true)
        try await users.recordSuccess(userID: user.id)
        let cleared = try #require(try await users.find(id: user.id))
        #expect(cleared.failedAttempts == 0 && cleared.lockedUntil == nil)
        await database.shutdown()
    }

    @Test("a session is found by token hash until it expires, then removed", arguments: Backend.available)
    func sessions(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let users = UserStore(database: database)
        let user = try await users.create(username: "cy", role: .oversight, passwordHash: "h", at: now)
        try await users.createSession(userID: user.id, tokenHash: "abc", csrfToken: "csrf", expiresAt: now.addingTimeInterval(60), at: now)
        #expect(try await users.session(tokenHash: "abc", at: now)?.csrfToken == "csrf")
        #expect(try await users.session(tokenHash: "other", at: now) == nil)
        #expect(try await users.session(tokenHash: "abc", at: now.addingTimeInterval(61)) == nil)
        #expect(try await users.session(tokenHash: "abc", at: now) == nil, "an expired session is deleted when seen")
        await database.shutdown()
    }

    @Test("the database runs as a Service and closes its pools on graceful shutdown")
    func databaseService() async throws {
        let database = try await Backend.sqlite.freshDatabase()
        let group = ServiceGroup(configuration: .init(services: [database], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // The database serves while the group runs.
            #expect(try await UserStore(database: database).list().isEmpty)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await #expect(throws: (any Error).self, "after shutdown the pools are closed") {
            _ = try await UserStore(database: database).list()
        }
    }

    @Test("a malformed PostgreSQL URL is a clear error, not a crash")
    func malformedURL() async throws {
        let database = LiaisonDatabase(location: .postgres(url: ""), logger: Logger(label: "test"))
        let error = await #expect(throws: LiaisonError.self) { try await database.migrate() }
        #expect(error?.code == .configuration)
        #expect(throws: LiaisonError.self) { _ = try database.database }
        await database.shutdown()
    }

    @Test("database URLs: postgres and sqlite are accepted, other schemes refused, passwords never shown")
    func databaseURLs() throws {
        #expect(try DatabaseLocation(url: "postgres://u:secret@127.0.0.1:5432/liaison") == .postgres(url: "postgres://u:secret@127.0.0.1:5432/liaison"))
        #expect(try DatabaseLocation(url: "sqlite:///tmp/x.sqlite") == .sqlite(path: "/tmp/x.sqlite"))
        #expect(throws: LiaisonError.self) { try DatabaseLocation(url: "mysql://127.0.0.1/x") }
        #expect(throws: LiaisonError.self) { try DatabaseLocation(url: "postgres://127.0.0.1") }
        #expect(!DatabaseLocation.postgres(url: "postgres://u:secret@127.0.0.1:5432/liaison").description.contains("secret"))
    }
}
