import AsyncHTTPClient
import Foundation
import LiaisonCore
import LiaisonCrypto
@testable import LiaisonServer
import LiaisonStore
import LiaisonTestSupport
import NIOCore
import Testing

@Suite("Evidence transfer between agencies")
struct EvidenceTransferTests {
    @Test("an item handed over through the secure exchange continues its chain at the partner, whose package verifies across both logs", arguments: Backend.available)
    func transfer(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend, configure: { $0.checkpointInterval = .milliseconds(300) }) { federation in
            let registered = try await federation.call(0, "/api/v1/evidence", method: .POST, body: EvidenceTests.registration)
            #expect(registered.status == 201, "\(registered.text)")
            let id = try #require((registered.json["item"] as? [String: Any])?["id"] as? String)
            #expect(try await federation.call(0, "/api/v1/evidence/\(id)/content?name=phone.img", method: .PUT, body: "image bytes \(UUID())").status == 200)
            #expect(try await federation.call(0, "/api/v1/evidence/\(id)/events", method: .POST, body: #"{"action":"sealed","actor":"Insp. Ribeiro","place":"Evidence room","purpose":"preservation"}"#).status == 201)

            let transfer = #"{"to":"XB-CUS","actor":"Insp. Ribeiro","place":"Liaison desk","purpose":"investigation","legalBasis":"Council Framework Decision 2006/960/JHA"}"#
            // The agreement in force does not cover evidence: refused, and the chain records nothing.
            let refused = try await federation.call(0, "/api/v1/evidence/\(id)/transfer", method: .POST, body: transfer)
            #expect(refused.status == 403, "\(refused.text)")
            #expect(refused.json["reasons"].map { "\($0)" }?.contains("data-category") == true, "\(refused.text)")
            #expect((try await federation.call(0, "/api/v1/evidence/\(id)").json["custody"] as? [Any])?.count == 2)

            let evidenceAgreement = Agreement(
                id: "AGR-EVIDENCE", parties: ["XA-POL", "XB-CUS"], legalBasis: "Directive 2014/41/EU", purposes: ["investigation"],
                dataCategories: [.message, .evidence], dataSubjectCategories: [.suspect], hitNoHitOnly: false,
                validFrom: ISO8601DateFormatter().date(from: "2026-01-01T00:00:00Z")!, validUntil: ISO8601DateFormatter().date(from: "2027-01-01T00:00:00Z")!,
                impactAssessmentRef: "HRIA-EVIDENCE"
            )
            for node in federation.nodes { try await FederationStore(database: node.app.database).addAgreement(evidenceAgreement, at: node.clock.now()) }
            let sent = try await federation.call(0, "/api/v1/evidence/\(id)/transfer", method: .POST, body: transfer)
            #expect(sent.status == 201, "\(sent.text)")

            // The partner verifies the package, takes the item over and records its receipt.
            var received: [[String: Any]] = []
            try await eventually("the partner holds the item", advancing: federation.clocks, by: 0.3) {
                let reply = try await federation.call(1, "/api/v1/evidence/\(id)")
                received = reply.json["custody"] as? [[String: Any]] ?? []
                return reply.status == 200
            }
            #expect(received.map { $0["action"] as? String } == ["collected", "sealed", "transferred", "received"])
            #expect(received.last?["node"] as? String == "XB-CUS")
            #expect(try await federation.call(1, "/api/v1/evidence/\(id)/events", method: .POST, body: #"{"action":"examined","actor":"Analyst Berg","place":"Borvian lab","purpose":"comparison"}"#).status == 201)

            // The partner's package holds both agencies' parts, each proved by its own log.
            var request = HTTPClientRequest(url: federation.url(1, "/api/v1/evidence/\(id)/package"))
            request.headers.add(name: "Authorization", value: "Bearer \(federation.tokens["XB-CUS"]!)")
            let response = try await federation.http.execute(request, timeout: .seconds(30))
            let package = Data(buffer: try await response.body.collect(upTo: 10 << 20))
            #expect(response.status.code == 200)
            let report = EvidencePackageVerifier.verify(package)
            #expect(report.passed, "\(report.text)")
            #expect(report.checks.contains { $0.name == "checkpoint of liaison/XA-POL/audit" && $0.passed })
            #expect(report.checks.contains { $0.name == "checkpoint of liaison/XB-CUS/audit" && $0.passed })
            #expect(report.checks.filter { $0.name.hasPrefix("custody event") }.count == 5)

            // A second delivery of the same transfer changes nothing at the partner.
            #expect((try await federation.call(1, "/api/v1/evidence/\(id)").json["custody"] as? [Any])?.count == 5)
        }
    }
}
