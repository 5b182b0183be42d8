import Foundation
import Hummingbird
import HummingbirdTesting
import LiaisonCore
@testable import LiaisonServer
import LiaisonStore
import LiaisonTestSupport
import NIOCore
import Testing

/// A real node built through the composition root, on a temporary data directory and a fresh
/// database of the chosen backend, with a clock the test moves.
struct TestNode {
    let app: LiaisonApplication
    let clock: ManualClock
    let directory: String

    static func make(
        backend: Backend = .sqlite, agencyCode: String = "XA-POL", ports: Ports? = nil,
        configure: (inout NodeConfiguration) -> Void = { _ in }
    ) async throws -> TestNode {
        let clock = ManualClock()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-node-\(UUID().uuidString)").path
        let profile = try NodeProfile(agencyCode: agencyCode, name: "Test agency \(agencyCode)", jurisdiction: "XA", endpoint: "https://127.0.0.1:8443")
        _ = try await NodeSetup.initialise(dataDirectory: directory, profile: profile, databaseURL: try await backend.freshDatabaseURL(), now: clock.now())
        var configuration = NodeConfiguration(dataDirectory: directory)
        configuration.port = 0
        configuration.bcryptCost = 4
        configuration.clock = clock
        configuration.logLevel = .warning
        // The periodic sweeps wait on this clock; tests that move it by days would otherwise race
        // them with the sweeps they ask for. A test of the jobs themselves sets its own interval.
        configuration.retentionSweepInterval = .seconds(100 * 365 * 86_400)
        configuration.anomalyScanInterval = .seconds(100 * 365 * 86_400)
        configure(&configuration)
        let app = try await buildApplication(
            configuration: configuration,
            onServerRunning: { port in await ports?.set(web: port) },
            onFederationRunning: { port in await ports?.set(federation: port) }
        )
        try await openCases(on: app.database, at: clock.now())
        return TestNode(app: app, clock: clock, directory: directory)
    }

    /// The case references the tests send, search and register under: open on every test node,
    /// led by the user named `investigator`.
    static let caseReferences = ["XA-2026-0042", "XA-2026-0099", "XA-2026-7", "XA-2026-1", "c"]

    static func openCases(on database: LiaisonDatabase, at now: Date) async throws {
        let store = CaseStore(database: database)
        for reference in caseReferences {
            let item = Case(reference: reference, title: "Test case \(reference)", offenceCategories: [.drugTrafficking], lead: "investigator",
                            legalBasis: "Code of Criminal Procedure Art. 1", openedBy: "investigator", openedAt: now)
            _ = try await store.open(item, id: UUID().uuidString.lowercased(), audit: [], at: now)
        }
    }

    /// Adds a user with this role; the username is the role's name.
    @discardableResult
    func addUser(_ role: Role, username: String? = nil, password: String = "correct horse battery") async throws -> (username: String, password: String) {
        let name = username ?? role.rawValue
        try await UserAdministration(users: UserStore(database: app.database), bcryptCost: 4, clock: clock).add(username: name, role: role.rawValue, password: password)
        return (name, password)
    }

    /// Closes the database of a node whose application never ran.
    func close() async {
        await app.database.shutdown()
    }

    func userCount() async throws -> Int {
        try await UserStore(database: app.database).list().count
    }
}

extension TestClientProtocol {
    /// Signs in through the API and returns the bearer token.
    func token(_ username: String, _ password: String) async throws -> String {
        let response = try await execute(
            uri: "/api/v1/auth/token", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"username":"\#(username)","password":"\#(password)"}"#)
        )
        try #require(response.status == .ok, "sign-in as \(username) failed: \(String(buffer: response.body))")
        let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
        return try #require(object?["token"] as? String)
    }

    func json(_ uri: String, method: HTTPRequest.Method = .get, token: String? = nil, body: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The RFC 9457 body, if the response is a problem.
    var problem: Problem? {
        guard headers[.contentType] == "application/problem+json" else { return nil }
        return try? JSON.decoder.decode(Problem.self, from: Data(buffer: body))
    }
}

/// The ports a live node bound (port 0 in tests), reported by the server callbacks.
actor Ports {
    private(set) var web: Int?
    private(set) var federation: Int?
    private var waiting: [CheckedContinuation<(web: Int, federation: Int), Never>] = []

    func set(web port: Int) {
        web = port
        resume()
    }

    func set(federation port: Int) {
        federation = port
        resume()
    }

    /// Waits until both listeners are up.
    func bound() async -> (web: Int, federation: Int) {
        if let web, let federation { return (web, federation) }
        return await withCheckedContinuation { waiting.append($0) }
    }

    private func resume() {
        guard let web, let federation else { return }
        for waiter in waiting { waiter.resume(returning: (web, federation)) }
        waiting = []
    }
}
