import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import LiaisonCore
@testable import LiaisonServer
import LiaisonTestSupport
import Testing

@Suite("Node lifecycle")
struct NodeLifecycleTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("liaison-init-\(UUID().uuidString)").path
    }

    static let profile = try! NodeProfile(agencyCode: "XA-POL", name: "Aldoria Police", jurisdiction: "XA", endpoint: "https://127.0.0.1:8443")

    @Test("init creates keys readable only by the owner and an identity with matching fingerprints")
    func initCreatesNode() async throws {
        let path = Self.temporaryPath()
        let identity = try await NodeSetup.initialise(dataDirectory: path, profile: Self.profile, databaseURL: nil)
        for name in ["signing.key", "agreement.key", "tls.key", "tls.crt"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(path)/keys/\(name)")
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(name) must be 0600")
        }
        let loaded = try NodeDirectory(path: path).load()
        #expect(loaded.identity == identity)
        #expect(identity.signingKey.fingerprint.count == 64 + 15)
        #expect(identity.tlsCertificate.pem.hasPrefix("-----BEGIN CERTIFICATE-----"))
    }

    @Test("a second init on the same directory refuses and changes nothing")
    func secondInitRefuses() async throws {
        let path = Self.temporaryPath()
        let first = try await NodeSetup.initialise(dataDirectory: path, profile: Self.profile, databaseURL: nil)
        let keyBefore = try Data(contentsOf: URL(fileURLWithPath: "\(path)/keys/signing.key"))
        await #expect(throws: LiaisonError.self) {
            try await NodeSetup.initialise(dataDirectory: path, profile: Self.profile, databaseURL: nil)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(path)/keys/signing.key")) == keyBefore)
        #expect(try NodeDirectory(path: path).load().identity == first)
    }

    @Test("init against an unreachable database fails with one clear line and leaves no directory")
    func unreachableDatabase() async throws {
        let path = Self.temporaryPath()
        // Port 1 on loopback: nothing listens there.
        let error = await #expect(throws: LiaisonError.self) {
            try await NodeSetup.initialise(dataDirectory: path, profile: Self.profile, databaseURL: "postgres://liaison@127.0.0.1:1/liaison")
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("127.0.0.1:1") == true)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("loading refuses a missing directory, a missing key and a key readable by others, saying how to fix it")
    func operatorErrors() async throws {
        let missing = Self.temporaryPath()
        #expect(throws: LiaisonError.self) { try NodeDirectory(path: missing).load() }

        let path = Self.temporaryPath()
        _ = try await NodeSetup.initialise(dataDirectory: path, profile: Self.profile, databaseURL: nil)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: "\(path)/keys/signing.key")
        let exposed = #expect(throws: LiaisonError.self) { try NodeDirectory(path: path).load() }
        #expect(exposed?.message.contains("chmod 600") == true)
        try FileManager.default.removeItem(atPath: "\(path)/keys/signing.key")
        let gone = #expect(throws: LiaisonError.self) { try NodeDirectory(path: path).load() }
        #expect(gone?.message.contains("missing") == true)
    }

    @Test("a real server on loopback answers health, readiness and metrics over HTTP", arguments: Backend.available)
    func liveServer(backend: Backend) async throws {
        let node = try await TestNode.make(backend: backend)
        try await node.app.application.test(.live) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            // Which hit/no-hit indexes are still being built: none on a node without reference data.
            let readiness = try JSONSerialization.jsonObject(with: Data(ready.text.utf8)) as? [String: Any]
            #expect(readiness?["status"] as? String == "ready")
            #expect(readiness?["warming"] as? [String] == [])
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains(#"liaison_http_requests_total{method="GET",route="/healthz",status="200"} 1"#))
        }
    }
}

/// The `liaison` executable: operator errors are one line and a non-zero exit.
@Suite("liaison command")
struct CommandLineTests {
    static var executable: URL? {
        let candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("liaison")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        let build = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/liaison").standardized
        return FileManager.default.isExecutableFile(atPath: build.path) ? build : nil
    }

    static func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = try #require(executable, "build the liaison executable first (swift build)")
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inp
        try process.run()
        if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
        try inp.fileHandleForWriting.close()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stdout, stderr)
    }

    @Test("init, identity and user add work from the command line; mistakes are one line and exit 1",
          .enabled(if: executable != nil, "the liaison executable is not built"))
    func commandLine() throws {
        let path = NodeLifecycleTests.temporaryPath()
        let initialised = try Self.run(["init", "--data-dir", path, "--agency-code", "XB-CUS", "--name", "Borvian Customs", "--jurisdiction", "XB"])
        #expect(initialised.status == 0, "\(initialised.stderr)")
        let identity = try Self.run(["identity", "--data-dir", path])
        #expect(identity.status == 0)
        let document = try JSON.decoder.decode(IdentityDocument.self, from: Data(identity.stdout.utf8))
        #expect(document.agencyCode == "XB-CUS" && document.jurisdiction == "XB")

        let added = try Self.run(["user", "add", "--data-dir", path, "--username", "ada", "--role", "analyst", "--password-stdin"], input: "a long enough password\n")
        #expect(added.status == 0, "\(added.stderr)")
        let retention = try Self.run(["retention", "report", "--data-dir", path, "--json"])
        #expect(retention.status == 0, "\(retention.stderr)")
        #expect((try JSONSerialization.jsonObject(with: Data(retention.stdout.utf8)) as? [String: Any])?["withinDays"] as? Int == 30)

        let mistakes: [[String]] = [
            ["init", "--data-dir", path, "--agency-code", "XB-CUS", "--name", "Again", "--jurisdiction", "XB"],
            ["init", "--data-dir", NodeLifecycleTests.temporaryPath(), "--agency-code", "XB-CUS", "--name", "N", "--jurisdiction", "ZX"],
            ["identity", "--data-dir", NodeLifecycleTests.temporaryPath()],
            ["user", "add", "--data-dir", path, "--username", "ada", "--role", "analyst", "--password-stdin"],
            ["user", "add", "--data-dir", path, "--username", "bob", "--role", "emperor", "--password-stdin"],
            ["serve", "--data-dir", path, "--database-url", "mysql://127.0.0.1/x"],
            ["retention", "report", "--data-dir", path, "--days=-1"],
        ]
        for arguments in mistakes {
            let result = try Self.run(arguments, input: "a long enough password\n")
            #expect(result.status == 1, "\(arguments) exited \(result.status)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("liaison: error: "), "\(arguments): \(result.stderr)")
        }
    }
}
