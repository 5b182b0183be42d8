import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonCrypto
@testable import LiaisonServer
import LiaisonStore
import LiaisonTestSupport
import NIOCore
import Testing

@Suite("Evidence and chain of custody")
struct EvidenceTests {
    static let content = Data("Seized phone image, sector 7 — \(UUID().uuidString)".utf8) + Data((0..<4096).map { UInt8($0 % 251) })

    static let registration = """
        {"caseRef":"XA-2026-0042","description":"Mobile phone image of the suspect's handset","kind":"file","collectedBy":"Insp. Ana Ribeiro",
         "collectedAt":"2026-09-20T08:00:00Z","location":"Northern crossing, E19","legalAuthority":"Search warrant 2026/117, Aldoria district court",
         "purpose":"investigation"}
        """

    /// A node with an investigator; `body` gets the client, the token and the node.
    static func withNode(_ backend: Backend = .sqlite, _ body: @escaping @Sendable (any TestClientProtocol, String, TestNode) async throws -> Void) async throws -> TestNode {
        let node = try await TestNode.make(backend: backend)
        let user = try await node.addUser(.investigator)
        try await node.app.application.test(.router) { client in
            try await body(client, try await client.token(user.username, user.password), node)
        }
        return node
    }

    /// Registers a file item with content and three more custody events; returns its id.
    static func itemWithChain(_ client: any TestClientProtocol, _ token: String) async throws -> String {
        let registered = try await client.json("/api/v1/evidence", method: .post, token: token, body: registration)
        try #require(registered.status == .created, "\(registered.text)")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(buffer: registered.body)) as? [String: Any]).flatMap { ($0["item"] as? [String: Any])?["id"] as? String })
        let stored = try await client.execute(
            uri: "/api/v1/evidence/\(id)/content?name=phone.img", method: .put,
            headers: [.authorization: "Bearer \(token)", .contentType: "application/octet-stream"], body: ByteBuffer(bytes: content)
        )
        try #require(stored.status == .ok, "\(stored.text)")
        for event in [
            #"{"action":"sealed","actor":"Insp. Ana Ribeiro","place":"Evidence room 2","purpose":"preservation"}"#,
            #"{"action":"transferred","actor":"Insp. Ana Ribeiro","place":"Evidence room 2","purpose":"forensic examination","recipient":"Forensic lab, Dr. Lee"}"#,
            #"{"action":"examined","actor":"Dr. Lee","place":"Forensic lab","purpose":"extraction of messages"}"#,
        ] {
            let added = try await client.json("/api/v1/evidence/\(id)/events", method: .post, token: token, body: event)
            try #require(added.status == .created, "\(added.text)")
        }
        return id
    }

    static func package(_ client: any TestClientProtocol, _ token: String, _ id: String) async throws -> Data {
        let response = try await client.execute(uri: "/api/v1/evidence/\(id)/package", method: .get, headers: [.authorization: "Bearer \(token)"])
        try #require(response.status == .ok, "\(response.text)")
        #expect(response.headers[.contentType] == "application/zip")
        return Data(buffer: response.body)
    }

    @Test("register, store sealed content, record custody; the chain is signed, linked and in the audit log", arguments: Backend.available)
    func chain(backend: Backend) async throws {
        _ = try await Self.withNode(backend) { client, token, node in
            let id = try await Self.itemWithChain(client, token)
            let item = try await client.json("/api/v1/evidence/\(id)", token: token)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: item.body)) as? [String: Any])
            let custody = try #require(object["custody"] as? [[String: Any]])
            #expect(custody.map { $0["action"] as? String } == ["collected", "sealed", "transferred", "examined"])
            let download = try await client.execute(uri: "/api/v1/evidence/\(id)/content", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(Data(buffer: download.body) == Self.content)
            // At rest the content is sealed: its bytes appear nowhere in the database.
            let sealed = try #require(try await EvidenceStore(database: node.app.database).sealedContent(id))
            #expect(sealed.ciphertext.range(of: Self.content.prefix(32)) == nil)
            #expect(sealed.ciphertext != Self.content)
            // Each read asked the policy decision point, with the item's case as the case link.
            let decisions = try await AuditStore(database: node.app.database).allEvents().filter { $0.operation == .policyDecision && $0.subject == "evidence:\(id)" }
            #expect(decisions.count == 2 && decisions.allSatisfy { $0.details?["action"] == "read" && $0.details?["decision"] == "permit" && $0.details?["caseRef"] != nil })
        }
    }

    @Test("the exported package verifies offline, and maps the chain to CASE")
    func packageVerifies() async throws {
        _ = try await Self.withNode { client, token, _ in
            let id = try await Self.itemWithChain(client, token)
            let package = try await Self.package(client, token, id)
            let report = EvidencePackageVerifier.verify(package)
            #expect(report.passed, "\(report.text)")
            #expect(report.checks.filter { $0.name.hasPrefix("audit record") }.count == 4)
            let files = try Self.unzip(package)
            let caseDocument = try #require(files["case.jsonld"].flatMap { String(data: $0, encoding: .utf8) })
            #expect(caseDocument.contains("case-investigation:ProvenanceRecord"))
            #expect(caseDocument.contains("case-investigation:InvestigativeAction"))
        }
    }

    static func unzip(_ data: Data) throws -> [String: Data] {
        try EvidencePackageBuilder.unzip(data)
    }

    static func rezip(_ files: [String: Data]) throws -> Data {
        try EvidencePackageBuilder.zip(files.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// Exports a package, applies `tamper` to its files, and verifies the result.
    static func tampered(_ tamper: @escaping @Sendable (inout [String: Data]) throws -> Void) async throws -> EvidencePackageVerifier.Report {
        let result = Locked<EvidencePackageVerifier.Report?>(nil)
        _ = try await withNode { client, token, _ in
            var files = try unzip(try await package(client, token, try await itemWithChain(client, token)))
            try tamper(&files)
            result.value = EvidencePackageVerifier.verify(try rezip(files))
        }
        return try #require(result.value)
    }

    static func failed(_ report: EvidencePackageVerifier.Report) -> [String] {
        report.checks.filter { !$0.passed }.map { "\($0.name): \($0.detail)" }
    }

    @Test("one flipped byte of the evidence file is detected and named")
    func flippedByte() async throws {
        let report = try await Self.tampered { files in
            var content = try #require(files["content/phone.img"])
            content[content.startIndex + 100] ^= 0x01
            files["content/phone.img"] = content
        }
        #expect(!report.passed)
        #expect(Self.failed(report).contains { $0.hasPrefix("evidence file") && $0.contains("altered") }, "\(Self.failed(report))")
    }

    @Test("an edited custody event is detected and named")
    func editedEvent() async throws {
        let report = try await Self.tampered { files in
            var manifest = try JSON.decoder.decode(EvidenceManifest.self, from: try #require(files["manifest.json"]))
            let original = String(decoding: manifest.custody[2].signed.eventBytes, as: UTF8.self)
            manifest.custody[2].signed.event = Data(original.replacingOccurrences(of: "Dr. Lee", with: "Mr. Nobody").utf8).base64EncodedString()
            files["manifest.json"] = try JSON.canonicalEncoder.encode(manifest)
        }
        #expect(Self.failed(report).contains { $0.hasPrefix("custody event 2") }, "\(Self.failed(report))")
    }

    @Test("a custody event removed from the chain breaks the links")
    func removedEvent() async throws {
        let report = try await Self.tampered { files in
            var manifest = try JSON.decoder.decode(EvidenceManifest.self, from: try #require(files["manifest.json"]))
            manifest.custody.remove(at: 1)
            files["manifest.json"] = try JSON.canonicalEncoder.encode(manifest)
        }
        #expect(Self.failed(report).contains { $0.hasPrefix("custody event 1") }, "\(Self.failed(report))")
    }

    @Test("a replaced checkpoint signature is detected")
    func replacedCheckpointSignature() async throws {
        let report = try await Self.tampered { files in
            let path = try #require(files.keys.first { $0.hasPrefix("checkpoints/") })
            let note = try SignedNote.parse(String(decoding: try #require(files[path]), as: UTF8.self))
            let forged = try SignedNote.sign(note.text, name: note.signatures[0].name, key: Curve25519.Signing.PrivateKey())
            files[path] = Data(SignedNote.format(text: note.text, signatures: [forged]).utf8)
        }
        #expect(Self.failed(report).contains { $0.hasPrefix("checkpoint of") && $0.contains("replaced") }, "\(Self.failed(report))")
    }

    @Test("bad registrations and custody events are refused with a problem and change nothing", arguments: [
        (#"{"caseRef":"","description":"x","kind":"file","collectedBy":"a","collectedAt":"2026-09-20T08:00:00Z","location":"l","legalAuthority":"w"}"#, 400),
        (#"{"caseRef":"c","description":"x","kind":"vapour","collectedBy":"a","collectedAt":"2026-09-20T08:00:00Z","location":"l","legalAuthority":"w"}"#, 400),
        (#"{"caseRef":"c","description":"x","kind":"file","collectedBy":"a","collectedAt":"2030-01-01T00:00:00Z","location":"l","legalAuthority":"w"}"#, 400),
        (#"{"caseRef":"c","description":"x","kind":"file","collectedBy":"a","location":"l","legalAuthority":"w"}"#, 400),
    ])
    func badRegistrations(body: String, status: Int) async throws {
        _ = try await Self.withNode { client, token, _ in
            let response = try await client.json("/api/v1/evidence", method: .post, token: token, body: body)
            #expect(Int(response.status.code) == status, "\(response.text)")
            #expect(response.problem != nil)
            #expect(try await client.json("/api/v1/evidence", token: token).text == "[]")
        }
    }

    @Test("content is stored once; custody follows the rules of the chain")
    func custodyRules() async throws {
        _ = try await Self.withNode { client, token, _ in
            let id = try await Self.itemWithChain(client, token)
            let again = try await client.execute(uri: "/api/v1/evidence/\(id)/content", method: .put, headers: [.authorization: "Bearer \(token)"], body: ByteBuffer(string: "other"))
            #expect(again.status == .conflict)
            #expect(try await client.json("/api/v1/evidence/\(id)/events", method: .post, token: token, body: #"{"action":"collected","actor":"a","place":"p","purpose":"x"}"#).status == .badRequest)
            #expect(try await client.json("/api/v1/evidence/\(id)/events", method: .post, token: token, body: #"{"action":"returned","actor":"a","place":"p","purpose":"x"}"#).status == .badRequest)
            #expect(try await client.json("/api/v1/evidence/\(id)/events", method: .post, token: token, body: #"{"action":"examined","actor":"a","place":"p","purpose":"x","time":"2020-01-01T00:00:00Z"}"#).status == .badRequest)
            #expect(try await client.json("/api/v1/evidence/\(id)/events", method: .post, token: token, body: #"{"action":"destroyed","actor":"a","place":"p","purpose":"court order 12"}"#).status == .created)
            #expect(try await client.json("/api/v1/evidence/\(id)/events", method: .post, token: token, body: #"{"action":"examined","actor":"a","place":"p","purpose":"x"}"#).status == .conflict)
            #expect(try await client.json("/api/v1/evidence/nope/events", method: .post, token: token, body: #"{"action":"examined","actor":"a","place":"p","purpose":"x"}"#).status == .notFound)
            let physical = try await client.json("/api/v1/evidence", method: .post, token: token, body: Self.registration.replacingOccurrences(of: #""kind":"file""#, with: #""kind":"physical""#))
            let physicalID = try #require((try JSONSerialization.jsonObject(with: Data(buffer: physical.body)) as? [String: Any]).flatMap { ($0["item"] as? [String: Any])?["id"] as? String })
            #expect(try await client.execute(uri: "/api/v1/evidence/\(physicalID)/content", method: .put, headers: [.authorization: "Bearer \(token)"], body: ByteBuffer(string: "x")).status == .badRequest)
        }
    }

    @Test("liaison evidence export writes a package that liaison verify accepts, and a tampered one it rejects", .enabled(if: CommandLineTests.executable != nil, "the liaison executable is not built"))
    func commandLine() async throws {
        let itemID = Locked("")
        let node = try await Self.withNode { client, token, _ in
            itemID.value = try await Self.itemWithChain(client, token)
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("evidence-\(UUID().uuidString).zip").path
        let exported = try CommandLineTests.run(["evidence", "export", "--data-dir", node.directory, "--id", itemID.value, "--out", out])
        #expect(exported.status == 0, "\(exported.stderr)")
        let verified = try CommandLineTests.run(["verify", out])
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(verified.stdout.contains("VERIFIED"))
        var files = try Self.unzip(try Data(contentsOf: URL(fileURLWithPath: out)))
        files["content/phone.img"]![files["content/phone.img"]!.startIndex] ^= 0xFF
        let bad = out + ".tampered.zip"
        try Self.rezip(files).write(to: URL(fileURLWithPath: bad))
        let rejected = try CommandLineTests.run(["verify", bad])
        #expect(rejected.status == 1)
        #expect(rejected.stdout.contains("FAIL  evidence file"))
        #expect(try CommandLineTests.run(["verify", "/nonexistent.zip"]).status == 1)
    }
}
