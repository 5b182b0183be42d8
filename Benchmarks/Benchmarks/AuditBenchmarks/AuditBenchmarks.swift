import Benchmark
import Crypto
import FluentKit
import Foundation
import LiaisonCore
import LiaisonCrypto
import LiaisonServer
import LiaisonStore
import Logging
import SQLKit

/// The audit log's goals (issue 4): at least 20,000 appended entries per second (batched), and
/// inclusion proofs in under 1 ms at 10 million entries, with checkpoint signing off the request
/// path. Each goal is measured beside a baseline in the same run:
///
/// - appends: "record and sequence" against "record only" (the queue insert every operation pays
///   anyway), both 10,000 events per iteration into a SQLite file;
/// - proofs: an inclusion proof at 10,000,000 entries against a single stored-hash lookup in the
///   same database.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(10), maxIterations: 1_000_000)

    let batch = 10_000
    let events = (0..<batch).map { i in
        AuditEvent(time: Date(), operation: .messageRead, actor: "user:bench", role: "investigator", subject: "message:\(i)", purpose: "investigation")
    }

    Benchmark("Audit baseline: record 10,000 events (queue insert only)", configuration: .init(maxDuration: .seconds(15), maxIterations: 20)) { benchmark in
        let fixture = try await Fixture.empty()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try await fixture.store.record(events, at: Date())
        }
        benchmark.stopMeasurement()
        await fixture.close()
    }

    Benchmark("Audit: record and sequence 10,000 entries (batched append)", configuration: .init(maxDuration: .seconds(15), maxIterations: 20)) { benchmark in
        let fixture = try await Fixture.empty()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try await fixture.store.record(events, at: Date())
            try await fixture.log.sequence()
        }
        benchmark.stopMeasurement()
        print("audit log size after the append benchmark: \(try await fixture.log.size()) entries")
        await fixture.close()
    }

    Benchmark("Audit: checkpoint signing (off the request path)", configuration: .init(maxDuration: .seconds(5))) { benchmark in
        let fixture = try await Fixture.empty()
        for _ in benchmark.scaledIterations {
            try await fixture.store.record([events[0]], at: Date())
            try await fixture.log.sequence()
            benchmark.startMeasurement()
            blackHole(try await fixture.log.checkpoint())
            benchmark.stopMeasurement()
        }
        await fixture.close()
    }

    Benchmark("Audit: inclusion proof at 10,000,000 entries") { benchmark in
        let fixture = try await Fixture.tenMillion()
        let size = try await fixture.log.size()
        precondition(size == Fixture.large, "the fixture holds \(size) entries")
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await fixture.log.inclusionProof(index: UInt64.random(in: 0..<size), size: size))
        }
        benchmark.stopMeasurement()
        await fixture.close()
    }

    Benchmark("Audit baseline: one stored-hash lookup at 10,000,000 entries") { benchmark in
        let fixture = try await Fixture.tenMillion()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await fixture.store.hashes(keys: [MerkleNode(level: 0, index: UInt64.random(in: 0..<Fixture.large)).key]))
        }
        benchmark.stopMeasurement()
        await fixture.close()
    }

    Benchmark("Audit: consistency proof at 10,000,000 entries") { benchmark in
        let fixture = try await Fixture.tenMillion()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await fixture.log.consistencyProof(from: UInt64.random(in: 1..<Fixture.large), to: Fixture.large))
        }
        benchmark.stopMeasurement()
        await fixture.close()
    }
}

/// An audit log in a SQLite file, through Liaison's own store and log.
struct Fixture {
    static let large: UInt64 = 10_000_000
    let database: LiaisonDatabase
    let store: AuditStore
    let log: AuditLog

    static func open(_ path: String) async throws -> Fixture {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let database = LiaisonDatabase(location: .sqlite(path: path), logger: logger)
        try await database.migrate()
        let store = AuditStore(database: database)
        return Fixture(database: database, store: store, log: AuditLog(store: store, agencyCode: "XA-POL", signingKey: .init(), clock: SystemWallClock()))
    }

    static func empty() async throws -> Fixture {
        try await open(FileManager.default.temporaryDirectory.appendingPathComponent("liaison-bench-audit-\(UUID().uuidString).sqlite").path)
    }

    /// A log of 10 million leaves: its subtree hashes computed with Liaison's frontier and written
    /// in bulk (the fixture is kept in /tmp and reused by later runs).
    static func tenMillion() async throws -> Fixture {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-bench-audit-10M.sqlite").path
        let fixture = try await open(path)
        let existing = try await fixture.store.size()
        guard existing != large else { return fixture }
        precondition(existing == 0, "\(path) holds a partial fixture; delete it")
        let started = Date()
        guard let sql = try fixture.database.database as? any SQLDatabase else { fatalError("SQLite speaks SQL") }
        var frontier = MerkleFrontier()
        var pending: [(Int64, Data)] = []
        func flush() async throws {
            try await sql.raw("BEGIN").run()
            for start in stride(from: 0, to: pending.count, by: 400) {
                var query = SQLQueryString("INSERT INTO audit_hashes (node_key, hash) VALUES ")
                for (i, (key, hash)) in pending[start..<min(start + 400, pending.count)].enumerated() {
                    query.appendLiteral(i > 0 ? ", (" : "(")
                    query.appendInterpolation(bind: key)
                    query.appendLiteral(", ")
                    query.appendInterpolation(bind: hash)
                    query.appendLiteral(")")
                }
                try await sql.raw(query).run()
            }
            try await sql.raw("COMMIT").run()
            pending.removeAll(keepingCapacity: true)
        }
        for i in 0..<large {
            var leaf = i.bigEndian
            let hash = withUnsafeBytes(of: &leaf) { Merkle.leafHash(Data($0)) }
            for (node, hash) in frontier.append(leafHash: hash) { pending.append((node.key, hash)) }
            if pending.count >= 200_000 { try await flush() }
        }
        try await flush()
        print("built the 10,000,000-entry fixture in \(Int(Date().timeIntervalSince(started))) s")
        return fixture
    }

    func close() async {
        await database.shutdown()
    }
}
