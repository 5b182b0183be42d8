import Foundation
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

    @Test("three nodes form a JIT, contribute concurrently and converge; a member that missed contributions catches up; a non-member and a forgery are refused; the end date closes the space", arguments: Backend.available)
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
            #expect(((report.json["contributions"] as? [String: Any])?["XB-CUS"] as? [String: Any])?["task"] as? Int == 1)
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
        }
    }
}
