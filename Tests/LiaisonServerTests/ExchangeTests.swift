import AsyncHTTPClient
import Foundation
import Hummingbird
import LiaisonCore
import LiaisonCrypto
@testable import LiaisonServer
@testable import LiaisonStore
import LiaisonTestSupport
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Testing

/// Two real nodes on loopback, talking over TLS with pinned certificates.
struct LiveFederation {
    let nodes: [TestNode]
    let ports: [(web: Int, federation: Int)]
    let http: HTTPClient
    var tokens: [String: String] = [:]

    static let agreementDates = (from: "2026-01-01T00:00:00Z", until: "2027-01-01T00:00:00Z")

    /// Builds the nodes, runs them in one ServiceGroup for `body`, and shuts everything down.
    static func run(
        codes: [String] = ["XA-POL", "XB-CUS"], backend: Backend = .sqlite, postQuantum: Bool = false,
        configure: (inout NodeConfiguration) -> Void = { _ in },
        _ body: (inout LiveFederation) async throws -> Void
    ) async throws {
        var nodes: [TestNode] = []
        var portBoxes: [Ports] = []
        for code in codes {
            let box = Ports()
            nodes.append(try await TestNode.make(backend: backend, agencyCode: code, ports: box) {
                $0.federationPort = 0
                configure(&$0)
            })
            portBoxes.append(box)
        }
        let group = ServiceGroup(configuration: .init(services: nodes.map(\.app.application), logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var ports: [(web: Int, federation: Int)] = []
            for box in portBoxes { ports.append(await box.bound()) }
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            var federation = LiveFederation(nodes: nodes, ports: ports, http: http)
            do {
                try await federation.federate(postQuantum: postQuantum)
                try await body(&federation)
            } catch {
                try? await http.shutdown()
                await group.triggerGracefulShutdown()
                throw error
            }
            try await http.shutdown()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Every node pins every other (with its real federation port) and imports one agreement.
    mutating func federate(postQuantum: Bool) async throws {
        let codes = nodes.map { $0.app.identity.agencyCode }
        let agreement = Agreement(
            id: "AGR-TEST-1", parties: codes, legalBasis: "Council Framework Decision 2006/960/JHA", purposes: ["investigation"],
            dataCategories: [.message, .vehicle, .person], dataSubjectCategories: [.suspect, .witness], hitNoHitOnly: false,
            validFrom: ISO8601DateFormatter().date(from: Self.agreementDates.from)!, validUntil: ISO8601DateFormatter().date(from: Self.agreementDates.until)!,
            impactAssessmentRef: "HRIA-TEST", postQuantum: postQuantum
        )
        for (index, node) in nodes.enumerated() {
            let store = FederationStore(database: node.app.database)
            for (other, otherNode) in nodes.enumerated() where other != index {
                var identity = otherNode.app.identity
                identity.endpoint = "https://127.0.0.1:\(ports[other].federation)"
                try await store.addPartner(identity, by: "test", at: node.clock.now())
            }
            try await store.addAgreement(agreement, at: node.clock.now())
            let user = try await node.addUser(.investigator)
            tokens[node.app.identity.agencyCode] = try await token(index, user.username, user.password)
        }
    }

    func url(_ index: Int, _ path: String) -> String { "http://127.0.0.1:\(ports[index].web)\(path)" }

    func token(_ index: Int, _ username: String, _ password: String) async throws -> String {
        let response = try await call(index, "/api/v1/auth/token", method: .POST, body: #"{"username":"\#(username)","password":"\#(password)"}"#, token: .some(nil))
        return try #require(response.json["token"] as? String)
    }

    struct Reply {
        let status: Int
        let text: String
        let headers: [(String, String)]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:] }
        var array: [[String: Any]] { (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]) ?? [] }
    }

    func call(_ index: Int, _ path: String, method: HTTPMethod = .GET, body: String? = nil, token: String?? = .none) async throws -> Reply {
        var request = HTTPClientRequest(url: url(index, path))
        request.method = method
        let bearer: String? = token ?? tokens[nodes[index].app.identity.agencyCode]
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 10 << 20)
        return Reply(status: Int(response.status.code), text: String(buffer: bytes), headers: response.headers.map { ($0.name, $0.value) })
    }

    /// Clients that present the TLS certificate of a partner of node `index` (node 0, or node 1
    /// for node 0), as the federation listener's mutual TLS asks of every request but a read.
    func partnerClients(of index: Int) throws -> FederationClients {
        let keys = try NodeDirectory(path: nodes[index == 0 ? 1 : 0].directory).load().keys
        return try FederationClients(insecureLoopback: false, tlsCertificatePEM: try keys.tlsCertificatePEM(), tlsKeyPEM: keys.tlsKey.pemRepresentation)
    }

    /// Posts raw JSON to a node's federation listener over TLS, trusting its pinned certificate.
    func postFederation(_ index: Int, _ path: String, body: String) async throws -> Reply {
        let clients = try partnerClients(of: index)
        var identity = nodes[index].app.identity
        identity.endpoint = "https://127.0.0.1:\(ports[index].federation)"
        let (client, endpoint) = try await clients.client(for: PartnerRecord(identity: identity, addedAt: Date(), addedBy: "test"))
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 10 << 20)
            await clients.shutdown()
            return Reply(status: Int(response.status.code), text: String(buffer: bytes), headers: response.headers.map { ($0.name, $0.value) })
        } catch {
            await clients.shutdown()
            throw error
        }
    }

    /// Polls until `condition` holds for the message as node `index` shows it.
    func waitFor(_ index: Int, message id: String, _ condition: ([String: Any]) -> Bool) async throws -> [String: Any] {
        var seen: [String: Any] = [:]
        try await eventually("message \(id) reaches the expected state at node \(index)") {
            let reply = try await call(index, "/api/v1/messages/\(id)")
            seen = reply.json
            return reply.status == 200 && condition(reply.json)
        }
        return seen
    }

    /// The nodes' clocks, which ``eventually(_:advancing:by:timeout:sourceLocation:_:)`` moves together.
    var clocks: [ManualClock] { nodes.map(\.clock) }

    static func messageBody(to: [String], purpose: String = "investigation", subject: String = "Vehicle seen at the border", entities: String = "[]") -> String {
        """
        {"to":\(String(decoding: try! JSONEncoder().encode(to), as: UTF8.self)),"subject":"\(subject)","body":"A grey van crossed at 03:10.",
         "entities":\(entities),"purpose":"\(purpose)","legalBasis":"Council Framework Decision 2006/960/JHA",
         "handlingCode":"H2","evaluation":{"source":"B","information":2},"caseRef":"XA-2026-0042"}
        """
    }
}

func deliveryState(_ message: [String: Any], _ recipient: String) -> String? {
    (message["deliveries"] as? [[String: Any]])?.first { $0["recipient"] as? String == recipient }?["state"] as? String
}

@Suite("Secure exchange between live nodes")
struct ExchangeTests {
    @Test("a payload written around the stored message document is the encoder's own bytes", arguments: [false, true])
    func splicedPayload(withEvidence: Bool) throws {
        let message = Message(
            id: UUIDv7.make(at: Date()).uuidString.lowercased(), originator: "XA-POL", to: ["XB-CUS"], subject: "Quote \" slash / é",
            body: "Line one\nline two", entities: [], purpose: "investigation", legalBasis: "FD 2006/960/JHA", handlingCode: .h2, handlingRestriction: nil,
            evaluation: Evaluation(source: .b, information: .two), caseRef: "XA-2026-0042", inReplyTo: nil, retainUntil: nil, createdAt: Date()
        )
        let attachments = ["ab12": "aGVsbG8=", "00ff": "d29ybGQ/Lw=="]
        let evidence = withEvidence ? "UEsDBA==/+" : nil
        let spliced = MessageService.payload(document: try JSON.encoder.encode(message), attachments: attachments, evidencePackage: evidence)
        let encoded = try JSON.encoder.encode(EnvelopePayload(message: message, attachments: attachments, evidencePackage: evidence))
        #expect(String(decoding: spliced, as: UTF8.self) == String(decoding: encoded, as: UTF8.self))
    }

    /// Every control character, quotes, backslashes, slashes, non-ASCII and astral characters.
    static let awkward = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self) + "\u{7f}/\"\\é😀\u{2028} plain / </script>"

    @Test(
        "a message document written directly is the message store encoder's bytes, whatever its fields and dates",
        arguments: [0, -0.5, 1_234_567_890.75, -12_212_553_601, 253_402_300_800, 1_796_000_000.999]
    )
    func messageDocument(time: TimeInterval) throws {
        let date = Date(timeIntervalSince1970: time)
        let bare = Message(
            id: "id/1", originator: "XA-POL", to: [], subject: "", body: "", purpose: "", legalBasis: "", handlingCode: .h0,
            evaluation: Evaluation(source: .x, information: .four), createdAt: date
        )
        var full = Message(
            id: Self.awkward, originator: Self.awkward, to: ["XB-CUS", Self.awkward, ""], subject: Self.awkward, body: Self.awkward,
            entities: [
                MessageEntity(
                    id: "p/1", schema: "Person", properties: ["name": ["Ann", Self.awkward], "b": [], "a10": ["x"], "a9": ["y"], "ä": ["z"], "Z": ["w"], "": [""], Self.awkward: ["v"]],
                    dataSubjectCategory: .suspect, nature: .assessment, specialCategories: [.health, .biometric]
                ),
                MessageEntity(id: "", schema: "", properties: [:], dataSubjectCategory: .victim, nature: .fact, specialCategories: []),
            ],
            attachments: [MessageAttachment(name: "a/b \"c\".pdf", mediaType: "application/pdf", sha256: "00ff", size: 0), MessageAttachment(name: "", mediaType: "", sha256: "", size: 52_428_800)],
            purpose: Self.awkward, legalBasis: Self.awkward, handlingCode: .h3, handlingRestriction: Self.awkward,
            evaluation: Evaluation(source: .a, information: .one), caseRef: Self.awkward, inReplyTo: "in/reply", retainUntil: date, createdAt: date
        )
        full.forwardedFrom = ForwardReference(messageId: "m/1", originator: Self.awkward)
        full.control = PermissionControl(kind: .grant, about: "m/1", originator: "XA-POL", requester: "XB-CUS", use: .judicialProceedings, recipient: nil, reason: Self.awkward)
        full.evidenceItem = "ev/1"
        full.redactions = [Redaction(entity: "p/1", property: "name", category: .person, ground: Self.awkward)]
        full.erasure = ErasureNotice(about: "m/1", reason: Self.awkward)
        var partial = full
        partial.entities[0].specialCategories = nil
        partial.forwardedFrom = nil
        partial.erasure = nil
        partial.retainUntil = nil
        for message in [bare, full, partial] {
            let expected = try JSON.encoder.encode(message)
            #expect(String(decoding: try message.json(as: JSON.encoder), as: UTF8.self) == String(decoding: expected, as: UTF8.self))
            #expect(try JSON.decoder.decode(Message.self, from: message.json(as: JSON.encoder)) == (try JSON.decoder.decode(Message.self, from: expected)))
        }
    }

    @Test("the answer to a send, written around the stored document, has the members the view encodes")
    func splicedView() throws {
        let message = Message(
            id: UUIDv7.make(at: Date()).uuidString.lowercased(), originator: "XA-POL", to: ["XB-CUS", "XC-FIU"], subject: "Quote \" slash / é",
            body: "Line one\nline two", entities: [], purpose: "investigation", legalBasis: "FD 2006/960/JHA", handlingCode: .h2, handlingRestriction: nil,
            evaluation: Evaluation(source: .b, information: .two), caseRef: "XA-2026-0042", inReplyTo: nil, retainUntil: nil, createdAt: Date()
        )
        var deliveries = ["XB-CUS", "XC-FIU"].map { recipient in
            DeliveryRecord(
                id: UUIDv7.make(at: Date()).uuidString.lowercased(), messageID: message.id, recipient: recipient, kind: .message, state: .queued, attempts: 0,
                nextAttemptAt: Date(), lastError: nil, payloadJSON: "{}", receiptJSON: nil, deliveredAt: nil, readReceiptJSON: nil, readAt: nil
            )
        }
        // Every member a delivery can have: a receipt, its times, an error (with a slash and quotes).
        deliveries[1].state = .delivered
        deliveries[1].attempts = 3
        deliveries[1].lastError = #"partner said "no" / 503"#
        deliveries[1].receiptJSON = SignedReceipt(receipt: "cmVj/+==", signature: "c2ln/A==").json
        deliveries[1].deliveredAt = Date(timeIntervalSince1970: 1_796_000_000.5)
        deliveries[1].readAt = Date(timeIntervalSince1970: 1_796_000_100)
        let record = MessageRecord(message: message, box: .outbox, readAt: nil)
        let spliced = try MessageView.json(document: try JSON.encoder.encode(message), box: .outbox, deliveries: deliveries)
        let encoded = try JSON.encoder.encode(MessageView(record, deliveries: deliveries))
        let object = { (data: Data) in try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary) }
        #expect(try object(spliced) == (try object(encoded)))
        #expect(try object(spliced)["deliveries"] as? [Any] != nil)
    }

    @Test("a burst larger than a delivery round is posted once: no envelope reaches the partner twice while rounds overlap")
    func overlappingRounds() async throws {
        try await LiveFederation.run { federation in
            let count = 600
            let live = federation
            let ids = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<12 {
                    group.addTask {
                        var ids: [String] = []
                        for index in 0..<count / 12 {
                            let sent = try await live.call(0, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XB-CUS"], subject: "Burst \(worker)-\(index)"))
                            #expect(sent.status == 201, "\(sent.text)")
                            ids.append(try #require(sent.json["id"] as? String))
                        }
                        return ids
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(ids.count == count)
            for id in ids { _ = try await federation.waitFor(0, message: id) { deliveryState($0, "XB-CUS") == "delivered" } }
            let metrics = try await federation.call(1, "/metrics").text
            func received(_ outcome: String) -> Int? {
                metrics.split(separator: "\n").first { $0.hasPrefix(#"liaison_envelopes_received_total{outcome="\#(outcome)"}"#) }
                    .flatMap { $0.split(separator: " ").last }.flatMap { Int($0) }
            }
            #expect(received("stored") == count)
            #expect((received("duplicate") ?? 0) == 0, "envelopes posted again while their round was in flight")
        }
    }

    @Test("a message travels A→B over TLS, end-to-end encrypted, with a signed delivery receipt and a read receipt", arguments: Backend.available)
    func deliveredAndRead(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend) { federation in
            let vehicle = #"[{"id":"veh-1","schema":"Vehicle","properties":{"registrationNumber":["XA-123-BC"]},"dataSubjectCategory":"suspect","nature":"fact"}]"#
            let sent = try await federation.call(0, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XB-CUS"], entities: vehicle))
            #expect(sent.status == 201, "\(sent.text)")
            let id = try #require(sent.json["id"] as? String)
            let delivered = try await federation.waitFor(0, message: id) { deliveryState($0, "XB-CUS") == "delivered" }
            let delivery = try #require((delivered["deliveries"] as? [[String: Any]])?.first)
            let receipt = try #require(delivery["receipt"] as? [String: Any])
            // The receipt verifies against B's published signing key.
            let signed = SignedReceipt(receipt: receipt["receipt"] as! String, signature: receipt["signature"] as! String)
            let bKey = try PartnerKeys(identity: federation.nodes[1].app.identity).signing
            let verified = try signed.verified(issuerKey: bKey)
            #expect(verified.kind == .delivery && verified.messageId == id && verified.issuer == "XB-CUS")

            let inbox = try await federation.call(1, "/api/v1/messages?box=inbox")
            #expect(inbox.array.count == 1)
            #expect(inbox.array.first?["subject"] as? String == "Vehicle seen at the border")
            #expect(inbox.array.first?["handlingCode"] as? String == "H2")
            let opened = try await federation.call(1, "/api/v1/messages/\(id)")
            #expect(opened.json["readAt"] != nil)
            _ = try await federation.waitFor(0, message: id) { deliveryState($0, "XB-CUS") == "read" }
        }
    }

    @Test("the post-quantum suite (X-Wing) delivers when the agreement asks for it")
    func postQuantum() async throws {
        try await LiveFederation.run(postQuantum: true) { federation in
            let sent = try await federation.call(0, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XB-CUS"]))
            #expect(sent.status == 201, "\(sent.text)")
            let id = try #require(sent.json["id"] as? String)
            _ = try await federation.waitFor(0, message: id) { deliveryState($0, "XB-CUS") == "delivered" }
            let stored = try await MessageStore(database: federation.nodes[0].app.database).deliveries(messageID: id)
            let envelope = try JSON.decoder.decode(Envelope.self, from: Data(stored[0].payloadJSON.utf8))
            #expect(try envelope.claimedHeader().suite == .xwing)
        }
    }

    @Test("the sender refuses, naming the clause, what no agreement covers; nothing is queued")
    func senderChecksAgreement() async throws {
        try await LiveFederation.run { federation in
            let purpose = try await federation.call(0, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XB-CUS"], purpose: "tax-collection"))
            #expect(purpose.status == 403)
            #expect((purpose.json["reasons"] as? [String]) == ["purpose-not-covered"])
            #expect((purpose.json["detail"] as? String)?.contains("AGR-TEST-1") == true)
            let victim = #"[{"id":"p-1","schema":"Person","properties":{"name":["Jane Roe"]},"dataSubjectCategory":"victim","nature":"fact"}]"#
            let subject = try await federation.call(0, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XB-CUS"], entities: victim))
            #expect((subject.json["reasons"] as? [String]) == ["data-subject-category-not-covered"])
            let stranger = try await federation.call(0, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XZ-UNK"]))
            #expect(stranger.status == 422)
            let h3 = try await federation.call(0, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XB-CUS"]).replacingOccurrences(of: #""H2""#, with: #""H3""#))
            #expect(h3.status == 400)
            #expect(try await MessageStore(database: federation.nodes[0].app.database).count(box: .outbox) == 0)
        }
    }

    @Test("the receiver refuses replays, forgeries, strangers and malformed envelopes, and stores nothing for them")
    func receiverRefusals() async throws {
        try await LiveFederation.run(codes: ["XA-POL", "XB-CUS", "XC-PRO"]) { federation in
            let sent = try await federation.call(0, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XB-CUS"]))
            let id = try #require(sent.json["id"] as? String)
            _ = try await federation.waitFor(0, message: id) { deliveryState($0, "XB-CUS") == "delivered" }
            let inboxB = MessageStore(database: federation.nodes[1].app.database)
            #expect(try await inboxB.count(box: .inbox) == 1)
            let stored = try await MessageStore(database: federation.nodes[0].app.database).deliveries(messageID: id)
            let envelopeJSON = stored[0].payloadJSON

            // Replay: answered with the first receipt, stored once.
            let replay = try await federation.postFederation(1, "/federation/v1/envelopes", body: envelopeJSON)
            #expect(replay.status == 200)
            #expect(replay.headers.contains { $0.0.lowercased() == "liaison-duplicate" && $0.1 == "true" })
            #expect(replay.text == stored[0].receiptJSON)

            // Forged: ciphertext altered after signing.
            var envelope = try JSON.decoder.decode(Envelope.self, from: Data(envelopeJSON.utf8))
            var bytes = Data(base64Encoded: envelope.ciphertext)!
            bytes[0] ^= 1
            envelope.ciphertext = bytes.base64EncodedString()
            let forged = try await federation.postFederation(1, "/federation/v1/envelopes", body: String(decoding: try JSON.encoder.encode(envelope), as: UTF8.self))
            #expect(forged.status == 401)

            // A stranger: C is not B's partner once B removes it.
            try await FederationStore(database: federation.nodes[1].app.database).removePartner("XC-PRO")
            let fromC = try await federation.call(2, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XB-CUS"]))
            let cid = try #require(fromC.json["id"] as? String)
            let failed = try await federation.waitFor(2, message: cid) { deliveryState($0, "XB-CUS") == "failed" }
            let reason = (failed["deliveries"] as? [[String: Any]])?.first?["lastError"] as? String
            #expect(reason?.contains("not a partner") == true, "\(reason ?? "")")

            // Malformed and truncated bodies.
            #expect(try await federation.postFederation(1, "/federation/v1/envelopes", body: "{not json").status == 400)
            #expect(try await federation.postFederation(1, "/federation/v1/envelopes", body: String(envelopeJSON.prefix(40))).status == 400)
            #expect(try await federation.postFederation(1, "/federation/v1/envelopes", body: #"{"header":"%%","encapsulatedKey":"","ciphertext":"","signature":""}"#).status == 400)
            #expect(try await inboxB.count(box: .inbox) == 1, "nothing refused was stored")
        }
    }

    @Test("a batch is answered envelope by envelope: a new one's receipt, a replay's first receipt, each refusal its own problem; only the new one is stored")
    func envelopeBatch() async throws {
        try await LiveFederation.run { federation in
            let sent = try await federation.call(0, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XB-CUS"]))
            let id = try #require(sent.json["id"] as? String)
            _ = try await federation.waitFor(0, message: id) { deliveryState($0, "XB-CUS") == "delivered" }
            let outbox = MessageStore(database: federation.nodes[0].app.database)
            let delivered = try #require(try await outbox.deliveries(messageID: id).first)
            // A second envelope that A holds: B's endpoint is unreachable from A.
            let store = FederationStore(database: federation.nodes[0].app.database)
            var identity = try #require(try await store.partner("XB-CUS")).identity
            try await store.removePartner("XB-CUS")
            identity.endpoint = "https://127.0.0.1:1"
            try await store.addPartner(identity, by: "test", at: Date())
            let held = try await federation.call(0, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XB-CUS"]))
            let heldID = try #require(held.json["id"] as? String)
            let fresh = try #require(try await outbox.deliveries(messageID: heldID).first)
            var forged = try JSON.decoder.decode(Envelope.self, from: Data(delivered.payloadJSON.utf8))
            var bytes = try #require(Data(base64Encoded: forged.ciphertext))
            bytes[0] ^= 1
            forged.ciphertext = bytes.base64EncodedString()
            let forgedJSON = String(decoding: try JSON.encoder.encode(forged), as: UTF8.self)

            let body = #"{"envelopes":[\#(fresh.payloadJSON),\#(delivered.payloadJSON),\#(forgedJSON),{"header":1},"x"]}"#
            let answer = try await federation.postFederation(1, "/federation/v1/envelopes/batch", body: body)
            #expect(answer.status == 200, "\(answer.text)")
            let results = try #require(answer.json["results"] as? [[String: Any]])
            try #require(results.count == 5)
            let freshReceipt = try JSON.decoder.decode(
                SignedReceipt.self, from: JSONSerialization.data(withJSONObject: #require(results[0]["receipt"] as? [String: Any]))
            )
            let receipt = try freshReceipt.verified(issuerKey: PartnerKeys.of(federation.nodes[1].app.identity).signing)
            #expect(receipt.envelopeId == fresh.id && receipt.messageId == heldID && results[0]["duplicate"] == nil)
            // The two envelopes that passed the checks (the new one and the replay) were signed together.
            #expect(freshReceipt.batch?.size == 2 && freshReceipt.batch?.index == 0)
            let first = try JSON.decoder.decode(SignedReceipt.self, from: Data(try #require(delivered.receiptJSON).utf8))
            #expect((results[1]["receipt"] as? [String: Any])?["signature"] as? String == first.signature, "a replay gets the first receipt")
            #expect(results[1]["duplicate"] as? Bool == true)
            #expect((results[2]["problem"] as? [String: Any])?["status"] as? Int == 401, "forged")
            #expect((results[3]["problem"] as? [String: Any])?["status"] as? Int == 400, "not an envelope")
            #expect((results[4]["problem"] as? [String: Any])?["status"] as? Int == 400, "not an object")
            let inboxB = MessageStore(database: federation.nodes[1].app.database)
            #expect(try await inboxB.count(box: .inbox) == 2, "the new envelope is stored, the replay not again, the refused ones not at all")

            // Not a batch at all: refused whole, nothing stored.
            let tooMany = "[" + Array(repeating: delivered.payloadJSON, count: EnvelopeBatch.maximumCount + 1).joined(separator: ",") + "]"
            for bad in ["{not json", "{}", #"{"envelopes":[]}"#, #"{"envelopes":\#(tooMany)}"#] {
                let reply = try await federation.postFederation(1, "/federation/v1/envelopes/batch", body: bad)
                #expect(reply.status == 400, "\(bad.prefix(30)): \(reply.text)")
                #expect(reply.text.contains("detail"))
            }
            #expect(try await inboxB.count(box: .inbox) == 2)
        }
    }

    @Test("a round's deliveries go in batches per partner, within the count and byte limits; read receipts and large envelopes alone")
    func deliveryBatches() {
        func delivery(_ id: String, to recipient: String, kind: DeliveryRecord.Kind = .message, bytes: Int = 100) -> DeliveryRecord {
            DeliveryRecord(
                id: id, messageID: "m-\(id)", recipient: recipient, kind: kind, state: .queued, attempts: 0, nextAttemptAt: Date(), lastError: nil,
                payloadJSON: String(repeating: "x", count: bytes), receiptJSON: nil, deliveredAt: nil, readReceiptJSON: nil, readAt: nil
            )
        }
        var due = (0..<70).map { delivery("b\($0)", to: "XB-CUS") }
        due += (0..<3).map { delivery("c\($0)", to: "XC-PRO") }
        due.append(delivery("r0", to: "XB-CUS", kind: .readReceipt))
        due.append(delivery("big", to: "XB-CUS", bytes: OutboxDelivery.batchBytes))
        due += (0..<3).map { delivery("h\($0)", to: "XC-PRO", bytes: OutboxDelivery.batchBytes / 2) }
        let batches = OutboxDelivery.batches(due)
        #expect(batches.map { $0.map(\.id) }.flatMap { $0 }.sorted() == due.map(\.id).sorted(), "every delivery exactly once")
        #expect(batches.allSatisfy { batch in batch.allSatisfy { $0.recipient == batch[0].recipient } })
        #expect(batches.allSatisfy { $0.count <= OutboxDelivery.batchSize })
        #expect(batches.allSatisfy { $0.count == 1 || $0.reduce(0) { $0 + $1.payloadJSON.utf8.count } <= OutboxDelivery.batchBytes })
        #expect(batches.filter { $0.contains { $0.id == "r0" || $0.id == "big" } }.allSatisfy { $0.count == 1 })
        #expect(batches.first?.count == OutboxDelivery.batchSize && batches.first?.first?.id == "b0", "in the order due")
    }

    @Test("after the receiver revokes the agreement its refusal reaches the sender as a failed delivery with the reason")
    func revokedAtReceiver() async throws {
        try await LiveFederation.run { federation in
            _ = try await FederationStore(database: federation.nodes[1].app.database).revokeAgreement("AGR-TEST-1", reason: "suspended", at: Date())
            let sent = try await federation.call(0, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XB-CUS"]))
            let id = try #require(sent.json["id"] as? String)
            let failed = try await federation.waitFor(0, message: id) { deliveryState($0, "XB-CUS") == "failed" }
            let reason = (failed["deliveries"] as? [[String: Any]])?.first?["lastError"] as? String
            #expect(reason?.contains("agreement") == true, "\(reason ?? "")")
            #expect(try await MessageStore(database: federation.nodes[1].app.database).count(box: .inbox) == 0)
        }
    }

    @Test("while the recipient is down the message stays queued and is retried with back-off")
    func retriesWhileDown() async throws {
        try await LiveFederation.run { federation in
            // Point A at a port where nothing listens.
            let store = FederationStore(database: federation.nodes[0].app.database)
            var identity = try #require(try await store.partner("XB-CUS")).identity
            try await store.removePartner("XB-CUS")
            identity.endpoint = "https://127.0.0.1:1"
            try await store.addPartner(identity, by: "test", at: Date())
            let sent = try await federation.call(0, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XB-CUS"]))
            let id = try #require(sent.json["id"] as? String)
            let queued = try await federation.waitFor(0, message: id) { message in
                ((message["deliveries"] as? [[String: Any]])?.first?["attempts"] as? Int ?? 0) >= 1
            }
            #expect(deliveryState(queued, "XB-CUS") == "queued")
            // Restore the real endpoint and move the clock past the back-off: it is delivered.
            try await store.removePartner("XB-CUS")
            identity.endpoint = "https://127.0.0.1:\(federation.ports[1].federation)"
            try await store.addPartner(identity, by: "test", at: Date())
            federation.nodes[0].clock.advance(by: 5)
            _ = try await federation.waitFor(0, message: id) { deliveryState($0, "XB-CUS") == "delivered" }
        }
    }
}

@Suite("Onward transfer between live nodes")
struct OnwardTransferTests {
    @Test("H2 material is not passed on until the originator grants permission; the request and grant are messages")
    func permissionFlow() async throws {
        try await LiveFederation.run(codes: ["XA-POL", "XB-CUS", "XC-PRO"]) { federation in
            let supervisor = try await federation.nodes[0].addUser(.supervisor)
            let supervisorToken = try await federation.token(0, supervisor.username, supervisor.password)
            let sent = try await federation.call(0, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XB-CUS"]))
            let id = try #require(sent.json["id"] as? String)
            _ = try await federation.waitFor(0, message: id) { deliveryState($0, "XB-CUS") == "delivered" }

            // B may use H2 material in court, but not pass it on to C.
            let onward = try await federation.call(1, "/api/v1/messages/\(id)/onward-use")
            let judicial = onward.array.first { $0["use"] as? String == "judicial-proceedings" }
            #expect(judicial?["permitted"] as? Bool == true)
            let refused = try await federation.call(1, "/api/v1/messages/\(id)/forward", method: .POST, body: #"{"to":["XC-PRO"]}"#)
            #expect(refused.status == 403)
            #expect((refused.json["reasons"] as? [String]) == ["handling-code-h2"])
            #expect((refused.json["detail"] as? String)?.contains("XA-POL") == true, "the refusal names the originator")

            // B asks; A's supervisor grants; the grant reaches B.
            let asked = try await federation.call(1, "/api/v1/messages/\(id)/permission-requests", method: .POST, body: #"{"use":"forward","recipient":"XC-PRO","reason":"The prosecutor needs it for the EIO."}"#)
            #expect(asked.status == 201, "\(asked.text)")
            let requestID = try #require(asked.json["id"] as? String)
            _ = try await federation.waitFor(1, message: requestID) { deliveryState($0, "XA-POL") == "delivered" }
            let notAllowed = try await federation.call(0, "/api/v1/messages/\(requestID)/permission-decision", method: .POST, body: #"{"granted":true,"reason":"ok"}"#)
            #expect(notAllowed.status == 403, "investigators do not decide for the agency")
            let granted = try await federation.call(0, "/api/v1/messages/\(requestID)/permission-decision", method: .POST, body: #"{"granted":true,"reason":"Granted for the EIO only."}"#, token: .some(supervisorToken))
            #expect(granted.status == 201, "\(granted.text)")
            let grantID = try #require(granted.json["id"] as? String)
            _ = try await federation.waitFor(0, message: grantID) { deliveryState($0, "XB-CUS") == "delivered" }

            let forwarded = try await federation.call(1, "/api/v1/messages/\(id)/forward", method: .POST, body: #"{"to":["XC-PRO"],"note":"As permitted by XA-POL."}"#)
            #expect(forwarded.status == 201, "\(forwarded.text)")
            let forwardID = try #require(forwarded.json["id"] as? String)
            _ = try await federation.waitFor(1, message: forwardID) { deliveryState($0, "XC-PRO") == "delivered" }
            let atC = try await federation.call(2, "/api/v1/messages/\(forwardID)")
            #expect((atC.json["forwardedFrom"] as? [String: Any])?["originator"] as? String == "XA-POL")
            #expect(atC.json["handlingCode"] as? String == "H2", "the handling code travels on")
        }
    }
}

@Suite("Attachments between live nodes")
struct AttachmentTests {
    @Test("an uploaded attachment travels inside the envelope and arrives with the same SHA-256; oversize uploads are refused")
    func attachmentTravels() async throws {
        try await LiveFederation.run { federation in
            let content = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            var upload = HTTPClientRequest(url: federation.url(0, "/api/v1/attachments?name=photo.jpg"))
            upload.method = .POST
            upload.headers.add(name: "Authorization", value: "Bearer \(federation.tokens["XA-POL"]!)")
            upload.headers.add(name: "Content-Type", value: "image/jpeg")
            upload.body = .bytes(ByteBuffer(bytes: content))
            let uploaded = try await federation.http.execute(upload, timeout: .seconds(10))
            #expect(uploaded.status.code == 201)
            let stored = try JSONSerialization.jsonObject(with: Data((try await uploaded.body.collect(upTo: 1 << 16)).readableBytesView)) as! [String: Any]
            let sha = try #require(stored["sha256"] as? String)
            #expect(sha == BlobStore.address(of: content))

            let body = LiveFederation.messageBody(to: ["XB-CUS"]).replacingOccurrences(of: #""caseRef""#, with: #""attachments":[{"sha256":"\#(sha)","name":"photo.jpg","mediaType":"image/jpeg"}],"caseRef""#)
            let sent = try await federation.call(0, "/api/v1/messages", method: .POST, body: body)
            #expect(sent.status == 201, "\(sent.text)")
            let id = try #require(sent.json["id"] as? String)
            _ = try await federation.waitFor(0, message: id) { deliveryState($0, "XB-CUS") == "delivered" }

            var download = HTTPClientRequest(url: federation.url(1, "/api/v1/messages/\(id)/attachments/\(sha)"))
            download.headers.add(name: "Authorization", value: "Bearer \(federation.tokens["XB-CUS"]!)")
            let downloaded = try await federation.http.execute(download, timeout: .seconds(10))
            #expect(downloaded.status.code == 200)
            #expect(downloaded.headers.first(name: "Content-Type") == "image/jpeg")
            #expect(Data((try await downloaded.body.collect(upTo: 1 << 20)).readableBytesView) == content)

            let unknown = try await federation.call(0, "/api/v1/messages", method: .POST, body: body.replacingOccurrences(of: sha, with: String(repeating: "0", count: 64)))
            #expect(unknown.status == 400)

            var oversize = HTTPClientRequest(url: federation.url(0, "/api/v1/attachments"))
            oversize.method = .POST
            oversize.headers.add(name: "Authorization", value: "Bearer \(federation.tokens["XA-POL"]!)")
            oversize.body = .bytes(ByteBuffer(repeating: 1, count: Message.maximumAttachmentBytes + 1))
            let refused = try await federation.http.execute(oversize, timeout: .seconds(30))
            #expect(refused.status.code == 413)
        }
    }
}
