import AsyncHTTPClient
import Benchmark
import Foundation
import LiaisonCore
import LiaisonServer
import LiaisonStore
import Logging
import NIOCore
import ServiceLifecycle

/// The JIT replication goal (issue 23): 1,000 contributions among three member nodes — a third
/// made at each, through its API, 8 at a time per node — are held by all three (equal digests)
/// in under 10 s, over loopback TLS with pinned certificates.
let replicationBenchmarks: @Sendable () -> Void = {
    Benchmark("JIT: 1,000 contributions at three nodes until every node holds all", configuration: .init(metrics: [.wallClock], maxDuration: .seconds(60), maxIterations: 3)) { benchmark in
        let trio = try await JITTrio.start()
        benchmark.startMeasurement()
        try await trio.contributeAndConverge(total: 1_000, clientsPerNode: 8)
        benchmark.stopMeasurement()
        await trio.stop()
    }
}

/// Three nodes that pin each other, with one JIT signed by all three.
struct JITTrio {
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let ports: [Int]
    let tokens: [String]
    let space: String
    let http = HTTPClient(eventLoopGroupProvider: .singleton)

    actor Ports {
        var web: [String: Int] = [:]
        var federation: [String: Int] = [:]
        func set(web code: String, _ port: Int) { web[code] = port }
        func set(federation code: String, _ port: Int) { federation[code] = port }
        var ready: Bool { web.count == 3 && federation.count == 3 }
    }

    static func start() async throws -> JITTrio {
        let codes = ["XA-POL", "XB-CUS", "XC-PRO"]
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-bench-jit-\(UUID().uuidString)").path
        let ports = Ports()
        var apps: [LiaisonApplication] = []
        for code in codes {
            let directory = root + "/" + code
            let profile = try NodeProfile(agencyCode: code, name: code, jurisdiction: "XA", endpoint: "https://127.0.0.1:1")
            _ = try await NodeSetup.initialise(dataDirectory: directory, profile: profile, databaseURL: nil)
            var configuration = NodeConfiguration(dataDirectory: directory)
            configuration.port = 0
            configuration.federationPort = 0
            configuration.bcryptCost = 4
            configuration.logLevel = .error
            apps.append(try await buildApplication(
                configuration: configuration, onServerRunning: { await ports.set(web: code, $0) }, onFederationRunning: { await ports.set(federation: code, $0) }
            ))
        }
        let group = ServiceGroup(configuration: .init(services: apps.map(\.application), logger: Logger(label: "bench")))
        let task = Task { try await group.run() }
        while await !ports.ready { try await Task.sleep(for: .milliseconds(10)) }
        for app in apps {
            for other in apps where other.identity.agencyCode != app.identity.agencyCode {
                var identity = other.identity
                identity.endpoint = "https://127.0.0.1:\(await ports.federation[other.identity.agencyCode]!)"
                try await FederationStore(database: app.database).addPartner(identity, by: "bench", at: Date())
            }
            let users = UserAdministration(users: UserStore(database: app.database), bcryptCost: 4, clock: SystemWallClock())
            try await users.add(username: "sup", role: "supervisor", password: "benchmark-password")
        }
        var webPorts: [Int] = []
        for code in codes { webPorts.append(await ports.web[code]!) }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }
        var tokens: [String] = []
        for port in webPorts {
            tokens.append(try await CaseNode.call(http, port: port, "/api/v1/auth/token", body: #"{"username":"sup","password":"benchmark-password"}"#)["token"] as! String)
        }
        let iso = ISO8601DateFormatter()
        let proposal = #"""
            {"name":"Benchmark JIT","purpose":"Measure replication among three members.","parties":[{"agency":"XA-POL","leader":"Lead A"},{"agency":"XB-CUS","leader":"Lead B"},{"agency":"XC-PRO","leader":"Lead C"}],
             "statesOfOperation":["XA"],"validFrom":"\#(iso.string(from: Date(timeIntervalSinceNow: -3600)))","validUntil":"\#(iso.string(from: Date(timeIntervalSinceNow: 86_400)))",
             "operationalActionPlan":"Measure.","informationRules":"Team only.","evidenceRules":"Law of XA."}
            """#
        let space = try await CaseNode.call(http, port: webPorts[0], "/api/v1/jits", token: tokens[0], body: proposal)["id"] as! String
        for index in 1..<3 { _ = try await CaseNode.call(http, port: webPorts[index], "/api/v1/jits/\(space)/signature", token: tokens[index], body: "{}") }
        return JITTrio(group: group, task: task, ports: webPorts, tokens: tokens, space: space)
    }

    func contributeAndConverge(total: Int, clientsPerNode: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for node in 0..<3 {
                for client in 0..<clientsPerNode {
                    let share = (total / 3 + (node < total % 3 ? 1 : 0))
                    let mine = share / clientsPerNode + (client < share % clientsPerNode ? 1 : 0)
                    group.addTask {
                        for number in 0..<mine {
                            _ = try await CaseNode.call(http, port: ports[node], "/api/v1/jits/\(space)/contributions", token: tokens[node],
                                                        body: #"{"kind":"note","title":"Observation \#(node)-\#(client)-\#(number)","text":"Seen at the crossing."}"#)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        // Until all three hold every contribution: equal digests over 1,000 contributions.
        while true {
            var digests: Set<String> = []
            var complete = true
            for node in 0..<3 {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(ports[node])/api/v1/jits")
                request.headers.add(name: "Authorization", value: "Bearer \(tokens[node])")
                let response = try await http.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 1 << 20)
                let spaces = (try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [[String: Any]]) ?? []
                digests.insert(spaces.first?["digest"] as? String ?? "")
                complete = complete && spaces.count == 1
            }
            if digests.count == 1 && complete { break }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func stop() async {
        try? await http.shutdown()
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
