import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import LiaisonCore
import LiaisonCrypto
@testable import LiaisonServer
@testable import LiaisonStore
import LiaisonTestSupport
import SQLKit
import Testing

/// Joint investigation teams across live nodes: an agreement signed by every party's node opens
/// one space that each member holds whole; contributions signed by their author converge on every
/// member, also after one missed them; a non-member and a forged contribution are refused and
/// logged; the end date closes the space everywhere.
@Suite("Joint investigation teams")
struct JITTests {
    static func proposal(from: Date, until: Date, parties: [String] = ["XA-POL", "XB-CUS", "XC-PRO"]) -> String {
        let iso = ISO8601DateFormatter()
        let list = parties.map { #"{"agency":"\#($0)","leader":"Leader of \#($0)"}"# }.joined(separator: ",")
        return #"""
        {"name":"JIT Northern Tobacco","purpose":"Dismantle the network smuggling cigarettes across the northern border and trace its proceeds.",
         "parties":[\#(list)],"statesOfOperation":["XA","XB"],"members":[{"agency":"XB-CUS","name":"Insp. Dana Vos","seconded":true}],
         "participants":[{"kind":"eurojust","name":"Eurojust national desk XA"}],
         "validFrom":"\#(iso.string(from: from))","validUntil":"\#(iso.string(from: until))",
         "operationalActionPlan":"Joint surveillance of the E19 crossing; financial analysis of the importers.",
         "informationRules":"Information may be used for the purpose of the team; onward use needs the providing party's consent.",
         "evidenceRules":"Evidence is gathered under the law of the state of operation and shared with its chain of custody."}
        """#
    }

    /// Sends a JIT envelope from node `index` to node `target` as that node would, returning the refusal if any.
    static func send(_ federation: LiveFederation, from index: Int, to target: Int, kind: String, wire: JITWire) async throws -> LiaisonError? {
        let node = federation.nodes[index]
        let keys = try NodeDirectory(path: node.directory).load().keys
        let store = FederationStore(database: node.app.database)
        let envelopes = PartnerEnvelopes(ownAgencyCode: node.app.identity.agencyCode, keys: keys, federation: store, clock: node.clock)
        let clients = try FederationClients(insecureLoopback: false, tlsCertificatePEM: try keys.tlsCertificatePEM(), tlsKeyPEM: keys.tlsKey.pemRepresentation)
        let partner = try #require(try await store.partner(federation.nodes[target].app.identity.agencyCode))
        defer { Task { await clients.shutdown() } }
        do {
            _ = try await envelopes.exchange(try JSON.encoder.encode(wire), kind: kind, answerKind: "jit-answer", to: partner, path: "/federation/v1/jit",
                                             postQuantum: false, clients: clients)
            return nil
        } catch let error as LiaisonError {
            return error
        }
    }

    @Test("three nodes form a JIT, contribute concurrently and converge; a member that missed contributions catches up, and one cut off while all contribute converges once back; a non-member and a forgery are refused; the end date closes the space", arguments: Backend.available)
    func jointTeam(backend: Backend) async throws {
        try await LiveFederation.run(codes: ["XA-POL", "XB-CUS", "XC-PRO", "XD-OUT"], backend: backend) { federation in
            let now = federation.nodes[0].clock.now()
            let live = federation
            var supervisors: [String] = []
            for index in 0..<3 { supervisors.append(try await SafeguardsTests.signIn(federation, index, .supervisor, "sup-\(index)")) }

            // Bad agreements are refused and store nothing.
            let noLeader = Self.proposal(from: now, until: now.addingTimeInterval(30 * 86_400)).replacingOccurrences(of: #""leader":"Leader of XB-CUS""#, with: #""leader":"""#)
            let refused = try await federation.call(0, "/api/v1/jits", method: .POST, body: noLeader, token: supervisors[0])
            #expect(refused.status == 400 && (refused.json["detail"] as? String ?? "").contains("leader"), "\(refused.text)")
            let backwards = try await federation.call(0, "/api/v1/jits", method: .POST, body: Self.proposal(from: now, until: now.addingTimeInterval(-86_400)), token: supervisors[0])
            #expect(backwards.status == 400)
            #expect(try await federation.call(0, "/api/v1/jits", method: .POST, body: Self.proposal(from: now, until: now.addingTimeInterval(86_400)), token: .some(nil)).status == 401)
            #expect(try await federation.call(0, "/api/v1/jits", method: .POST, body: Self.proposal(from: now, until: now.addingTimeInterval(86_400))).status == 403)

            let proposed = try await federation.call(0, "/api/v1/jits", method: .POST, body: Self.proposal(from: now.addingTimeInterval(-3600), until: now.addingTimeInterval(30 * 86_400)), token: supervisors[0])
            #expect(proposed.status == 201, "\(proposed.text)")
            let id = try #require(proposed.json["id"] as? String)
            let atB = try await federation.call(1, "/api/v1/jits/\(id)")
            #expect(atB.json["status"] as? String == "proposed" && atB.json["awaiting"] as? [String] == ["XB-CUS", "XC-PRO"], "\(atB.text)")
            #expect(try await federation.call(3, "/api/v1/jits/\(id)").status == 404)
            let early = try await federation.call(0, "/api/v1/jits/\(id)/contributions", method: .POST, body: #"{"kind":"note","title":"Too early"}"#)
            #expect(early.status == 409)

            for index in 1..<3 {
                let signed = try await federation.call(index, "/api/v1/jits/\(id)/signature", method: .POST, token: supervisors[index])
                #expect(signed.status == 200, "\(signed.text)")
            }
            for index in 0..<3 { #expect(try await federation.call(index, "/api/v1/jits/\(id)").json["status"] as? String == "active") }

            // Contributions at all three nodes at once, eight at a time at each.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<3 {
                    for number in 0..<8 {
                        group.addTask {
                            let body = #"{"kind":"note","title":"Observation \#(number) from node \#(index)","text":"Van seen at 03:10."}"#
                            let reply = try await live.call(index, "/api/v1/jits/\(id)/contributions", method: .POST, body: body)
                            #expect(reply.status == 201, "\(reply.text)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let due = ISO8601DateFormatter().string(from: now.addingTimeInterval(2 * 86_400))
            let task = #"{"kind":"task","title":"Check the importer's accounts","task":{"owner":"Insp. Dana Vos","agency":"XB-CUS","status":"open","due":"\#(due)"}}"#
            #expect(try await federation.call(1, "/api/v1/jits/\(id)/contributions", method: .POST, body: task).status == 201)
            let digests = { () async throws -> [String] in
                var all: [String] = []
                for index in 0..<3 { all.append(try await live.call(index, "/api/v1/jits/\(id)").json["digest"] as? String ?? "") }
                return all
            }
            var views = try await digests()
            #expect(Set(views).count == 1, "\(views)")
            #expect((try await federation.call(2, "/api/v1/jits/\(id)").json["contributions"] as? [[String: Any]])?.count == 25)
            // A member edits its own contribution with a new version; another member's it cannot.
            let listed = try #require(try await federation.call(1, "/api/v1/jits/\(id)").json["contributions"] as? [[String: Any]])
            let ofA = try #require(listed.compactMap { $0["contribution"] as? [String: Any] }.first { $0["author"] as? String == "XA-POL" }?["id"] as? String)
            let taskID = try #require(listed.compactMap { $0["contribution"] as? [String: Any] }.first { $0["kind"] as? String == "task" }?["id"] as? String)
            let foreignEdit = try await federation.call(1, "/api/v1/jits/\(id)/contributions", method: .POST, body: #"{"kind":"note","title":"Rewritten","supersedes":"\#(ofA)"}"#)
            #expect(foreignEdit.status == 400 && (foreignEdit.json["detail"] as? String ?? "").contains("supersedes"), "\(foreignEdit.text)")
            let done = #"{"kind":"task","title":"Check the importer's accounts","task":{"owner":"Insp. Dana Vos","agency":"XB-CUS","status":"done","due":"\#(due)"},"supersedes":"\#(taskID)"}"#
            #expect(try await federation.call(1, "/api/v1/jits/\(id)/contributions", method: .POST, body: done).status == 201)
            let versions = try #require(try await federation.call(0, "/api/v1/jits/\(id)").json["contributions"] as? [[String: Any]])
            #expect(versions.filter { ($0["contribution"] as? [String: Any])?["kind"] as? String == "task" }.map { $0["superseded"] as? Bool } == [true, false])
            #expect(versions.count == 26)
            // The task was done: nothing is due. A new open task reminds its agency.
            #expect(try await federation.call(1, "/api/v1/jits/reminders").array.isEmpty)
            #expect(try await federation.call(1, "/api/v1/jits/\(id)/contributions", method: .POST, body: task).status == 201)

            // The task is a reminder for the agency that owns it, on its dashboard and through the API.
            let reminded = try await federation.call(1, "/api/v1/jits/reminders")
            #expect(reminded.array.map { $0["kind"] as? String } == ["task"] && reminded.array.first?["overdue"] as? Bool == false, "\(reminded.text)")
            #expect(try await federation.call(0, "/api/v1/jits/reminders").array.isEmpty)
            // The task is a reminder on every member's view, overdue once its date has passed.
            let reminders = try #require(try await federation.call(0, "/api/v1/jits/\(id)").json["tasksDue"] as? [[String: Any]])
            #expect(reminders.count == 1 && reminders[0]["owner"] as? String == "Insp. Dana Vos" && reminders[0]["overdue"] as? Bool == false)

            // XC-PRO missed XA-POL's contributions (it was offline): it catches up — here from any member.
            let database = federation.nodes[2].app.database
            try await database.database.sql.raw("DELETE FROM jit_contributions WHERE author = 'XA-POL'").run()
            #expect(try await digests()[2] != views[0])
            let caughtUp = try await federation.call(2, "/api/v1/jits/sync", method: .POST)
            #expect(caughtUp.status == 200 && caughtUp.json["arrived"] as? Int == 8, "\(caughtUp.text)")
            views = try await digests()
            #expect(Set(views).count == 1)

            // XC-PRO is cut off (its partners' addresses lead nowhere, and it reaches none of them)
            // while all three contribute; once it is back, catching up makes the three equal again.
            let repoint = { (node: Int, others: [Int], reachable: Bool) async throws in
                let store = FederationStore(database: live.nodes[node].app.database)
                for other in others {
                    var identity = live.nodes[other].app.identity
                    identity.endpoint = reachable ? "https://127.0.0.1:\(live.ports[other].federation)" : "https://127.0.0.1:1"
                    try await store.removePartner(identity.agencyCode)
                    try await store.addPartner(identity, by: "test", at: live.nodes[node].clock.now())
                }
            }
            try await repoint(0, [2], false)
            try await repoint(1, [2], false)
            try await repoint(2, [0, 1], false)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<3 {
                    for number in 0..<3 {
                        group.addTask {
                            let reply = try await live.call(index, "/api/v1/jits/\(id)/contributions", method: .POST, body: #"{"kind":"note","title":"During the partition \#(number) at \#(index)"}"#)
                            #expect(reply.status == 201, "\(reply.text)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let apart = try await digests()
            #expect(apart[0] == apart[1] && apart[2] != apart[0])
            try await repoint(0, [2], true)
            try await repoint(1, [2], true)
            try await repoint(2, [0, 1], true)
            for index in [2, 0, 1] { #expect(try await federation.call(index, "/api/v1/jits/sync", method: .POST).status == 200) }
            views = try await digests()
            #expect(Set(views).count == 1, "\(views)")
            #expect((try await federation.call(0, "/api/v1/jits/\(id)").json["contributions"] as? [[String: Any]])?.count == 36)

            // A fourth node, not a party, is refused and logged.
            let outsider = try await Self.send(federation, from: 3, to: 0, kind: "jit-sync", wire: JITWire(space: id, have: [:]))
            #expect(outsider?.code.kind == .forbidden, "\(String(describing: outsider))")
            // A member's contribution in another member's name (signed with its own key) is refused and alerted.
            let keysB = try NodeDirectory(path: federation.nodes[1].directory).load().keys
            let forged = JITContribution(id: UUID().uuidString.lowercased(), space: id, author: "XA-POL", sequence: 99, kind: .note, title: "Forged", text: "",
                                         createdBy: "mallory", createdAt: federation.nodes[1].clock.now())
            let rejected = try await Self.send(federation, from: 1, to: 0, kind: "jit-contributions",
                                               wire: JITWire(space: id, contributions: [try SignedJITContribution(forged, signingKey: keysB.signing)]))
            #expect(rejected != nil)
            #expect(try await digests()[0] == views[0])
            let events = try await AuditStore(database: federation.nodes[0].app.database).allEvents()
            #expect(events.filter { $0.operation == .jitRefused && $0.outcome == .denied }.map(\.actor).sorted() == ["node:XB-CUS", "node:XD-OUT"])
            #expect(try await WitnessStore(database: federation.nodes[0].app.database).alerts().contains { $0.kind == "jit-forgery" && $0.source == "XB-CUS" })

            // The end date closes the space on every node.
            for node in federation.nodes { node.clock.advance(by: 31 * 86_400) }
            for index in 0..<3 {
                let token = try await SafeguardsTests.signIn(federation, index, .investigator, "late-\(index)")
                #expect(try await federation.call(index, "/api/v1/jits/\(id)", token: token).json["status"] as? String == "closed")
                let late = try await federation.call(index, "/api/v1/jits/\(id)/contributions", method: .POST, body: #"{"kind":"note","title":"After the end"}"#, token: token)
                #expect(late.status == 409)
            }

            // At closing, the leaders answer the evaluation; the report adds the space's own data.
            let answers = #"{"kind":"evaluation","title":"Evaluation","evaluation":{"worked":"Daily calls between the leaders.","obstacles":"Translation delays.","arrests":3,"convictions":1,"victimsIdentified":0,"seizures":"EUR 120,000 frozen"}}"#
            let late = try await SafeguardsTests.signIn(federation, 0, .investigator, "late-eval")
            #expect(try await federation.call(0, "/api/v1/jits/\(id)/contributions", method: .POST, body: answers, token: late).status == 403)
            for index in 0..<2 {
                let leader = try await SafeguardsTests.signIn(federation, index, .supervisor, "leader-\(index)")
                let answered = try await federation.call(index, "/api/v1/jits/\(id)/contributions", method: .POST, body: answers, token: leader)
                #expect(answered.status == 201, "\(answered.text)")
            }
            let report = try await federation.call(2, "/api/v1/jits/\(id)/evaluation", token: try await SafeguardsTests.signIn(federation, 2, .investigator, "reader-2"))
            #expect(report.status == 200, "\(report.text)")
            #expect(report.json["awaiting"] as? [String] == ["XC-PRO"])
            #expect((report.json["totals"] as? [String: Any])?["arrests"] as? Int == 6)
            #expect(((report.json["contributions"] as? [String: Any])?["XB-CUS"] as? [String: Any])?["task"] as? Int == 2)
        }
    }

    @Test("the shared entity graph joins the members' entities and links: the same company from two members is one entity seen by both; neighbourhood, path and FtM export", arguments: Backend.available)
    func jointAnalysis(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend) { federation in
            let now = federation.nodes[0].clock.now()
            let supervisorA = try await SafeguardsTests.signIn(federation, 0, .supervisor, "sup-a")
            let supervisorB = try await SafeguardsTests.signIn(federation, 1, .supervisor, "sup-b")
            let proposed = try await federation.call(0, "/api/v1/jits", method: .POST,
                                                     body: Self.proposal(from: now.addingTimeInterval(-60), until: now.addingTimeInterval(86_400), parties: ["XA-POL", "XB-CUS"]), token: supervisorA)
            let id = try #require(proposed.json["id"] as? String)
            #expect(try await federation.call(1, "/api/v1/jits/\(id)/signature", method: .POST, token: supervisorB).status == 200)
            func add(_ node: Int, _ body: String) async throws {
                let reply = try await federation.call(node, "/api/v1/jits/\(id)/contributions", method: .POST, body: body)
                #expect(reply.status == 201, "\(reply.text)")
            }
            func entityBody(_ entityID: String, _ schema: String, _ properties: String, kind: String = "entity") -> String {
                #"{"kind":"\#(kind)","title":"\#(entityID)","entity":{"id":"\#(entityID)","schema":"\#(schema)","properties":\#(properties),"dataSubjectCategory":"suspect","nature":"fact"}}"#
            }
            try await add(0, entityBody("a-doe", "Person", #"{"name":["Jonas Doe"]}"#))
            try await add(0, entityBody("a-atlas", "Company", #"{"name":["Atlas Shipping Ltd"]}"#))
            try await add(0, entityBody("a-own", "Ownership", #"{"owner":["a-doe"],"asset":["a-atlas"]}"#, kind: "link"))
            try await add(1, entityBody("b-atlas", "Company", #"{"name":["atlas shipping ltd"]}"#))
            try await add(1, entityBody("b-van", "Vehicle", #"{"registrationNumber":["XA-123-BC"]}"#))
            try await add(1, entityBody("b-own", "Ownership", #"{"owner":["b-atlas"],"asset":["b-van"]}"#, kind: "link"))
            let missingEnd = try await federation.call(1, "/api/v1/jits/\(id)/contributions", method: .POST, body: #"{"kind":"link","title":"no entity"}"#)
            #expect(missingEnd.status == 400)

            for node in 0..<2 {
                let shared = try await federation.call(node, "/api/v1/jits/\(id)/graph?shared=true")
                let entities = try #require(shared.json["entities"] as? [[String: Any]])
                #expect(entities.count == 1 && entities[0]["name"] as? String == "Atlas Shipping Ltd" && (entities[0]["contributedBy"] as? [String])?.sorted() == ["XA-POL", "XB-CUS"], "\(shared.text)")
            }
            let path = try await federation.call(1, "/api/v1/jits/\(id)/graph?from=a-doe&to=b-van")
            #expect((path.json["entities"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["a-doe", "a-atlas", "b-van"], "\(path.text)")
            #expect((path.json["links"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["a-own", "b-own"])
            let near = try await federation.call(0, "/api/v1/jits/\(id)/graph?entity=a-doe&depth=1")
            #expect(Set((near.json["entities"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []) == ["a-doe", "a-atlas"])
            #expect(try await federation.call(0, "/api/v1/jits/\(id)/graph?entity=nobody").status == 404)
            #expect(try await federation.call(0, "/api/v1/jits/\(id)/graph?entity=a-doe&depth=9").status == 400)
            let export = try await federation.call(0, "/api/v1/jits/\(id)/graph/export")
            let lines = export.text.split(separator: "\n")
            #expect(lines.count == 5 && lines.allSatisfy { $0.hasPrefix(#"{"id":"#) }, "\(export.text)")
            #expect(export.text.contains(#""schema":"Ownership""#))

            // A dossier on one entity: every member's version, its links, neighbours and the notes naming it.
            try await add(1, #"{"kind":"note","title":"Port visit","text":"ATLAS SHIPPING LTD chartered a second van in March."}"#)
            try await add(0, #"{"kind":"note","title":"Unrelated","text":"Nothing about that company."}"#)
            let dossier = try await federation.call(0, "/api/v1/jits/\(id)/entities/a-atlas/dossier")
            #expect(dossier.status == 200, "\(dossier.text)")
            #expect((dossier.json["contributions"] as? [[String: Any]])?.compactMap { $0["author"] as? String }.sorted() == ["XA-POL", "XB-CUS"])
            #expect(Set((dossier.json["relations"] as? [[String: Any]])?.compactMap { $0["other"] as? String } ?? []) == ["a-doe", "b-van"], "\(dossier.text)")
            #expect((dossier.json["mentions"] as? [[String: Any]])?.compactMap { $0["title"] as? String } == ["Port visit"])
            #expect(((dossier.json["properties"] as? [String: Any])?["name"] as? [String])?.sorted() == ["Atlas Shipping Ltd", "atlas shipping ltd"])
            let ftm = try await federation.call(1, "/api/v1/jits/\(id)/entities/a-atlas/dossier?format=ftm")
            #expect(ftm.text.split(separator: "\n").count == 5, "\(ftm.text)")
            #expect(try await federation.call(0, "/api/v1/jits/\(id)/entities/nobody/dossier").status == 404)
        }
    }

    /// Sends `body` as a file upload to node `index`: with a length, or streamed in pieces without one.
    static func upload(_ federation: LiveFederation, _ index: Int, space: String, name: String, _ content: [UInt8], declared: Bool = true, token: String? = nil) async throws -> LiveFederation.Reply {
        var request = HTTPClientRequest(url: federation.url(index, "/api/v1/jits/\(space)/files?name=\(name)&title=Ledger%20of%20\(name)"))
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token ?? federation.tokens[federation.nodes[index].app.identity.agencyCode] ?? "")")
        request.headers.add(name: "Content-Type", value: "application/pdf")
        if declared {
            request.body = .bytes(ByteBuffer(bytes: content))
        } else {
            let pieces = stride(from: 0, to: content.count, by: 1 << 20).map { ByteBuffer(bytes: content[$0..<min($0 + (1 << 20), content.count)]) }
            request.body = .stream(pieces.async, length: .unknown)
        }
        let response = try await federation.http.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return LiveFederation.Reply(status: Int(response.status.code), text: String(buffer: bytes), headers: response.headers.map { ($0.name, $0.value) })
    }

    static func download(_ federation: LiveFederation, _ index: Int, space: String, file: String, token: String? = nil) async throws -> (status: Int, bytes: [UInt8], digest: String?) {
        var request = HTTPClientRequest(url: federation.url(index, "/api/v1/jits/\(space)/files/\(file)"))
        request.headers.add(name: "Authorization", value: "Bearer \(token ?? federation.tokens[federation.nodes[index].app.identity.agencyCode] ?? "")")
        let response = try await federation.http.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), Array(bytes.readableBytesView), response.headers.first(name: "Repr-Digest"))
    }

    @Test("files move in chunks checked against the signed manifest, from the author or any member; every upload and download is in the ledger on every node; limits refuse and store nothing; an extension by mutual consent moves the end; the disposition returns the space to its contributors", arguments: Backend.available)
    func filesLedgerExtensionDisposition(backend: Backend) async throws {
        try await LiveFederation.run(codes: ["XA-POL", "XB-CUS", "XC-PRO"], backend: backend, configure: {
            $0.jitMaximumFileBytes = 12 << 20
            $0.jitMaximumSpaceBytes = 20 << 20
        }) { federation in
            let now = federation.nodes[0].clock.now()
            var leaders: [String] = []
            for index in 0..<3 { leaders.append(try await SafeguardsTests.signIn(federation, index, .supervisor, "leader-\(index)")) }
            let body = Self.proposal(from: now.addingTimeInterval(-3600), until: now.addingTimeInterval(10 * 86_400)).replacingOccurrences(of: #""evidenceRules""#, with: #""disposition":"return-to-contributors","evidenceRules""#)
            let proposed = try await federation.call(0, "/api/v1/jits", method: .POST, body: body, token: leaders[0])
            let id = try #require(proposed.json["id"] as? String, "\(proposed.text)")
            for index in 1..<3 { #expect(try await federation.call(index, "/api/v1/jits/\(id)/signature", method: .POST, token: leaders[index]).status == 200) }

            // A file of three chunks, streamed without a length.
            var generator = SystemRandomNumberGenerator()
            let content = (0..<(9 << 20) + 123).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let uploaded = try await Self.upload(federation, 0, space: id, name: "surveillance-log.pdf", content, declared: false)
            #expect(uploaded.status == 201, "\(uploaded.text)")
            let file = try #require(uploaded.json["id"] as? String)
            let manifest = try #require(uploaded.json["file"] as? [String: Any])
            #expect((manifest["chunks"] as? [String])?.count == 3 && manifest["size"] as? Int == content.count)
            #expect(manifest["sha256"] as? String == SHA256.hash(data: content).lowercaseHex)

            // Beyond the file limit (declared, or found while streaming) and beyond the space's: refused, nothing stored.
            let nodes = federation.nodes
            let chunkCount = { (node: Int) async throws -> Int in
                try await nodes[node].app.database.database.sql.raw("SELECT COUNT(*) AS n FROM jit_file_chunks").first()?.decode(column: "n", as: Int.self) ?? -1
            }
            #expect(try await chunkCount(0) == 3)
            let big = [UInt8](repeating: 7, count: (12 << 20) + 1)
            let refused = try await Self.upload(federation, 0, space: id, name: "big.bin", big)
            #expect(refused.status == 413 && (refused.text.contains("at most 12 MB")), "\(refused.text)")
            // Found while streaming: the node answers 413 as soon as the limit is passed (the client may see the connection close first).
            if let streamed = try? await Self.upload(federation, 0, space: id, name: "big.bin", big, declared: false) {
                #expect(streamed.status == 413 && streamed.text.contains("nothing was stored"), "\(streamed.text)")
            }
            var spaceRefusals: [String] = []
            for declared in [true, false] {
                if let full = try? await Self.upload(federation, 0, space: id, name: "second.bin", [UInt8](repeating: 1, count: 11 << 20), declared: declared) {
                    #expect(full.status == 413, "\(full.text)")
                    spaceRefusals.append(full.text)
                }
            }
            #expect(!spaceRefusals.isEmpty && spaceRefusals.allSatisfy { $0.contains("limit is 20 MB") }, "\(spaceRefusals)")
            #expect(try await Self.upload(federation, 0, space: id, name: "../etc/passwd", [1, 2, 3]).status == 400)
            #expect(try await chunkCount(0) == 3)

            // XB-CUS downloads before it caught up: the chunks come from the author on demand.
            let atB = try await Self.download(federation, 1, space: id, file: file)
            #expect(atB.status == 200 && atB.bytes == content)
            #expect(atB.digest == "sha-256=:\(Data(SHA256.hash(data: content)).base64EncodedString()):")
            // XC-PRO catches up; a chunk the author's node serves tampered is refused, alerted, and fetched from another member.
            let database = try federation.nodes[0].app.database.database.sql
            try await database.raw("UPDATE jit_file_chunks SET content = \(bind: Data(repeating: 0, count: 4 << 20)) WHERE idx = 1").run()
            #expect(try await federation.call(2, "/api/v1/jits/sync", method: .POST).status == 200)
            let viewC = try await federation.call(2, "/api/v1/jits/\(id)", token: leaders[2])
            let filesC = try #require(viewC.json["files"] as? [[String: Any]])
            #expect(filesC.count == 1 && filesC[0]["chunksHeld"] as? Int == 3, "\(viewC.text)")
            #expect(try await WitnessStore(database: federation.nodes[2].app.database).alerts().contains { $0.kind == "jit-forgery" && $0.source == "XA-POL" })
            let atC = try await Self.download(federation, 2, space: id, file: file)
            #expect(atC.status == 200 && atC.bytes == content)
            // The tampered copy at the author fails its own check: the download stops before the bad chunk.
            let broken = try? await Self.download(federation, 0, space: id, file: file)
            #expect(broken == nil || broken?.bytes.count ?? 0 < content.count)

            // The ledger on every node, for the leaders: the upload and the three downloads.
            for index in 0..<3 { _ = try await federation.call(index, "/api/v1/jits/sync", method: .POST) }
            for index in 0..<3 {
                let ledger = try await federation.call(index, "/api/v1/jits/\(id)/ledger", token: leaders[index])
                let entries = ledger.array.map { "\($0["action"] as? String ?? "")@\($0["agency"] as? String ?? "")" }
                #expect(entries.sorted() == ["download@XA-POL", "download@XB-CUS", "download@XC-PRO", "upload@XA-POL"], "\(index): \(ledger.text)")
                #expect(ledger.array.allSatisfy { $0["sha256"] as? String == SHA256.hash(data: content).lowercaseHex })
            }
            #expect(try await federation.call(1, "/api/v1/jits/\(id)/ledger").status == 403)
            #expect(try await federation.call(1, "/api/v1/jits/\(id)").json["ledger"] == nil)

            // An extension by mutual consent: proposed by one leader, in force once every party consents.
            let until = ISO8601DateFormatter().string(from: now.addingTimeInterval(40 * 86_400))
            let extend = #"{"kind":"extension","title":"Extend to trace the proceeds","newPeriod":{"until":"\#(until)","reason":"The financial analysis needs a month more."}}"#
            #expect(try await federation.call(1, "/api/v1/jits/\(id)/contributions", method: .POST, body: extend).status == 403)
            let proposal = try await federation.call(1, "/api/v1/jits/\(id)/contributions", method: .POST, body: extend, token: leaders[1])
            #expect(proposal.status == 201, "\(proposal.text)")
            let extensionID = try #require(proposal.json["id"] as? String)
            let pending = try await federation.call(0, "/api/v1/jits/\(id)", token: leaders[0])
            #expect((pending.json["pendingExtensions"] as? [[String: Any]])?.first?["awaiting"] as? [String] == ["XA-POL", "XC-PRO"], "\(pending.text)")
            // The leaders still to consent find it among their reminders (the dashboard and the API); an investigator does not.
            let reminders = try await federation.call(0, "/api/v1/jits/reminders", token: leaders[0])
            #expect(reminders.array.contains { $0["kind"] as? String == "consent" && $0["space"] as? String == id }, "\(reminders.text)")
            #expect(!(try await federation.call(0, "/api/v1/jits/reminders")).array.contains { $0["kind"] as? String == "consent" })
            #expect(!(try await federation.call(1, "/api/v1/jits/reminders", token: leaders[1])).array.contains { $0["kind"] as? String == "consent" })
            for index in [0, 2] {
                let consent = try await federation.call(index, "/api/v1/jits/\(id)/contributions", method: .POST,
                                                        body: #"{"kind":"consent","title":"Agreed","refersTo":"\#(extensionID)"}"#, token: leaders[index])
                #expect(consent.status == 201, "\(consent.text)")
            }
            #expect(try await federation.call(0, "/api/v1/jits/\(id)/contributions", method: .POST, body: #"{"kind":"consent","title":"Again","refersTo":"\#(extensionID)"}"#, token: leaders[0]).status == 400)
            for node in federation.nodes { node.clock.advance(by: 20 * 86_400) }
            // Sessions expire while the clocks jump: sign in again.
            for index in 0..<3 {
                leaders[index] = try await SafeguardsTests.signIn(federation, index, .supervisor, "leader-later-\(index)")
                federation.tokens[federation.nodes[index].app.identity.agencyCode] = try await SafeguardsTests.signIn(federation, index, .investigator, "inv-later-\(index)")
            }
            for index in 0..<3 {
                let view = try await federation.call(index, "/api/v1/jits/\(id)", token: leaders[index])
                #expect(view.json["status"] as? String == "active" && ((view.json["agreement"] as? [String: Any])?["extensions"] as? [[String: Any]])?.count == 1, "\(index): \(view.text)")
            }
            #expect(try await federation.call(1, "/api/v1/jits/\(id)/contributions", method: .POST, body: #"{"kind":"note","title":"Within the extension"}"#).status == 201)

            // The end: each member keeps its own contributions, the ledger, the period and the evaluation.
            for node in federation.nodes { node.clock.advance(by: 21 * 86_400) }
            for index in 0..<3 {
                leaders[index] = try await SafeguardsTests.signIn(federation, index, .supervisor, "leader-last-\(index)")
                federation.tokens[federation.nodes[index].app.identity.agencyCode] = try await SafeguardsTests.signIn(federation, index, .investigator, "inv-last-\(index)")
            }
            // (The periodic catch-up may apply it first when the clock jumps; either way, once.)
            for index in 0..<3 { #expect(try await federation.call(index, "/api/v1/jits/sync", method: .POST).status == 200) }
            let afterB = try await federation.call(1, "/api/v1/jits/\(id)", token: leaders[1])
            #expect(afterB.json["status"] as? String == "closed" && (afterB.json["disposition"] as? [String: Any])?["disposition"] as? String == "return-to-contributors")
            let kept = (afterB.json["contributions"] as? [[String: Any]] ?? []).compactMap { $0["contribution"] as? [String: Any] }
            #expect(kept.filter { $0["author"] as? String != "XB-CUS" }.allSatisfy { ["file", "extension", "consent", "evaluation"].contains($0["kind"] as? String ?? "") }, "\(afterB.text)")
            #expect((afterB.json["files"] as? [[String: Any]])?.first?["chunksHeld"] as? Int == 0)
            #expect(try await Self.download(federation, 1, space: id, file: file).status == 409)
            #expect((try await federation.call(1, "/api/v1/jits/\(id)/ledger", token: leaders[1])).array.count == 4)
            #expect(try await chunkCount(1) == 0)
            #expect(try await chunkCount(0) == 3)
            #expect(try await federation.call(0, "/api/v1/jits/sync", method: .POST).json["disposed"] as? Int == 0)
        }
    }
}
