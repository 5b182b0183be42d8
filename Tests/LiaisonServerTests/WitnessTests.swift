import AsyncHTTPClient
import Crypto
import Foundation
import LiaisonCore
import LiaisonCrypto
@testable import LiaisonServer
import LiaisonStore
import LiaisonTestSupport
import Logging
import NIOCore
import Testing

@Suite("Witnessing (C2SP tlog-witness)")
struct WitnessTests {
    static func adminToken(_ federation: LiveFederation, _ index: Int) async throws -> String {
        let admin = try await federation.nodes[index].addUser(.administrator, username: "admin\(index)")
        return try await federation.token(index, admin.username, admin.password)
    }

    @Test("each node's newest checkpoint carries its partner's cosignature, verifiable with the partner's witness key", arguments: Backend.available)
    func cosigned(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend, configure: { $0.checkpointInterval = .milliseconds(200) }) { federation in
            let tokens = [try await Self.adminToken(federation, 0), try await Self.adminToken(federation, 1)]
            for (index, other) in [(0, 1), (1, 0)] {
                let witnessKey = try #require(federation.nodes[other].app.identity.witnessVerifierKey)
                let ownKey = try #require(federation.nodes[index].app.identity.auditVerifierKey)
                try await eventually("node \(index)'s checkpoint is cosigned", advancing: federation.clocks, by: 0.2) {
                    let note = try await federation.call(index, "/api/v1/audit/checkpoint", token: tokens[index]).text
                    guard let parsed = try? SignedNote.parse(note) else { return false }
                    return try NoteVerifier(verifierKey: witnessKey).verifies(parsed) && NoteVerifier(verifierKey: ownKey).verifies(parsed)
                }
            }
            #expect(try await federation.call(0, "/api/v1/alerts", token: tokens[0]).array.isEmpty)
            // A partner fetches the newest checkpoint, cosignatures included, from the federation listener
            // (a checkpoint signed a moment ago may wait for the next witness round).
            let witnessA = try NoteVerifier(verifierKey: try #require(federation.nodes[0].app.identity.witnessVerifierKey))
            try await eventually("B's federation listener serves a cosigned checkpoint", advancing: federation.clocks, by: 0.2) {
                let fetched = try await federation.getFederation(1, "/federation/v1/audit/checkpoint")
                return fetched.status == 200 && (try? SignedNote.parse(fetched.text)).map(witnessA.verifies) == true
            }
        }
    }

    @Test("a forked log shown to a witness is refused as a split view, and both sides raise an alert")
    func splitView() async throws {
        try await LiveFederation.run(configure: { $0.checkpointInterval = .milliseconds(200) }) { federation in
            let tokens = [try await Self.adminToken(federation, 0), try await Self.adminToken(federation, 1)]
            let witnessA = try #require(federation.nodes[0].app.identity.witnessVerifierKey)
            // B's log gets cosigned by A once.
            try await eventually("B's checkpoint is cosigned by A", advancing: federation.clocks, by: 0.2) {
                let note = try await federation.call(1, "/api/v1/audit/checkpoint", token: tokens[1]).text
                return (try? SignedNote.parse(note)).map { (try? NoteVerifier(verifierKey: witnessA).verifies($0)) == true } ?? false
            }
            // B's key signs a second history of the same log: different entries, larger size.
            // (B's real log keeps growing and being witnessed meanwhile: retry on a 409.)
            let keys = try NodeDirectory(path: federation.nodes[1].directory).load().keys
            let forkDatabase = LiaisonDatabase(location: .sqliteMemory, logger: Logger(label: "fork"))
            try await forkDatabase.migrate()
            var forked: AuditCheckpointRecord?
            for attempt in 0..<5 {
                let seen = try #require(try await WitnessStore(database: federation.nodes[0].app.database).witnessed(origin: "liaison/XB-CUS/audit"))
                let forkStore = AuditStore(database: forkDatabase)
                let fork = AuditLog(store: forkStore, agencyCode: "XB-CUS", signingKey: keys.signing, clock: federation.nodes[1].clock)
                let have = try await fork.size()
                let target = max(have, seen.size) + 3
                try await forkStore.record((have..<target).map { AuditEvent(time: Date(), operation: .messageRead, actor: "user:eve", subject: "message:\(attempt)-\($0)") }, at: Date())
                try await fork.sequence()
                let checkpoint = try await fork.checkpoint()
                let proof = try await fork.consistencyProof(from: seen.size, to: checkpoint.size)
                let reply = try await federation.postWitness(0, body: AddCheckpointRequest(oldSize: seen.size, proof: proof, note: checkpoint.note).body)
                if reply.status == 409 { continue }
                #expect(reply.status == 422, "\(reply.text)")
                forked = checkpoint
                break
            }
            let forkedCheckpoint = try #require(forked)
            await forkDatabase.shutdown()
            let alertsA = try await federation.call(0, "/api/v1/alerts", token: tokens[0]).array
            #expect(alertsA.contains { $0["kind"] as? String == "split-view" && $0["source"] as? String == "XB-CUS" })

            // Had A seen the fork first, B's real checkpoints would be the inconsistent ones: B learns it from A's answer.
            try await WitnessStore(database: federation.nodes[0].app.database).saveWitnessed(
                WitnessedCheckpoint(origin: "liaison/XB-CUS/audit", size: forkedCheckpoint.size, root: forkedCheckpoint.root, note: forkedCheckpoint.note), at: Date()
            )
            try await WitnessStore(database: federation.nodes[1].app.database).setProgress(witness: "XA-POL", size: forkedCheckpoint.size, at: Date())
            // B's real log grows past the fork's size (each sign-in is an entry), and B signs a new checkpoint.
            let admin = try await federation.nodes[1].addUser(.administrator, username: "busy")
            for _ in 0..<(Int(forkedCheckpoint.size) + 2) { _ = try await federation.token(1, admin.username, admin.password) }
            _ = try await federation.call(1, "/api/v1/audit/checkpoint", method: .POST, token: tokens[1])
            try await eventually("B raises a witness-refused alert", advancing: federation.clocks, by: 0.2) {
                try await federation.call(1, "/api/v1/alerts", token: tokens[1]).array.contains { $0["kind"] as? String == "witness-refused" && $0["source"] as? String == "XA-POL" }
            }
            // The alert is in B's audit log too.
            try await eventually("the alert is in B's audit log", advancing: federation.clocks, by: 0.2) {
                _ = try await federation.call(1, "/api/v1/audit/checkpoint", method: .POST, token: tokens[1])
                return try await federation.call(1, "/api/v1/audit/entries?start=0&end=1000", token: tokens[1]).text.contains("alert.raise")
            }
        }
    }

    @Test("add-checkpoint refuses unknown logs, bad signatures, malformed bodies and a stale old size")
    func refusals() async throws {
        try await LiveFederation.run { federation in
            let stranger = Curve25519.Signing.PrivateKey()
            let text = Checkpoint(origin: "liaison/XB-CUS/audit", size: 1, root: Merkle.leafHash(Data())).text
            let forged = SignedNote.format(text: text, signatures: [try SignedNote.sign(text, name: "liaison/XB-CUS/audit", key: stranger)])
            #expect(try await federation.postWitness(0, body: AddCheckpointRequest(oldSize: 0, proof: [], note: forged).body).status == 403)
            let unknownText = Checkpoint(origin: "liaison/XZ-ZZZ/audit", size: 1, root: Merkle.leafHash(Data())).text
            let unknown = SignedNote.format(text: unknownText, signatures: [try SignedNote.sign(unknownText, name: "liaison/XZ-ZZZ/audit", key: stranger)])
            #expect(try await federation.postWitness(0, body: AddCheckpointRequest(oldSize: 0, proof: [], note: unknown).body).status == 404)
            #expect(try await federation.postWitness(0, body: "old x\n\nnonsense").status == 400)
            #expect(try await federation.postWitness(0, body: "no blank line").status == 400)
            let keys = try NodeDirectory(path: federation.nodes[1].directory).load().keys
            let genuine = SignedNote.format(text: text, signatures: [try SignedNote.sign(text, name: "liaison/XB-CUS/audit", key: keys.signing)])
            let stale = try await federation.postWitness(0, body: AddCheckpointRequest(oldSize: 5, proof: [], note: genuine).body)
            #expect(stale.status == 409)
            #expect(UInt64(stale.text.trimmingCharacters(in: .whitespacesAndNewlines)) != nil, "\(stale.text)")
        }
    }
}

extension LiveFederation {
    func getFederation(_ index: Int, _ path: String) async throws -> Reply {
        let clients = try partnerClients(of: index)
        var identity = nodes[index].app.identity
        identity.endpoint = "https://127.0.0.1:\(ports[index].federation)"
        let (client, endpoint) = try await clients.client(for: PartnerRecord(identity: identity, addedAt: Date(), addedBy: "test"))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(HTTPClientRequest(url: endpoint + path), timeout: .seconds(10))
            bytes = try await response.body.collect(upTo: 1 << 20)
        } catch {
            await clients.shutdown()
            throw error
        }
        await clients.shutdown()
        return Reply(status: Int(response.status.code), text: String(buffer: bytes), headers: [])
    }

    func postWitness(_ index: Int, body: String) async throws -> Reply {
        try await postFederation(index, "/federation/v1/witness/add-checkpoint", body: body)
    }
}
