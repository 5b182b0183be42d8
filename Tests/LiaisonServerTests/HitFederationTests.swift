import AsyncHTTPClient
import Foundation
import LiaisonCore
@testable import LiaisonServer
import LiaisonStore
import LiaisonTestSupport
import NIOCore
import Testing

/// Hit/no-hit between two live nodes over TLS: each test fails if its rule is broken.
@Suite("Hit/no-hit between partners: clear and blinded queries, refusals, two-step follow-up")
struct HitFederationTests {
    static let vehicles = """
        reference,vin,plate,plateCountry,status
        XB-VEH-77,1M8GDM9AXKP042788,B-MA 1234,DE,stolen 2026-03-02
        XB-VEH-78,WVWZZZ1JZ3W386752,,,seized
        """

    /// Node 1 (XB-CUS) holds the vehicles; returns a supervisor token there.
    static func seed(_ federation: LiveFederation) async throws -> String {
        let supervisor = try await SafeguardsTests.signIn(federation, 1, .supervisor, "sup-xb")
        var request = HTTPClientRequest(url: federation.url(1, "/api/v1/hits/vehicle/import"))
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(supervisor)")
        request.headers.add(name: "Content-Type", value: "text/csv")
        request.body = .bytes(ByteBuffer(string: vehicles))
        let response = try await federation.http.execute(request, timeout: .seconds(10))
        #expect(response.status.code == 200)
        return supervisor
    }

    static func search(_ plate: String, blinded: Bool = false, category: String = "vehicle") -> String {
        #"{"partners": ["XB-CUS"], "purpose": "investigation", "legalBasis": "Council Decision 2008/615/JHA Art. 12", "caseRef": "XA-2026-7", "blinded": \#(blinded), "queries": [{"reference": "Q1", "plate": "\#(plate)", "plateCountry": "DE"}, {"reference": "Q2", "vin": "WVWZZZ1JZ3W386752"}]}"#
    }

    @Test("a clear query answers hit with the partner's reference and quality only; both nodes log it", arguments: Backend.available)
    func clear(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend) { federation in
            _ = try await Self.seed(federation)
            let reply = try await federation.call(0, "/api/v1/hits/vehicle/partner-search", method: .POST, body: Self.search("bma 1234"))
            #expect(reply.status == 200, "\(reply.text)")
            let result = try #require((reply.json["results"] as? [[String: Any]])?.first)
            #expect(result["status"] as? String == "answered")
            let answers = try #require(result["answers"] as? [[String: Any]])
            #expect(answers.map { $0["outcome"] as? String } == ["hit", "hit"])
            #expect(((answers[0]["matches"] as? [[String: Any]])?.first?["reference"] as? String) == "XB-VEH-77")
            #expect(!reply.text.contains("stolen"), "no data behind the reference in step one")

            let requester = try await AuditStore(database: federation.nodes[0].app.database).allEvents().filter { $0.operation == .hitSearched }
            #expect(requester.first?.recipients == ["XB-CUS"])
            #expect(requester.first?.details?["result"] == "hit")
            let owner = try await AuditStore(database: federation.nodes[1].app.database).allEvents().filter { $0.operation == .hitSearched }
            #expect(owner.count == 2)
            #expect(owner.allSatisfy { $0.actor == "node:XA-POL" && $0.recipients == ["XA-POL"] && $0.purpose == "investigation" })
        }
    }

    @Test("a blinded query finds the hit, and the queried node never sees the identifier it does not hold", arguments: Backend.available)
    func blinded(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend) { federation in
            _ = try await Self.seed(federation)
            let reply = try await federation.call(0, "/api/v1/hits/vehicle/partner-search", method: .POST, body: Self.search("ZZ 9999", blinded: true))
            #expect(reply.status == 200, "\(reply.text)")
            let answers = try #require((reply.json["results"] as? [[String: Any]])?.first?["answers"] as? [[String: Any]])
            #expect(answers.map { $0["outcome"] as? String } == ["no-hit", "hit"])
            #expect(((answers[1]["matches"] as? [[String: Any]])?.first?["matchedOn"] as? String) == "vin")
            let owner = try await AuditStore(database: federation.nodes[1].app.database).allEvents()
            let logged = owner.map { "\($0)" }.joined()
            #expect(!logged.contains("ZZ9999") && !logged.contains("ZZ 9999"))
            #expect(owner.filter { $0.operation == .hitSearched }.first?.details?["mode"] == "blinded")
            // DNA and persons are matched on content, so they cannot be blinded.
            let dna = try await federation.call(0, "/api/v1/hits/person/partner-search", method: .POST,
                                                body: #"{"partners": ["XB-CUS"], "purpose": "investigation", "legalBasis": "x", "blinded": true, "queries": [{"name": "Ana Ilic"}]}"#)
            #expect(dna.status == 400)
        }
    }

    @Test("queries the agreement does not cover are refused naming the clause; a partner's rate limit (the node's, or the agreement's) refuses the excess")
    func refusals() async throws {
        try await LiveFederation.run(configure: { $0.hitQueriesPerMinute = 3 }) { federation in
            _ = try await Self.seed(federation)
            let dna = #"{"partners": ["XB-CUS"], "purpose": "investigation", "legalBasis": "x", "caseRef": "c", "queries": [{"loci": {"D3S1358": ["15","16"], "vWA": ["17","18"], "D8S1179": ["13","14"], "D21S11": ["29","30"], "D18S51": ["14","15"], "TH01": ["6","9.3"]}}]}"#
            let refused = try await federation.call(0, "/api/v1/hits/dna/partner-search", method: .POST, body: dna)
            let result = try #require((refused.json["results"] as? [[String: Any]])?.first)
            #expect(result["status"] as? String == "refused")
            #expect((result["reasons"] as? [String])?.contains("data-category-not-covered") == true)
            let purpose = try await federation.call(0, "/api/v1/hits/vehicle/partner-search", method: .POST, body: Self.search("B MA 1234").replacingOccurrences(of: #""purpose": "investigation""#, with: #""purpose": "marketing""#))
            #expect(((purpose.json["results"] as? [[String: Any]])?.first?["reasons"] as? [String])?.contains("purpose-not-covered") == true)

            // Three queries a minute: two pass, the next two exceed it.
            let first = try await federation.call(0, "/api/v1/hits/vehicle/partner-search", method: .POST, body: Self.search("B MA 1234"))
            #expect((first.json["results"] as? [[String: Any]])?.first?["status"] as? String == "answered")
            let second = try await federation.call(0, "/api/v1/hits/vehicle/partner-search", method: .POST, body: Self.search("B MA 1234"))
            let limited = try #require((second.json["results"] as? [[String: Any]])?.first)
            #expect(limited["status"] as? String == "refused")
            #expect((limited["detail"] as? String)?.contains("3 hit queries a minute") == true)

            // An agreement's own limit overrides the node's.
            var stricter = try #require(try await FederationStore(database: federation.nodes[1].app.database).agreement("AGR-TEST-1")).agreement
            stricter.id = "AGR-TEST-2"
            stricter.hitQueriesPerMinute = 1
            _ = try await FederationStore(database: federation.nodes[1].app.database).revokeAgreement("AGR-TEST-1", reason: "replaced", at: federation.nodes[1].clock.now())
            try await FederationStore(database: federation.nodes[1].app.database).addAgreement(stricter, at: federation.nodes[1].clock.now())
            federation.nodes[1].clock.advance(by: 61)
            let overLimit = try await federation.call(0, "/api/v1/hits/vehicle/partner-search", method: .POST, body: Self.search("B MA 1234"))
            #expect(((overLimit.json["results"] as? [[String: Any]])?.first?["detail"] as? String)?.contains("1 hit queries a minute") == true)
        }
    }

    @Test("follow-up: only on a reported hit; the owner confirms and approves with reasons, and the data arrive as a message", arguments: Backend.available)
    func followUp(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend) { federation in
            let ownerSupervisor = try await Self.seed(federation)
            let body = #"{"partner": "XB-CUS", "category": "vehicle", "reference": "XB-VEH-77", "purpose": "investigation", "legalBasis": "Council Decision 2008/615/JHA Art. 12", "justification": "The vehicle was used in the robbery of 14 March; we need its keeper.", "caseRef": "XA-2026-7"}"#
            let premature = try await federation.call(0, "/api/v1/hits/follow-ups", method: .POST, body: body)
            #expect(premature.status == 403, "no hit was reported yet: \(premature.text)")

            _ = try await federation.call(0, "/api/v1/hits/vehicle/partner-search", method: .POST, body: Self.search("BMA1234"))
            let requested = try await federation.call(0, "/api/v1/hits/follow-ups", method: .POST, body: body)
            #expect(requested.status == 201, "\(requested.text)")
            let id = try #require(requested.json["id"] as? String)
            #expect(requested.json["status"] as? String == "requested")
            let deadline = try #require((requested.json["deadline"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            let asked = try #require((requested.json["requestedAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(deadline.timeIntervalSince(asked) == 48 * 3600)

            let incoming = try await federation.call(1, "/api/v1/hits/follow-ups?direction=incoming", token: ownerSupervisor)
            #expect(incoming.array.map { $0["id"] as? String } == [id])
            let investigatorDecides = try await federation.call(1, "/api/v1/hits/follow-ups/\(id)/decision", method: .POST, body: #"{"decision": "approve", "reason": "x"}"#)
            #expect(investigatorDecides.status == 403)
            let decided = try await federation.call(1, "/api/v1/hits/follow-ups/\(id)/decision", method: .POST,
                                                    body: #"{"decision": "approve", "reason": "Match confirmed on the VIN by the duty officer."}"#, token: ownerSupervisor)
            #expect(decided.status == 200, "\(decided.text)")
            let messageId = try #require(decided.json["messageId"] as? String)

            let refreshed = try await federation.call(0, "/api/v1/hits/follow-ups/\(id)")
            #expect(refreshed.json["status"] as? String == "approved")
            #expect(refreshed.json["reason"] as? String == "Match confirmed on the VIN by the duty officer.")
            let message = try await federation.waitFor(0, message: messageId) { _ in true }
            #expect((message["entities"] as? [[String: Any]])?.first?["schema"] as? String == "Vehicle")
            #expect("\(message)".contains("1M8GDM9AXKP042788"))
        }
    }
}
