import AsyncHTTPClient
import Benchmark
import Crypto
import Foundation
import LiaisonCore
import LiaisonCrypto
import LiaisonServer
import LiaisonStore
import Logging
import NIOCore
import ServiceLifecycle

/// Secure exchange throughput, A→B, 1 KiB bodies.
///
/// - "Crypto floor": seal + sign + verify + open of one envelope, no I/O — the most the exchange
///   could do on this machine.
/// - "End to end": the sender's API call, durable commit, delivery over loopback TLS, the
///   receiver's verification, decryption and durable store, and the signed receipt stored back —
///   measured until every message is delivered.
///
/// The goal (issue 3) is end to end at ≥ 40 % of the crypto floor and ≥ 1,500 messages/s; compare
/// the two throughput figures of one run.
let benchmarks: @Sendable () -> Void = {
    // As `liaison serve` runs a node: tasks on the event loops (``EventLoopExecutor``).
    EventLoopExecutor.install()
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(10), maxIterations: 1_000_000)

    let body = String(repeating: "x", count: 1024)

    Benchmark("Exchange: crypto floor (seal+sign+verify+open, 1 KiB)") { benchmark in
        let floor = CryptoFloor(body: body)
        for _ in benchmark.scaledIterations {
            try floor.run()
        }
    }

    Benchmark("Exchange: group commit, 1,024 audit writes from 16 writers (SQLite)", configuration: .init(maxDuration: .seconds(10), maxIterations: 20)) { benchmark in
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-store-\(UUID().uuidString).sqlite").path
        let database = LiaisonDatabase(location: .sqlite(path: path), logger: Logger(label: "bench"))
        try await database.migrate()
        let store = AuditStore(database: database)
        benchmark.startMeasurement()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    for _ in 0..<64 {
                        try await store.record([AuditEvent(time: Date(), operation: .messageSent, actor: "bench", subject: "message:x")], at: Date())
                    }
                }
            }
            try await group.waitForAll()
        }
        benchmark.stopMeasurement()
        await database.shutdown()
    }

    // Sustained throughput: 2,000 messages from 64 API clients at once, enough to keep both cores
    // busy (16 clients leave them idle part of the time; the trace prints 1, 4, 16 and 64).
    Benchmark("Exchange: end to end A→B over loopback TLS (1 KiB, 2,000 messages from 64 clients)", configuration: .init(maxDuration: .seconds(30), maxIterations: 10)) { benchmark in
        let pair = try await NodePair.start()
        let request = """
            {"to":["XB-CUS"],"subject":"benchmark","body":"\(body)","purpose":"investigation","legalBasis":"FD 2006/960/JHA",
             "handlingCode":"H0","evaluation":{"source":"B","information":2},"caseRef":"XA-2026-0001"}
            """
        if let count = environment["LIAISON_BENCH_HEALTHZ"].flatMap(Int.init) {
            // API requests that do nothing, to profile the HTTP path alone.
            trace("healthz: start")
            trace("stream: end, CPU a request \(try await pair.healthz(count: count, lean: true).cpu) µs")
        }
        if let count = environment["LIAISON_BENCH_STREAM"].flatMap(Int.init) {
            // A sustained stream, to watch with a profiler between its start and end lines.
            let workers = environment["LIAISON_BENCH_WORKERS"].flatMap(Int.init) ?? 64
            try await pair.sendAndAwait(count: 500, body: request, workers: workers)
            let floorBefore = try CryptoFloor(body: body).cpuPerRun()
            trace("stream of \(count) messages from \(workers) clients: start")
            let cpu = try await pair.sendAndAwait(count: count, body: request, workers: workers)
            trace("stream: end")
            // The machine's speed varies from hour to hour ("slow spells") and moves the CPU time
            // a message with it; the crypto floor, measured on either side of the stream, moves
            // the same way, so their ratio compares runs made hours apart.
            let floor = (floorBefore + (try CryptoFloor(body: body).cpuPerRun())) / 2
            trace(String(format: "crypto floor %.0f µs a message (one thread); CPU a message / floor = %.2f", floor * 1e6, cpu / floor))
        }
        if environment["LIAISON_BENCH_TRACE"] != nil {
            // The baseline inside a send: an API request that does nothing (client and server's
            // HTTP alone), in CPU time a request, with the benchmark's lean client and with
            // AsyncHTTPClient.
            for lean in [true, false] {
                let (time, cpu) = try await pair.healthz(count: 3_200, lean: lean)
                trace("GET /healthz × 3,200 from 16 \(lean ? "lean" : "AsyncHTTPClient") clients: \(time), CPU a request \(cpu) µs")
            }
            for workers in [1, 4, 16, 64] {
                trace("workers \(workers):")
                try await pair.sendAndAwait(count: workers == 1 ? 100 : 500, body: request, workers: workers)
            }
            for rate in [50, 100, 200, 500, 1_000] {
                let latencies = try await pair.pacedLatencies(rate: rate, seconds: 5, body: request.replacingOccurrences(of: "\"benchmark\"", with: "\"paced-\(rate)\""))
                func percentile(_ p: Double) -> Int { Int(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000) }
                trace("paced \(rate) msg/s: \(latencies.count) messages, API request sent → receipt stored p50 \(percentile(0.5)) ms, p99 \(percentile(0.99)) ms, max \(percentile(1)) ms")
            }
        }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try await pair.sendAndAwait(count: 2_000, body: request, workers: 64)
        }
        benchmark.stopMeasurement()
        try await pair.stop()
    }
}

/// Two nodes in this process, on loopback with TLS between them.
final class NodePair: @unchecked Sendable {
    let apps: [LiaisonApplication]
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
    let webPortA: Int
    let token: String

    init(apps: [LiaisonApplication], group: ServiceGroup, task: Task<Void, any Error>, webPortA: Int, token: String) {
        self.apps = apps
        self.group = group
        self.task = task
        self.webPortA = webPortA
        self.token = token
    }

    actor Ports {
        var web: [String: Int] = [:]
        var federation: [String: Int] = [:]
        func set(web code: String, _ port: Int) { web[code] = port }
        func set(federation code: String, _ port: Int) { federation[code] = port }
        var ready: Bool { federation.count == 2 && web.count == 2 }
    }

    static func start() async throws -> NodePair {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-bench-\(UUID().uuidString)").path
        let ports = Ports()
        var apps: [LiaisonApplication] = []
        for code in ["XA-POL", "XB-CUS"] {
            let directory = root + "/" + code
            let profile = try NodeProfile(agencyCode: code, name: code, jurisdiction: "XA", endpoint: "https://127.0.0.1:1")
            _ = try await NodeSetup.initialise(dataDirectory: directory, profile: profile, databaseURL: nil)
            var configuration = NodeConfiguration(dataDirectory: directory)
            configuration.port = 0
            configuration.federationPort = 0
            configuration.bcryptCost = 4
            configuration.logLevel = .error
            configuration.maxBodyBytes = 1 << 20
            apps.append(try await buildApplication(
                configuration: configuration,
                onServerRunning: { await ports.set(web: code, $0) },
                onFederationRunning: { await ports.set(federation: code, $0) }
            ))
        }
        let group = ServiceGroup(configuration: .init(services: apps.map(\.application), logger: Logger(label: "bench")))
        let task = Task { try await group.run() }
        while await !ports.ready { try await Task.sleep(for: .milliseconds(10)) }
        let agreement = Agreement(
            id: "AGR-BENCH", parties: ["XA-POL", "XB-CUS"], legalBasis: "FD 2006/960/JHA", purposes: ["investigation"], dataCategories: [.message],
            dataSubjectCategories: [.suspect], hitNoHitOnly: false, validFrom: Date(timeIntervalSinceNow: -86_400), validUntil: Date(timeIntervalSinceNow: 86_400),
            impactAssessmentRef: "HRIA-BENCH"
        )
        for (index, app) in apps.enumerated() {
            let other = apps[1 - index]
            var identity = other.identity
            identity.endpoint = "https://127.0.0.1:\(await ports.federation[other.identity.agencyCode]!)"
            try await FederationStore(database: app.database).addPartner(identity, by: "bench", at: Date())
            try await FederationStore(database: app.database).addAgreement(agreement, at: Date())
        }
        try await UserAdministration(users: UserStore(database: apps[0].database), bcryptCost: 4, clock: SystemWallClock())
            .add(username: "bench", role: "investigator", password: "benchmark-password")
        let webPortA = await ports.web["XA-POL"]!
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(webPortA)/api/v1/auth/token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"username":"bench","password":"benchmark-password"}"#))
        let response = try await http.execute(request, timeout: .seconds(10))
        let json = try JSONSerialization.jsonObject(with: Data((try await response.body.collect(upTo: 1 << 16)).readableBytesView)) as! [String: Any]
        // The messages name an open case of A's (the safeguards refuse any other reference).
        var opening = HTTPClientRequest(url: "http://127.0.0.1:\(webPortA)/api/v1/cases")
        opening.method = .POST
        opening.headers.add(name: "Content-Type", value: "application/json")
        opening.headers.add(name: "Authorization", value: "Bearer \(json["token"] as! String)")
        opening.body = .bytes(ByteBuffer(string: #"{"reference":"XA-2026-0001","title":"Benchmark case","offenceCategories":["other"],"legalBasis":"Benchmark of the exchange"}"#))
        let opened = try await http.execute(opening, timeout: .seconds(10))
        precondition(opened.status.code == 201, "the benchmark case could not be opened: \(opened.status.code)")
        _ = try await opened.body.collect(upTo: 1 << 16)
        try await http.shutdown()
        return NodePair(apps: apps, group: group, task: task, webPortA: webPortA, token: json["token"] as! String)
    }

    /// Sends `count` messages through A's API (`workers` at a time) and waits until all are delivered.
    /// - Returns: the process's CPU time a message, in seconds.
    @discardableResult
    func sendAndAwait(count: Int, body: String, workers: Int = 16) async throws -> Double {
        let store = MessageStore(database: apps[0].database)
        let before = try await store.queuedCount()
        let cpuBefore = ProcessCPU.now()
        let started = ContinuousClock.now
        let request = LoadClient.post("/api/v1/messages", json: body, token: token, port: webPortA)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                let share = count / workers + (worker < count % workers ? 1 : 0)
                group.addTask { try await LoadClient.send(request, count: share, to: self.webPortA, expecting: 201) }
            }
            try await group.waitForAll()
        }
        let posted = ContinuousClock.now
        // A COUNT every 5 ms: loading the queued envelopes to count them would cost the node more
        // than the deliveries being measured.
        while try await store.queuedCount() > before {
            try await Task.sleep(for: .milliseconds(5))
        }
        let cpu = ProcessCPU.now() - cpuBefore
        if tracing {
            let perMessage = { (seconds: Double) in String(format: "%.0f µs", seconds * 1e6 / Double(count)) }
            let delivered = ContinuousClock.now - started
            let rate = Double(count) / (Double(delivered.components.seconds) + Double(delivered.components.attoseconds) / 1e18)
            trace("posted \(posted - started), delivered \(delivered) (\(Int(rate)) msg/s); CPU a message \(perMessage(cpu.user + cpu.system)) (user \(perMessage(cpu.user)), system \(perMessage(cpu.system)))")
        }
        return (cpu.user + cpu.system) / Double(count)
    }

    /// `count` requests to `GET /healthz` from 16 clients, lean ones (``LoadClient``) or
    /// AsyncHTTPClient's.
    /// - Returns: the time they took, and the process's CPU time a request (µs).
    func healthz(count: Int, lean: Bool) async throws -> (time: Duration, cpu: Int) {
        let cpuBefore = ProcessCPU.now()
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    if lean {
                        try await LoadClient.send(LoadClient.get("/healthz", token: self.token, port: self.webPortA), count: count / 16, to: self.webPortA, expecting: 200)
                        return
                    }
                    for _ in 0..<count / 16 {
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(self.webPortA)/healthz")
                        request.headers.add(name: "Authorization", value: "Bearer \(self.token)")
                        let response = try await self.http.execute(request, timeout: .seconds(60))
                        _ = try await response.body.collect(upTo: 1 << 20)
                    }
                }
            }
            try await group.waitForAll()
        }
        let cpu = ProcessCPU.now() - cpuBefore
        return (ContinuousClock.now - started, Int((cpu.user + cpu.system) * 1e6 / Double(count)))
    }

    /// Sends `rate` messages a second for `seconds` through A's API, each at its own moment, waits
    /// for all to be delivered, and returns each one's time from the moment its API request was
    /// sent to its stored delivery receipt at A, sorted (seconds).
    func pacedLatencies(rate: Int, seconds: Int, body: String) async throws -> [Double] {
        let count = rate * seconds
        let start = ContinuousClock.now
        let sentAt = try await withThrowingTaskGroup(of: (String, Date).self) { group in
            for index in 0..<count {
                group.addTask {
                    try await Task.sleep(until: start + .milliseconds(index * 1000 / rate))
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(self.webPortA)/api/v1/messages")
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.headers.add(name: "Authorization", value: "Bearer \(self.token)")
                    request.body = .bytes(ByteBuffer(string: body))
                    let sent = Date()
                    let response = try await self.http.execute(request, timeout: .seconds(60))
                    let bytes = try await response.body.collect(upTo: 1 << 20)
                    let json = try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any]
                    guard let id = json?["id"] as? String else { throw LiaisonError(.unavailable, "send failed: \(String(buffer: bytes))") }
                    return (id, sent)
                }
            }
            return try await group.reduce(into: [String: Date]()) { $0[$1.0] = $1.1 }
        }
        let store = MessageStore(database: apps[0].database)
        while try await store.queuedCount() > 0 { try await Task.sleep(for: .milliseconds(20)) }
        var latencies: [Double] = []
        for (id, sent) in sentAt {
            for delivery in try await store.deliveries(messageID: id) {
                if let delivered = delivery.deliveredAt { latencies.append(delivered.timeIntervalSince(sent)) }
            }
        }
        return latencies.sorted()
    }

    func stop() async throws {
        try await http.shutdown()
        await group.triggerGracefulShutdown()
        try? await task.value
    }
}

let environment = ProcessInfo.processInfo.environment
/// Whether the end-to-end benchmark prints what it measures along the way (trace or stream mode).
let tracing = environment["LIAISON_BENCH_TRACE"] != nil || environment["LIAISON_BENCH_STREAM"] != nil

/// A line of the trace, on standard error at once (the benchmark's report goes to standard output).
func trace(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Seal + sign + verify + open of one 1 KiB envelope, no I/O: the most the exchange could do.
struct CryptoFloor {
    let sender = Curve25519.Signing.PrivateKey()
    let recipient = Curve25519.KeyAgreement.PrivateKey()
    let payload: Data

    init(body: String) {
        payload = Data(body.utf8)
    }

    func run() throws {
        let header = EnvelopeHeader(id: UUIDv7.make(at: Date()).uuidString, kind: "message", sender: "XA-POL", recipient: "XB-CUS", createdAt: Date(), suite: .x25519)
        let envelope = try Envelope.seal(payload: payload, header: header, signingKey: sender, recipientKey: .x25519(recipient.publicKey))
        blackHole(try envelope.open(senderKey: sender.publicKey, recipientKey: recipient))
    }

    /// The calling thread's CPU time a run, in seconds, over `runs` runs.
    func cpuPerRun(runs: Int = 1_000) throws -> Double {
        let before = ProcessCPU.thread()
        for _ in 0..<runs { try run() }
        return (ProcessCPU.thread() - before) / Double(runs)
    }
}

/// This process's CPU time so far (all threads: both nodes and the API clients), to express the
/// exchange's cost as CPU time a message, which does not depend on how busy the machine is.
struct ProcessCPU {
    var user: Double
    var system: Double

    /// The calling thread's CPU time so far (user and system), in seconds.
    static func thread() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func now() -> ProcessCPU {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return ProcessCPU(user: seconds(usage.ru_utime), system: seconds(usage.ru_stime))
    }

    static func - (later: ProcessCPU, earlier: ProcessCPU) -> ProcessCPU {
        ProcessCPU(user: later.user - earlier.user, system: later.system - earlier.system)
    }
}
