import AsyncHTTPClient
import Benchmark
import Foundation
import LiaisonCore
import LiaisonServer
import LiaisonStore
import Logging
import NIOCore
import ServiceLifecycle

/// The case file's goal (issue 23): a case timeline with 10,000 linked items answers in under
/// 100 ms. Measured through a running node's API on SQLite, beside the floor of the same path (an
/// authenticated call that reads one row, `GET /api/v1/cases/{reference}`) in the same run:
///
/// - "case file": `GET /api/v1/cases/{reference}/file` over 10,000 history entries — 5,000 sent
///   messages (each naming a person) and 5,000 hit/no-hit searches — each described, with the
///   people named and the deadlines;
/// - "case page": the server-rendered page `/cases/{reference}` (the latest 500 entries, a page).
let benchmarks: @Sendable () -> Void = {
    EventLoopExecutor.install()
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock], maxDuration: .seconds(10), maxIterations: 200)

    Benchmark("Cases baseline: GET /api/v1/cases/{reference} (one case, signed in)") { benchmark in
        let node = try await CaseNode.shared()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try await node.get("/api/v1/cases/\(CaseNode.reference)")) }
        benchmark.stopMeasurement()
    }

    Benchmark("Cases: case file of 10,000 linked items (GET /api/v1/cases/{reference}/file)") { benchmark in
        let node = try await CaseNode.shared()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try await node.get("/api/v1/cases/\(CaseNode.reference)/file")) }
        benchmark.stopMeasurement()
    }

    Benchmark("Cases: case page, latest 500 of 10,000 items (GET /cases/{reference})") { benchmark in
        let node = try await CaseNode.shared()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try await node.get("/cases/\(CaseNode.reference)")) }
        benchmark.stopMeasurement()
    }

    replicationBenchmarks()
    fileBenchmarks()
}

/// One node with one case and 10,000 history entries under it, started once for all benchmarks.
final class CaseNode: Sendable {
    static let reference = "XA-BENCH-1"
    let port: Int
    let token: String
    let http: HTTPClient

    init(port: Int, token: String) {
        self.port = port
        self.token = token
        self.http = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    private static let started = Started()

    actor Started {
        var node: CaseNode?
        func node(_ make: () async throws -> CaseNode) async throws -> CaseNode {
            if let node { return node }
            let made = try await make()
            node = made
            return made
        }
    }

    static func shared() async throws -> CaseNode { try await started.node(start) }

    actor Port {
        var value: Int?
        func set(_ port: Int) { value = port }
    }

    static func start() async throws -> CaseNode {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-bench-cases-\(UUID().uuidString)").path
        let profile = try NodeProfile(agencyCode: "XA-POL", name: "XA-POL", jurisdiction: "XA", endpoint: "https://127.0.0.1:1")
        _ = try await NodeSetup.initialise(dataDirectory: directory, profile: profile, databaseURL: nil)
        var configuration = NodeConfiguration(dataDirectory: directory)
        configuration.port = 0
        configuration.bcryptCost = 4
        configuration.logLevel = .error
        let port = Port()
        let app = try await buildApplication(configuration: configuration, onServerRunning: { await port.set($0) }, onFederationRunning: { _ in })
        let group = ServiceGroup(configuration: .init(services: [app.application], logger: Logger(label: "bench")))
        Task { try await group.run() }
        while await port.value == nil { try await Task.sleep(for: .milliseconds(10)) }
        try await UserAdministration(users: UserStore(database: app.database), bcryptCost: 4, clock: SystemWallClock())
            .add(username: "bench", role: "investigator", password: "benchmark-password")
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }
        let webPort = await port.value!
        let token = try await Self.call(http, port: webPort, "/api/v1/auth/token", body: #"{"username":"bench","password":"benchmark-password"}"#)["token"] as! String
        _ = try await Self.call(http, port: webPort, "/api/v1/cases", token: token,
                                body: #"{"reference":"\#(reference)","title":"Benchmark case","offenceCategories":["fraud"],"legalBasis":"CCP Art. 1"}"#)
        // 5,000 messages sent under the case and 5,000 searches: their audit events link them.
        let messages = MessageStore(database: app.database)
        let audit = AuditStore(database: app.database)
        let now = Date()
        for batch in 0..<50 {
            var events: [AuditEvent] = []
            for index in 0..<100 {
                let number = batch * 100 + index
                let message = Message(
                    id: UUID().uuidString.lowercased(), originator: "XA-POL", to: ["XB-CUS"], subject: "Sighting \(number) of the grey van",
                    body: "Seen at the crossing.",
                    entities: [MessageEntity(id: "p-\(number)", schema: "Person", properties: ["name": ["Person \(number % 300)"]], dataSubjectCategory: .suspect, nature: .fact)],
                    purpose: "investigation", legalBasis: "FD 2006/960/JHA", handlingCode: .h0, evaluation: Evaluation(source: .b, information: .two),
                    caseRef: reference, createdAt: now
                )
                try await messages.enqueue(message, deliveries: [], audit: [
                    AuditEvent(time: now, operation: .messageSent, actor: "user:bench", subject: "message:\(message.id)", details: ["caseRef": reference]),
                ], at: now)
                events.append(AuditEvent(time: now, operation: .hitSearched, actor: "user:bench", subject: "hits:vehicle", details: ["caseRef": reference, "result": "no-hit"]))
            }
            try await audit.record(events, at: now)
        }
        return CaseNode(port: webPort, token: token)
    }

    func get(_ path: String) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 256 << 20)
        precondition(response.status.code == 200, "\(path): \(response.status.code) \(String(buffer: body).prefix(300))")
        return body.readableBytes
    }

    static func call(_ http: HTTPClient, port: Int, _ path: String, token: String? = nil, body: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(response.status.code) else {
            print("\(path): \(response.status.code) \(String(buffer: bytes))")
            throw LiaisonError(.unavailable, "\(path): \(response.status.code) \(String(buffer: bytes))")
        }
        return (try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any]) ?? [:]
    }
}
