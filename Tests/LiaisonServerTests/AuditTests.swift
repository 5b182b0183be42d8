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

/// A value shared with a test client closure.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

@Suite("Audit log")
struct AuditTests {
    /// A node with some history: an administrator and an oversight user, a failed and a
    /// successful sign-in, a refused request, a user added through the API. `body` runs while the
    /// node's services (and database) run, with an oversight user's token.
    static func withHistory(_ backend: Backend, _ body: @escaping @Sendable (any TestClientProtocol, String, TestNode) async throws -> Void) async throws -> TestNode {
        let node = try await TestNode.make(backend: backend)
        let admin = try await node.addUser(.administrator)
        let monitor = try await node.addUser(.oversight)
        try await node.app.application.test(.router) { client in
            #expect(try await client.json("/api/v1/auth/token", method: .post, body: #"{"username":"administrator","password":"wrong password here"}"#).status == .unauthorized)
            let adminToken = try await client.token(admin.username, admin.password)
            #expect(try await client.json("/api/v1/users", method: .post, token: adminToken, body: #"{"username":"ines","role":"investigator","password":"a long enough password"}"#).status == .created)
            let investigator = try await client.token("ines", "a long enough password")
            #expect(try await client.json("/api/v1/audit/entries", token: investigator).status == .forbidden)
            try await body(client, try await client.token(monitor.username, monitor.password), node)
        }
        return node
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test("operations become entries; the signed checkpoint verifies with the identity's vkey; every inclusion and consistency proof verifies", arguments: Backend.available)
    func entriesCheckpointsAndProofs(backend: Backend) async throws {
        _ = try await Self.withHistory(backend) { client, token, node in
            let vkey = try #require(node.app.identity.auditVerifierKey)
            let verifier = try NoteVerifier(verifierKey: vkey)
            let first = try await client.json("/api/v1/audit/checkpoint", method: .post, token: token)
            #expect(first.status == .ok)
            #expect(first.headers[.contentType]?.hasPrefix("text/plain") == true)
            let firstNote = try SignedNote.parse(first.text)
            #expect(verifier.verifies(firstNote))
            let firstCheckpoint = try Checkpoint(text: firstNote.text)
            #expect(firstCheckpoint.origin == "liaison/XA-POL/audit")

            let page = try Self.object(try await client.json("/api/v1/audit/entries?start=0&end=\(firstCheckpoint.size)", token: token))
            let entries = try #require(page["entries"] as? [[String: Any]])
            #expect(UInt64(entries.count) == firstCheckpoint.size)
            let operations = entries.compactMap { (($0["entry"] as? [String: Any])?["event"] as? [String: Any]).map { "\($0["operation"]!) \($0["outcome"]!) \($0["actor"]!)" } }
            #expect(operations.contains("user.add success cli"))
            #expect(operations.contains("auth.login failure user:administrator"))
            #expect(operations.contains("auth.login success user:administrator"))
            #expect(operations.contains("user.add success user:administrator"))
            #expect(operations.contains("access.denied denied user:ines"))

            // Each entry's leaf bytes hash to a leaf included under the signed root.
            for entry in entries {
                let index = try #require((entry["index"] as? NSNumber)?.uint64Value)
                let leaf = try #require(Data(base64Encoded: entry["leaf"] as? String ?? ""))
                // The sequencer builds leaves without re-encoding: they must be AuditLeaf's exact encoding.
                #expect(try AuditLeaf(bytes: leaf).bytes() == leaf)
                let proof = try Self.object(try await client.json("/api/v1/audit/proofs/inclusion?index=\(index)&size=\(firstCheckpoint.size)", token: token))
                let hashes = (proof["proof"] as? [String] ?? []).compactMap { Data(base64Encoded: $0) }
                #expect(MerkleVerifier.verifyInclusion(index: index, size: firstCheckpoint.size, leafHash: Merkle.leafHash(leaf), proof: hashes, root: firstCheckpoint.root).isVerified)
            }

            // The log grows (reading it is itself logged); the new checkpoint extends the old one.
            let second = try Checkpoint(text: try SignedNote.parse(try await client.json("/api/v1/audit/checkpoint", method: .post, token: token).text).text)
            #expect(second.size > firstCheckpoint.size)
            let consistency = try Self.object(try await client.json("/api/v1/audit/proofs/consistency?from=\(firstCheckpoint.size)&to=\(second.size)", token: token))
            let hashes = (consistency["proof"] as? [String] ?? []).compactMap { Data(base64Encoded: $0) }
            #expect(MerkleVerifier.verifyConsistency(oldSize: firstCheckpoint.size, newSize: second.size, oldRoot: firstCheckpoint.root, newRoot: second.root, proof: hashes).isVerified)
            let latest = try await client.json("/api/v1/audit/checkpoint", token: token)
            #expect(try Checkpoint(text: try SignedNote.parse(latest.text).text) == second)
            let report = try await AuditVerifier(store: AuditStore(database: node.app.database), verifierKey: vkey).verify()
            #expect(report.isIntact, "\(report.failure ?? "")")
            #expect(report.checkpointsVerified >= 2)
        }
    }

    @Test("concurrent sequencing and signing neither lose nor duplicate entries, nor race to store a checkpoint", arguments: Backend.available)
    func concurrentSequencingAndSigning(backend: Backend) async throws {
        let node = try await TestNode.make(backend: backend)
        let store = AuditStore(database: node.app.database)
        let log = AuditLog(store: store, agencyCode: "XA-POL", signingKey: try NodeDirectory(path: node.directory).load().keys.signing, clock: node.clock)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for round in 0..<5 {
                        try await store.record((0..<20).map { AuditEvent(time: Date(), operation: .messageRead, actor: "user:w\(worker)", subject: "message:\(round)-\($0)") }, at: Date())
                        try await log.sequence()
                        try await log.checkpoint()
                    }
                }
            }
            try await group.waitForAll()
        }
        try await log.sequence()
        let checkpoint = try await log.checkpoint()
        let report = try await AuditVerifier(store: store, verifierKey: try #require(node.app.identity.auditVerifierKey)).verify()
        #expect(report.isIntact, "\(report.failure ?? "")")
        #expect(report.entries == checkpoint.size)
        #expect(report.entries >= 800)
        await node.close()
    }

    @Test("events recorded while the node was down are under the first checkpoint it signs")
    func firstCheckpointCoversTheQueue() async throws {
        let node = try await TestNode.make()
        try await node.addUser(.administrator)  // recorded by the CLI path, queued while no node runs
        try await node.addUser(.oversight)
        try await node.app.application.test(.router) { _ in
            // The first checkpoint (signed at start) covers the queued events.
            _ = try await eventually("the first checkpoint covers the queued events") {
                (try await AuditStore(database: node.app.database).latestCheckpoint()?.size ?? 0) >= 2
            }
        }
    }

    @Test("bad proof and range requests get a problem and change nothing", arguments: [
        "/api/v1/audit/proofs/inclusion?index=999&size=1000", "/api/v1/audit/proofs/inclusion?index=5&size=2",
        "/api/v1/audit/proofs/inclusion", "/api/v1/audit/proofs/inclusion?index=-1", "/api/v1/audit/proofs/consistency?from=0&to=1",
        "/api/v1/audit/proofs/consistency?from=3&to=2", "/api/v1/audit/proofs/consistency?from=1", "/api/v1/audit/entries?start=5&end=2",
        "/api/v1/audit/entries?start=0&end=5000", "/api/v1/audit/entries?start=abc",
    ])
    func badRequests(uri: String) async throws {
        _ = try await Self.withHistory(.sqlite) { client, token, _ in
            _ = try await client.json("/api/v1/audit/checkpoint", method: .post, token: token)
            let response = try await client.json(uri, token: token)
            #expect(response.status == .badRequest, "\(uri): \(response.status) \(response.text)")
            #expect(response.problem != nil)
        }
    }

    /// Sequences and checkpoints the node's log, then applies `tamper` to the database.
    static func tampered(_ tamper: @escaping @Sendable (LiaisonDatabase) async throws -> Void) async throws -> AuditVerifier.Report {
        let report = Locked<AuditVerifier.Report?>(nil)
        _ = try await withHistory(.sqlite) { client, token, node in
            #expect(try await client.json("/api/v1/audit/checkpoint", method: .post, token: token).status == .ok)
            let verifier = try AuditVerifier(store: AuditStore(database: node.app.database), verifierKey: try #require(node.app.identity.auditVerifierKey))
            #expect(try await verifier.verify().isIntact)
            try await tamper(node.app.database)
            report.value = try await verifier.verify()
        }
        return try #require(report.value)
    }

    @Test("an edited entry is named")
    func editedEntry() async throws {
        let report = try await Self.tampered { database in
            try await database.execute(unsafeSQL: "UPDATE audit_entries SET leaf = CAST(REPLACE(CAST(leaf AS TEXT), 'failure', 'success') AS BLOB) WHERE leaf_index = 2")
        }
        #expect(report.firstBadIndex == 2, "\(report.failure ?? "intact")")
    }

    @Test("an edited entry whose stored hash was rewritten too is caught by the signed root")
    func editedEntryAndHash() async throws {
        let report = try await Self.tampered { database in
            try await database.execute(unsafeSQL: "UPDATE audit_entries SET leaf = CAST(REPLACE(CAST(leaf AS TEXT), 'failure', 'success') AS BLOB) WHERE leaf_index = 2")
            try await database.execute(unsafeSQL: "DELETE FROM audit_hashes WHERE node_key = 2")
            let leaf = try #require(try await AuditStore(database: database).entries(2..<3).first?.leaf)
            try await database.execute(unsafeSQL: "INSERT INTO audit_hashes (node_key, hash) VALUES (2, X'\(Merkle.leafHash(leaf).map { String(format: "%02x", $0) }.joined())')")
        }
        #expect(report.failure?.contains("signed root") == true, "\(report.failure ?? "intact")")
        #expect(report.firstBadIndex.map { $0 <= 2 } == true)
    }

    @Test("a deleted entry is named")
    func deletedEntry() async throws {
        let report = try await Self.tampered { database in
            try await database.execute(unsafeSQL: "DELETE FROM audit_entries WHERE leaf_index = 2")
        }
        #expect(report.firstBadIndex == 2)
        #expect(report.failure?.contains("missing") == true)
    }

    @Test("two swapped entries are named")
    func swappedEntries() async throws {
        let report = try await Self.tampered { database in
            try await database.execute(unsafeSQL: "UPDATE audit_entries SET leaf_index = -1 WHERE leaf_index = 1")
            try await database.execute(unsafeSQL: "UPDATE audit_entries SET leaf_index = 1 WHERE leaf_index = 4")
            try await database.execute(unsafeSQL: "UPDATE audit_entries SET leaf_index = 4 WHERE leaf_index = -1")
        }
        #expect(report.firstBadIndex == 1)
        #expect(report.failure?.contains("moved") == true)
    }

    @Test("the newest entries deleted are caught by the checkpoint that covers them")
    func truncatedLog() async throws {
        let report = try await Self.tampered { database in
            let size = try await AuditStore(database: database).size()
            try await database.execute(unsafeSQL: "DELETE FROM audit_entries WHERE leaf_index >= \(size - 2)")
        }
        #expect(report.failure?.contains("missing") == true, "\(report)")
    }

    @Test("a replaced checkpoint signature is caught")
    func replacedSignature() async throws {
        let report = try await Self.tampered { database in
            let latest = try #require(try await AuditStore(database: database).latestCheckpoint())
            let parsed = try SignedNote.parse(latest.note)
            let forged = SignedNote.format(text: parsed.text, signatures: [try SignedNote.sign(parsed.text, name: parsed.signatures[0].name, key: .init())])
            try await database.execute(unsafeSQL: "UPDATE audit_checkpoints SET note = '\(forged)' WHERE tree_size = \(latest.size)")
        }
        #expect(report.failure?.contains("signature") == true, "\(report.failure ?? "intact")")
    }

    @Test("the CLI's verify exits non-zero naming the first bad index", .enabled(if: CommandLineTests.executable != nil, "the liaison executable is not built"))
    func cliVerify() async throws {
        let node = try await Self.withHistory(.sqlite) { client, token, _ in
            _ = try await client.json("/api/v1/audit/checkpoint", method: .post, token: token)
        }
        let intact = try CommandLineTests.run(["audit", "verify", "--data-dir", node.directory])
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout.contains("audit log intact"))
        let database = LiaisonDatabase(location: try NodeDirectory(path: node.directory).load().database, logger: .init(label: "test"))
        try await database.execute(unsafeSQL: "DELETE FROM audit_entries WHERE leaf_index = 2")
        await database.shutdown()
        let broken = try CommandLineTests.run(["audit", "verify", "--data-dir", node.directory])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("first bad index: 2"), "\(broken.stderr)")
    }
}
