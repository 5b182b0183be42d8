import Foundation
import Hummingbird
import HummingbirdTesting
import LiaisonCore
@testable import LiaisonServer
import LiaisonTestSupport
import Testing

@Suite("Partners and agreements")
struct FederationAPITests {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func agreementJSON(id: String = "AGR-2026-001", parties: [String] = ["XA-POL", "XB-CUS"], from: String = "2026-01-01T00:00:00Z", until: String = "2027-01-01T00:00:00Z") -> String {
        """
        {"id":"\(id)","parties":\(try! encode(parties)),"legalBasis":"Council Framework Decision 2006/960/JHA",
         "purposes":["investigation"],"dataCategories":["message","vehicle"],"dataSubjectCategories":["suspect","witness"],
         "hitNoHitOnly":false,"validFrom":"\(from)","validUntil":"\(until)","impactAssessmentRef":"HRIA-2026-07"}
        """
    }

    @Test("an administrator pins a partner only with the matching fingerprint; altered or own documents are refused", arguments: Backend.available)
    func partners(backend: Backend) async throws {
        let partner = try await TestNode.make(agencyCode: "XB-CUS")
        let identity = partner.app.identity
        await partner.close()
        let node = try await TestNode.make(backend: backend)
        let admin = try await node.addUser(.administrator)
        try await node.app.application.test(.router) { client in
            let token = try await client.token(admin.username, admin.password)
            let wrong = try await client.json("/api/v1/partners", method: .post, token: token, body: #"{"identity":\#(try Self.encode(identity)),"confirmedFingerprint":"0000"}"#)
            #expect(wrong.status == .badRequest)
            var altered = identity
            altered.keyAgreementKey.publicKey = Data(repeating: 7, count: 32).base64EncodedString()
            let tampered = try await client.json("/api/v1/partners", method: .post, token: token, body: #"{"identity":\#(try Self.encode(altered)),"confirmedFingerprint":"\#(identity.signingKey.fingerprint)"}"#)
            #expect(tampered.status == .badRequest)
            #expect(tampered.problem?.detail.contains("altered") == true)
            let own = try await client.json("/api/v1/partners", method: .post, token: token, body: #"{"identity":\#(try Self.encode(node.app.identity)),"confirmedFingerprint":"\#(node.app.identity.signingKey.fingerprint)"}"#)
            #expect(own.status == .badRequest)
            #expect(try await client.json("/api/v1/partners", token: token).text == "[]", "refused documents pinned nothing")

            let added = try await client.json("/api/v1/partners", method: .post, token: token, body: #"{"identity":\#(try Self.encode(identity)),"confirmedFingerprint":"\#(identity.signingKey.fingerprint.lowercased())"}"#)
            #expect(added.status == .created)
            let again = try await client.json("/api/v1/partners", method: .post, token: token, body: #"{"identity":\#(try Self.encode(identity)),"confirmedFingerprint":"\#(identity.signingKey.fingerprint)"}"#)
            #expect(again.status == .conflict)
            let list = try await client.json("/api/v1/partners", token: token)
            #expect(list.text.contains(#""agencyCode":"XB-CUS""#))
            let removed = try await client.json("/api/v1/partners/XB-CUS", method: .delete, token: token)
            #expect(removed.status == .noContent)
            #expect(try await client.json("/api/v1/partners/XB-CUS", method: .delete, token: token).status == .notFound)
        }
    }

    @Test("agreements: import, status over time, revoke with reason; bad agreements are refused", arguments: Backend.available)
    func agreements(backend: Backend) async throws {
        let node = try await TestNode.make(backend: backend)  // the clock starts at 2026-09-21
        let admin = try await node.addUser(.administrator)
        try await node.app.application.test(.router) { client in
            var token = try await client.token(admin.username, admin.password)
            let imported = try await client.json("/api/v1/agreements", method: .post, token: token, body: Self.agreementJSON())
            #expect(imported.status == .created, "\(imported.text)")
            #expect(imported.text.contains(#""status":"in-force""#))
            #expect(try await client.json("/api/v1/agreements", method: .post, token: token, body: Self.agreementJSON()).status == .conflict)
            let notParty = try await client.json("/api/v1/agreements", method: .post, token: token, body: Self.agreementJSON(id: "AGR-2", parties: ["XB-CUS", "XC-PRO"]))
            #expect(notParty.status == .badRequest)
            #expect(notParty.problem?.detail.contains("not a party") == true)
            let backwards = try await client.json("/api/v1/agreements", method: .post, token: token, body: Self.agreementJSON(id: "AGR-3", from: "2027-01-01T00:00:00Z", until: "2026-01-01T00:00:00Z"))
            #expect(backwards.status == .badRequest)
            let badCategory = try await client.json("/api/v1/agreements", method: .post, token: token, body: Self.agreementJSON(id: "AGR-4").replacingOccurrences(of: #""vehicle""#, with: #""horoscope""#))
            #expect(badCategory.status == .badRequest)

            node.clock.advance(by: 200 * 86_400)  // past 2027-01-01: the sunset
            token = try await client.token(admin.username, admin.password)
            #expect(try await client.json("/api/v1/agreements/AGR-2026-001", token: token).text.contains(#""status":"expired""#))

            let revoked = try await client.json("/api/v1/agreements/AGR-2026-001/revoke", method: .post, token: token, body: #"{"reason":"Impact assessment withdrawn"}"#)
            #expect(revoked.status == .ok)
            #expect(revoked.text.contains(#""status":"revoked""#) && revoked.text.contains("Impact assessment withdrawn"))
            #expect(try await client.json("/api/v1/agreements/AGR-2026-001/revoke", method: .post, token: token, body: #"{"reason":"again"}"#).status == .conflict)
            #expect(try await client.json("/api/v1/agreements/NOPE", token: token).status == .notFound)
        }
    }
}
