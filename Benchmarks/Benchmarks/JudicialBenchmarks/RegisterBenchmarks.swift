import AsyncHTTPClient
import Benchmark
import Foundation
import LiaisonCore
import LiaisonServer
import LiaisonStore
import Logging
import NIOCore
import ServiceLifecycle

/// The register's goal (issue 22): with 100,000 instruments and their clocks, what is due this
/// week lists in under 100 ms. Measured through a running node's API on SQLite, beside the floor
/// of the same path (an authenticated call that reads one instrument) in the same run. The
/// register holds a national prosecution service's mix: 100,000 EIOs, EAWs and freezing
/// certificates over two years, a third still with a running clock (deadlines spread over the
/// next 90 days, some passed), the rest closed.
func registerBenchmarks() {
    Benchmark("Register baseline: GET /api/v1/instruments/{id} (one instrument, signed in)") { benchmark in
        let node = try await RegisterNode.shared()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try await node.get("/api/v1/instruments/\(node.sample)")) }
        benchmark.stopMeasurement()
    }

    Benchmark("Register: due this week among 100,000 instruments (GET /api/v1/instruments?due=week)") { benchmark in
        let node = try await RegisterNode.shared()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try await node.get("/api/v1/instruments?due=week")) }
        benchmark.stopMeasurement()
    }
}

/// One node with 100,000 instruments, started once for both benchmarks.
final class RegisterNode: Sendable {
    let port: Int
    let token: String
    let sample: String
    let http: HTTPClient

    init(port: Int, token: String, sample: String) {
        self.port = port
        self.token = token
        self.sample = sample
        self.http = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    actor Started {
        var node: RegisterNode?
        func node(_ make: () async throws -> RegisterNode) async throws -> RegisterNode {
            if let node { return node }
            let made = try await make()
            node = made
            return made
        }
    }

    private static let started = Started()
    static func shared() async throws -> RegisterNode { try await started.node(start) }

    actor Port {
        var value: Int?
        func set(_ port: Int) { value = port }
    }

    static func start() async throws -> RegisterNode {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-bench-register-\(UUID().uuidString)").path
        let profile = try NodeProfile(agencyCode: "XB-CUS", name: "XB-CUS", jurisdiction: "XB", endpoint: "https://127.0.0.1:1")
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
            .add(username: "bench", role: "judicial-authority", password: "benchmark-password")
        let webPort = await port.value!
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }
        var login = HTTPClientRequest(url: "http://127.0.0.1:\(webPort)/api/v1/auth/token")
        login.method = .POST
        login.headers.add(name: "Content-Type", value: "application/json")
        login.body = .bytes(ByteBuffer(string: #"{"username":"bench","password":"benchmark-password"}"#))
        let reply = try await http.execute(login, timeout: .seconds(30)).body.collect(upTo: 1 << 20)
        let token = (try JSONSerialization.jsonObject(with: Data(reply.readableBytesView)) as? [String: Any])?["token"] as! String
        let store = InstrumentStore(database: app.database)
        let engine = try DeadlineEngine(JurisdictionCalendar(jurisdiction: "XB", timeZone: "Europe/Helsinki", holidays: ["2026-12-24", "2026-12-25", "2027-01-01"]))
        let now = Date()
        var random = SystemRandomNumberGenerator()
        var sample = ""
        for batch in 0..<100 {
            var instruments: [Instrument] = []
            for index in 0..<1_000 {
                let number = batch * 1_000 + index
                let kind: InstrumentKind = [.eio, .eio, .eio, .eaw, .freezing][number % 5]
                let received = now.addingTimeInterval(-Double.random(in: 0...(730 * 86_400), using: &random))
                var instrument = Instrument(
                    id: UUID().uuidString.lowercased(), reference: "XC-PRO/\(kind.rawValue.uppercased())/\(number)", kind: kind, direction: .incoming, issuer: "XC-PRO",
                    executor: "XB-CUS", executingJurisdiction: "XB", caseReference: nil, document: Self.document(kind, number), drafter: "prosecutor",
                    drafterRole: .judicialAuthority, at: received
                )
                instrument.state = .acknowledged
                instrument.history = [InstrumentStep(action: .receive, from: .transmitted, to: .received, by: "node:XB-CUS", role: nil, at: received)]
                if number % 3 == 0 {
                    // Running: a deadline somewhere from ten days ago to ninety days ahead.
                    let started = now.addingTimeInterval(Double.random(in: -(40 * 86_400)...(60 * 86_400), using: &random)).addingTimeInterval(-30 * 86_400)
                    instrument.clocks = [InstrumentClock(reading: try engine.reading(.eioRecognition, startedAt: started))]
                } else {
                    instrument.state = .closed
                }
                if number == 0 { sample = instrument.id }
                instruments.append(instrument)
            }
            try await store.insert(instruments, at: now)
        }
        return RegisterNode(port: webPort, token: token, sample: sample)
    }

    /// An EIO, EAW or freezing certificate of realistic size (about 2 KB).
    static func document(_ kind: InstrumentKind, _ number: Int) -> InstrumentDocument {
        let authority: FormEntry = ["kind": .text("prosecutor"), "name": .text("Caldera Public Prosecutor's Office"), "officer": .text("Prosecutor \(number)"), "date": .text("2026-11-30")]
        let offence: FormEntry = [
            "facts": .text("Proceeds of cigarettes smuggled across the northern border were paid to an importer in Borvia and moved on to Caldera; case \(number)."),
            "legalClassification": .text("Money laundering, Calderan Criminal Code s. 261"), "offenceCategory": .text(OffenceCategory.moneyLaundering.rawValue),
            "maximumPenaltyMonths": .text("120"),
        ]
        switch kind {
        case .eaw:
            return InstrumentDocument(form: "eaw", language: "en", sections: [
                "a": [["name": .text("DOE \(number)"), "forenames": .text("Jonas"), "dateOfBirth": .text("1984-03-02")]], "b": [["arrestWarrant": .text("XC-IJ-\(number)")]],
                "c": [["purpose": .text("prosecution"), "maximumPenaltyMonths": .text("120")]], "d": [["appearedInPerson": .text("yes")]],
                "e": [["offences": .text("1"), "facts": offence["facts"]!, "legalClassification": offence["legalClassification"]!]], "i": [authority],
            ])
        case .freezing:
            return InstrumentDocument(form: "freezing", language: "en", sections: [
                "A": [["issuingState": .text("XC"), "executingState": .text("XB")]], "C": [authority],
                "D": [["kind": .text("bank-account"), "description": .text("Account XB12 3456 \(number)"), "value": .text("EUR 150000.00")]],
                "E": [["type": .text("legal"), "name": .text("Importer \(number) Oy"), "status": .text("suspect")]], "F": [["purpose": .text("subsequent-confiscation")]],
                "G": [offence],
            ])
        default:
            return InstrumentDocument(form: "eio", language: "en", sections: [
                "A": [["issuingState": .text("XC"), "executingState": .text("XB")]],
                "C": [["measures": .list(["H4-bank-accounts"]), "description": .text("Identify the accounts of importer \(number) and obtain their statements.")]],
                "E": [["type": .text("legal"), "name": .text("Importer \(number) Oy"), "status": .text("suspect")]], "F": [["proceedings": .text("criminal")]], "G": [offence],
                "H4": [["holder": .text("Importer \(number) Oy"), "institutions": .list(["Borvia Savings Bank"]), "reasons": .text("The payments reached these accounts.")]],
                "K": [authority],
            ])
        }
    }

    func get(_ path: String) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        precondition(response.status.code == 200, "\(path): \(response.status.code) \(String(buffer: body).prefix(300))")
        return body.readableBytes
    }
}
