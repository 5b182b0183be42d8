public import FluentKit
public import FluentPostgresDriver
public import FluentSQLiteDriver
public import LiaisonCore
public import Logging
public import NIOCore
public import NIOPosix
public import ServiceLifecycle
public import SQLKit
public import Synchronization

/// The node's database: FluentKit's `Databases` configured for SQLite or PostgreSQL, with
/// Liaison's migrations.
///
/// It is also a swift-service-lifecycle `Service`: run it in the application's `ServiceGroup`, and
/// it closes the connection pools after graceful shutdown, once every service that needs the
/// database (listed after it in the group) has stopped.
public final class LiaisonDatabase: Service, Sendable {
    public let location: DatabaseLocation
    public let databases: Databases
    private let logger: Logger
    private let closed = Mutex(false)
    /// Set when the location cannot be configured (a malformed URL); every use then throws it.
    private let configurationError: LiaisonError?
    /// SQLite's blocking calls run here, not on the process-wide pool: SQLiteNIO waits for a
    /// locked database by spinning on a pool thread, and with a shared pool (several nodes in one
    /// process, or bcrypt) the connection holding the lock could find no thread to commit on.
    /// More threads than this database has connections means the holder always finds one.
    private let threadPool: NIOThreadPool
    /// SQLite has one writer at a time, and SQLiteNIO waits for the write lock by retrying at once
    /// on a pool thread: concurrent writers spin and starve the one that holds the lock. Writes on
    /// SQLite therefore queue here, in order, and never contend; the writes waiting together are
    /// committed together (group commit). PostgreSQL needs no queue.
    private let commits: CommitGroup?

    /// Opens (but does not yet connect to) the database.
    public init(location: DatabaseLocation, logger: Logger) {
        self.location = location
        self.logger = logger
        let loops = MultiThreadedEventLoopGroup.singleton.makeIterator().reduce(0) { count, _ in count + 1 }
        self.threadPool = NIOThreadPool(numberOfThreads: 2 * loops + 2)
        threadPool.start()
        self.databases = Databases(threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton)
        var configurationError: LiaisonError?
        switch location {
        case .sqlite(let path):
            databases.use(.sqlite(.file(path), sqlLogLevel: .trace), as: .sqlite)
            // The writes' own connections: FluentKit keeps one SQLite connection per event loop,
            // and a group commit holding the readers' connection would make every read on that
            // loop wait for the whole batch (and the batch wait for reads). With write-ahead
            // logging, readers and the one writer do not block each other.
            databases.use(.sqlite(.file(path), sqlLogLevel: .trace), as: Self.sqliteWriter, isDefault: false)
        case .sqliteMemory:
            // A named shared-cache memory database, so that every pooled connection sees the same data.
            databases.use(.sqlite(.memory, sqlLogLevel: .trace), as: .sqlite)
        case .postgres(let url):
            do {
                databases.use(try DatabaseConfigurationFactory.postgres(
                    url: url, maxConnectionsPerEventLoop: 4, connectionPoolTimeout: .seconds(5), sqlLogLevel: .trace
                ), as: .psql)
            } catch {
                configurationError = LiaisonError(.configuration, "database URL '\(DatabaseLocation.redacted(url))' is not a usable PostgreSQL URL: \(error)")
            }
        }
        self.configurationError = configurationError
        switch location {
        case .postgres: self.commits = nil
        case .sqlite(let path): self.commits = CommitGroup(rowWriter: SQLiteWriter(path: path))
        case .sqliteMemory: self.commits = CommitGroup(rowWriter: nil)
        }
    }

    /// Runs a write (one statement or several) after every earlier write of this node has finished (SQLite), or at once (PostgreSQL).
    ///
    /// On SQLite, the writes that arrive while one commits wait and are then committed together in
    /// one transaction; one that fails is rolled back alone (the batch runs again with a savepoint
    /// around each write) and its error thrown to its caller, the others commit. Every caller
    /// returns only once its write is durable (or has failed), so that the cost of a commit — a
    /// sync of the write-ahead log — is shared by everything that waited for it, as in
    /// PostgreSQL's own group commit.
    public func writing<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard let commits else { return try await body(try database) }
        let db = try writer
        let result = Mutex<T?>(nil)
        try await commits.run(on: db, .work { tx in
            let value = try await body(tx)
            result.withLock { $0 = value }
        })
        guard let value = result.withLock({ $0 }) else { throw LiaisonError(.unavailable, "a write finished without a result") }
        return value
    }

    /// Inserts rows in one transaction; on SQLite they join the group commit (see ``writing(_:)``),
    /// where rows for the same table from writes committed together go in one statement.
    public func insert(_ inserts: [RowInsert]) async throws {
        try await write(inserts, then: [])
    }

    /// Inserts rows, then runs statements (plain SQL: no models), in one transaction; on SQLite it
    /// joins the group commit like ``insert(_:)``, and runs on the node's own writer connection
    /// with the rest of its batch as one job. For the hot writes that are not inserts (marking a
    /// round of deliveries, moving audit events into the log).
    public func write(_ inserts: [RowInsert], then statements: [any SQLExpression]) async throws {
        guard let commits else {
            try await database.transaction { tx in try await CommitGroup.run(inserts, then: statements, on: tx) }
            return
        }
        try await commits.run(on: try writer, .rows(inserts, then: statements))
    }

    /// Small, hot, rarely changed tables (partners, agreements, the safeguards configuration) read
    /// on every message: see ``cached(_:load:)``.
    private let readCache = ReadCache()

    /// `load()`'s value, kept for one second: every message reads the partners, the agreements
    /// and the safeguards configuration. The stores that change them call ``invalidate(_:)`` after
    /// every write, so that this process sees a change at once; another process on the same
    /// PostgreSQL database (a replica) sees it within the second.
    /// When the value expires, one caller loads it and the others that ask meanwhile wait for
    /// that load instead of each loading it again (every request in flight asked at once).
    public func cached<T: Sendable>(_ key: String, load: @escaping @Sendable () async throws -> T) async throws -> T {
        if let value: T = readCache.value(key) { return value }
        let (generation, loading) = readCache.loading(key) { Task { try await load() as any Sendable } }
        do {
            guard let value = try await loading.value as? T else { throw LiaisonError(.unavailable, "the cached \(key) has another type") }
            readCache.store(value, key: key, generation: generation, loaded: loading)
            return value
        } catch {
            readCache.failed(key, loading: loading)
            throw error
        }
    }

    /// Drops the cached value of `key` (after a write that changes it).
    public func invalidate(_ key: String) {
        readCache.invalidate(key)
    }

    /// How many SQLite commits the node's writes have taken so far (0 on PostgreSQL): fewer than
    /// the writes when they were grouped.
    package var groupCommits: Int {
        get async { await commits?.commits ?? 0 }
    }

    /// A transaction, queued behind the node's other writes on SQLite (see ``writing(_:)``).
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await writing { db in try await db.transaction(body) }
    }

    /// Reads that must see one moment of the database (rows that another transaction moves from
    /// one table to another in the meantime are seen in exactly one of them): a read transaction
    /// on SQLite, a repeatable-read one on PostgreSQL. Not queued behind the writes.
    public func snapshot<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let location = location
        return try await database.transaction { tx in
            if case .postgres = location, let sql = tx as? any SQLDatabase {
                try await sql.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").run()
            }
            return try await body(tx)
        }
    }

    /// A database handle for queries.
    /// - Throws: ``LiaisonError`` `.unavailable` once the pools are closed.
    public var database: any Database {
        get throws(LiaisonError) { try handle(nil) }
    }

    /// One handle per database and event loop, made once: making one sets the logger's metadata,
    /// which a stream log handler formats anew each time, and every query asks for a handle.
    private let handles = Mutex<[HandleKey: any Database]>([:])

    private struct HandleKey: Hashable {
        var id: DatabaseID?
        var loop: ObjectIdentifier
    }

    private func handle(_ id: DatabaseID?) throws(LiaisonError) -> any Database {
        if let configurationError { throw configurationError }
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let key = HandleKey(id: id, loop: ObjectIdentifier(loop))
        let closedError = LiaisonError(.unavailable, "the database at \(location) is closed")
        if let handle = handles.withLock({ $0[key] }) {
            guard !closed.withLock({ $0 }) else { throw closedError }
            return handle
        }
        guard let database = databases.database(id, logger: logger, on: loop) else { throw closedError }
        handles.withLock { $0[key] = database }
        return database
    }

    /// The connections that commit the writes on an SQLite file (see ``writing(_:)``); the
    /// readers' connections elsewhere (one database for both in memory, where a second connection
    /// would share the cache and its table locks).
    private var writer: any Database {
        get throws(LiaisonError) {
            guard case .sqlite = location else { return try database }
            return try handle(Self.sqliteWriter)
        }
    }

    private static let sqliteWriter = DatabaseID(string: "sqlite-writer")

    /// The migrations of every store, in order. New migrations are appended, never edited.
    public static var migrations: [any Migration] {
        [CreateUsers(), CreateWebSessions(), CreatePartnersAndAgreements(), CreateMessages(), AddMessageControl(), CreateBlobs(), CreateAuditLog(), CreateWitnessing(), CreateEvidence(), CreateScreening(), CreateSafeguards(), AddRetention(), CreateSubjectRequests(), AddAlertReview(), AddUserValidity(), CreateHitReferences(), CreateHitFollowUps(), IndexHitReferencesByCategoryAndID(), IndexMessagesAndDeliveries(), CreateHitVersions(), CreateCases(), CreateJITSpaces(), CreateJITFiles(), IndexCaseFile(), CreateInstruments(), CreateFinance(), StoreFinanceSegments(), AddTokenGeneration()]
    }

    /// Creates or updates the schema; on SQLite also switches the file to write-ahead logging.
    /// - Throws: ``LiaisonError`` `.unavailable` when the database cannot be reached.
    public func migrate() async throws {
        // Connection failures surface as one LiaisonError below; the pool's own error logs would
        // only repeat it, so migration runs with a logger that stays quiet below critical.
        if let configurationError { throw configurationError }
        var quiet = logger
        quiet.logLevel = .critical
        do {
            if case .sqlite = location, let sql = databases.database(logger: quiet, on: MultiThreadedEventLoopGroup.singleton.any()) as? any SQLDatabase {
                try await sql.raw("PRAGMA journal_mode=WAL").run()
            }
            let migrations = Migrations()
            migrations.add(Self.migrations)
            let migrator = Migrator(databases: databases, migrations: migrations, logger: quiet, on: MultiThreadedEventLoopGroup.singleton.any())
            try await migrator.setupIfNeeded().get()
            try await migrator.prepareBatch().get()
        } catch let error as LiaisonError {
            throw error
        } catch {
            throw LiaisonError(.unavailable, "cannot prepare the database at \(location): \(Self.describe(error)); check --database-url and that the server is running")
        }
    }

    /// A readable one-line account of a driver error.
    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            return "\(psql.code)" + (psql.underlying.map { ": \($0)" } ?? "")
        }
        return String(describing: error)
    }

    /// Waits for graceful shutdown, then closes the pools.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes every connection pool; later calls do nothing.
    public func shutdown() async {
        let alreadyClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        if !alreadyClosed {
            await commits?.close()
            await commits?.stop()
            await databases.shutdownAsync()
            // A pool connection still opening when the pools closed is closed by the pool once it
            // opens, with a job on this thread pool; stopping the pool at once would leave it open
            // (SQLiteNIO asserts on that in debug builds). Opening takes milliseconds.
            try? await Task.sleep(for: .milliseconds(50))
            try? await threadPool.shutdownGracefully()
        }
    }
}

extension LiaisonDatabase {
    /// Runs one SQL statement as it is: for operational tasks outside migrations, such as creating
    /// a scratch database for tests. Never pass user input.
    package func execute(unsafeSQL sql: String) async throws {
        guard let database = try database as? any SQLDatabase else {
            throw LiaisonError(.configuration, "the database driver does not accept SQL")
        }
        try await database.raw(SQLQueryString(sql)).run()
    }
}

/// Group commit for SQLite: writes queue here; whoever finds the queue idle starts a drain that
/// commits everything queued so far in one transaction and resumes the writers once it has
/// committed; writes queued meanwhile form the next batch. A write that fails is rolled back alone.
/// Every write runs with the others' effects visible, in the order queued, as under one lock.
///
/// Rows to insert (``RowInsert``) queued one after another are merged: the batch's rows for one
/// table go in one multi-row statement. Each statement costs several thread hand-overs (the
/// caller, the event loop, the pool thread that runs SQLite), which on a busy node cost more
/// than SQLite's own work; merging turns a batch of sixteen messages' fifty statements into three.
///
/// On an SQLite file, a run of queued row inserts commits through the node's own writer
/// connection (``SQLiteWriter``), the whole transaction as one job; the other writes (closures on
/// FluentKit's `Database`) through FluentKit's writer connections. Both take their turn here, so
/// there is still one writer at a time.
///
/// The group runs on a thread of its own (its actor executor), where the row writer's SQLite
/// work runs too, synchronously: one commit follows the last at once. On the node's event loops
/// the next commit waited behind whatever the loops had queued (a batch of envelopes to verify),
/// and the sender's commits took 8 ms each, most of it waiting for a turn.
actor CommitGroup {
    typealias Work = @Sendable (any Database) async throws -> Void
    enum Write: Sendable {
        case work(Work)
        /// Rows to insert, then statements to run.
        case rows([RowInsert], then: [any SQLExpression])

        /// The rows and statements of a plain write; `nil` for a closure.
        var plain: (inserts: [RowInsert], statements: [any SQLExpression])? {
            if case .rows(let inserts, let statements) = self { return (inserts, statements) }
            return nil
        }
    }

    /// Runs one write's rows and statements in a transaction of FluentKit's (PostgreSQL, memory).
    static func run(_ inserts: [RowInsert], then statements: [any SQLExpression], on database: any Database) async throws {
        try await RowInsert.run(inserts, on: database)
        guard !statements.isEmpty else { return }
        let sql = try database.sql
        for statement in statements { try await sql.execute(sql: statement) { _ in } }
    }
    private var queue: [(write: Write, done: CheckedContinuation<Void, any Error>)] = []
    private var draining = false
    private(set) var commits = 0
    /// At most this many writes share one commit, so that none waits behind an endless batch.
    static let maximumBatch = 256
    /// Commits runs of row inserts on an SQLite file; `nil` in memory (one connection for all).
    private let rowWriter: SQLiteWriter?

    /// The thread the group runs on.
    private let thread = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let loop: any EventLoop

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        loop.executor.asUnownedSerialExecutor()
    }

    init(rowWriter: SQLiteWriter?) {
        self.rowWriter = rowWriter
        self.loop = thread.next()
    }

    /// Closes the row writer's connection once the queue is empty.
    func close() async {
        while draining { await Task.yield() }
        rowWriter?.close()
    }

    /// Stops the group's thread, after ``close()``.
    nonisolated func stop() async {
        try? await thread.shutdownGracefully()
    }

    func run(on database: any Database, _ write: Write) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            queue.append((write, done))
            if !draining {
                draining = true
                Task { await self.drain(on: database) }
            }
        }
    }

    private func drain(on database: any Database) async {
        while !queue.isEmpty {
            // A run of row inserts goes through the row writer, as one job; anything else, with
            // the row inserts queued among it, through FluentKit.
            let plain = rowWriter == nil ? [] : queue.prefix(Self.maximumBatch).prefix { $0.write.plain != nil }.compactMap(\.write.plain)
            let batch = Array(queue.prefix(plain.isEmpty ? Self.maximumBatch : plain.count))
            queue.removeFirst(batch.count)
            let outcomes: [Result<Void, any Error>]
            if !plain.isEmpty, let rowWriter, let sql = try? database.sql {
                // Statements are written out in SQLite's dialect here; the writer only binds and runs them.
                outcomes = rowWriter.commit(plain.map { write in
                    SQLiteWriter.Write(inserts: write.inserts, statements: write.statements.map { statement in
                        var serializer = SQLSerializer(database: sql)
                        statement.serialize(to: &serializer)
                        return (serializer.sql, serializer.binds)
                    })
                })
            } else {
                outcomes = await commit(batch.map(\.write), on: database)
            }
            commits += 1
            for (item, outcome) in zip(batch, outcomes) { item.done.resume(with: outcome) }
        }
        draining = false
    }

    /// Runs `writes` in one transaction. Writes rarely fail, so the batch first runs plainly, rows
    /// merged; if one fails, the transaction is rolled back and the batch runs again with a
    /// savepoint around each write, so that the failing one is rolled back alone.
    private func commit(_ writes: [Write], on database: any Database) async -> [Result<Void, any Error>] {
        do {
            try await database.transaction { tx in
                var pending: [RowInsert] = []
                for write in writes {
                    switch write {
                    case .rows(let inserts, let statements) where statements.isEmpty:
                        pending += inserts
                    case .rows(let inserts, let statements):
                        try await RowInsert.run(RowInsert.merged(pending), on: tx)
                        pending = []
                        try await Self.run(inserts, then: statements, on: tx)
                    case .work(let work):
                        try await RowInsert.run(RowInsert.merged(pending), on: tx)
                        pending = []
                        try await work(tx)
                    }
                }
                try await RowInsert.run(RowInsert.merged(pending), on: tx)
            }
            return writes.map { _ in .success(()) }
        } catch {
            guard writes.count > 1 else { return [.failure(error)] }
        }
        do {
            return try await database.transaction { tx in
                let sql = try tx.sql
                var outcomes: [Result<Void, any Error>] = []
                outcomes.reserveCapacity(writes.count)
                for (index, write) in writes.enumerated() {
                    try await sql.raw("SAVEPOINT write\(unsafeRaw: String(index))").run()
                    do {
                        switch write {
                        case .work(let work): try await work(tx)
                        case .rows(let inserts, let statements): try await Self.run(inserts, then: statements, on: tx)
                        }
                        try await sql.raw("RELEASE write\(unsafeRaw: String(index))").run()
                        outcomes.append(.success(()))
                    } catch {
                        try await sql.raw("ROLLBACK TO write\(unsafeRaw: String(index))").run()
                        try await sql.raw("RELEASE write\(unsafeRaw: String(index))").run()
                        outcomes.append(.failure(error))
                    }
                }
                return outcomes
            }
        } catch {
            // The commit itself failed: none of the batch is stored.
            return writes.map { _ in .failure(error) }
        }
    }
}

/// The values behind ``LiaisonDatabase/cached(_:load:)``: each with the time it was loaded and a
/// generation that every invalidation raises, so that a load that began before a write cannot
/// store what it read after the write has invalidated it.
final class ReadCache: Sendable {
    private struct Entry {
        var value: (any Sendable)?
        var loadedAt: ContinuousClock.Instant = .now
        var generation = 0
        /// The load in flight for this generation, which other callers wait for.
        var loading: Task<any Sendable, any Error>?
    }
    private let entries = Mutex<[String: Entry]>([:])
    static let maximumAge: Duration = .seconds(1)

    func value<T: Sendable>(_ key: String) -> T? {
        entries.withLock { entries in
            // An invalidated entry holds no value at all (not a cached nil).
            guard let entry = entries[key], let stored = entry.value, let value = stored as? T,
                  ContinuousClock.now - entry.loadedAt < Self.maximumAge else { return nil }
            return value
        }
    }

    /// The load in flight for the key's current generation, started with `start` if none is.
    func loading(_ key: String, start: () -> Task<any Sendable, any Error>) -> (generation: Int, task: Task<any Sendable, any Error>) {
        entries.withLock { entries in
            var entry = entries[key] ?? Entry()
            if let loading = entry.loading { return (entry.generation, loading) }
            let task = start()
            entry.loading = task
            entries[key] = entry
            return (entry.generation, task)
        }
    }

    /// Keeps a loaded value, unless the key was invalidated since the load began.
    func store(_ value: some Sendable, key: String, generation: Int, loaded: Task<any Sendable, any Error>) {
        entries.withLock { entries in
            guard var entry = entries[key], entry.generation == generation else { return }
            entry.value = value
            entry.loadedAt = .now
            if entry.loading == loaded { entry.loading = nil }
            entries[key] = entry
        }
    }

    /// Forgets a load that failed, so that the next caller tries again.
    func failed(_ key: String, loading: Task<any Sendable, any Error>) {
        entries.withLock { entries in
            if entries[key]?.loading == loading { entries[key]?.loading = nil }
        }
    }

    func invalidate(_ key: String) {
        entries.withLock { entries in
            let next = (entries[key]?.generation ?? 0) + 1
            entries[key] = Entry(value: nil, generation: next)
        }
    }
}
