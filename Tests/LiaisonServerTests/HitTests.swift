import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
@testable import LiaisonServer
import LiaisonStore
import LiaisonTestSupport
import NIOCore
import Testing

@Suite("Hit/no-hit reference data and local searches over the API")
struct HitTests {
    /// Two stain profiles over twelve ESS loci and a reference-person profile.
    static let profiles = """
        {"reference": "XA-DNA-1", "type": "stain", "loci": {"D3S1358": ["15","16"], "vWA": ["17","18"], "D8S1179": ["13","14"], "D21S11": ["29","30"], "D18S51": ["14","15"], "TH01": ["6","9.3"], "FGA": ["21","22"], "D1S1656": ["12","15"], "D2S441": ["10","11"], "D10S1248": ["13","14"], "D12S391": ["18","19"], "D22S1045": ["15","16"]}}
        {"reference": "XA-DNA-2", "type": "stain", "loci": {"D3S1358": ["14","17"], "vWA": ["16","16"], "D8S1179": ["10","12"], "D21S11": ["28","31.2"], "D18S51": ["12","19"], "TH01": ["7","8"], "FGA": ["20","24"]}}
        {"reference": "XA-DNA-3", "type": "person", "loci": {"D3S1358": ["16","16"], "vWA": ["14","19"], "D8S1179": ["11","15"], "D21S11": ["27","32.2"], "D18S51": ["13","17"], "TH01": ["9","9.3"], "FGA": ["19","25"]}}
        """

    static func post(_ client: any TestClientProtocol, _ uri: String, token: String, contentType: String, body: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: [.authorization: "Bearer \(token)", .contentType: contentType], body: ByteBuffer(string: body))
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any], "\(response.text)")
    }

    @Test("DNA: import, then full and near hits with compared loci and a random-match probability, and no hit; every search logged", arguments: Backend.available)
    func dna(backend: Backend) async throws {
        try await ScreeningTests.withNode(backend) { client, supervisor, investigator, node in
            let imported = try await Self.post(client, "/api/v1/hits/dna/import", token: supervisor, contentType: "application/x-ndjson", body: Self.profiles)
            try #require(imported.status == .ok, "\(imported.text)")
            #expect((try Self.object(imported)["report"] as? [String: Any])?["added"] as? Int == 3)

            let query = #"""
                {"purpose": "serious-crime", "queries": [
                  {"reference": "Q-FULL", "loci": {"D3S1358": ["15","16"], "vWA": ["17","18"], "D8S1179": ["13","14"], "D21S11": ["29","30"], "D18S51": ["14","15"], "TH01": ["6","9.3"], "FGA": ["21","22"]}},
                  {"reference": "Q-NEAR", "loci": {"D3S1358": ["14","17"], "vWA": ["16","16"], "D8S1179": ["10","12"], "D21S11": ["28","31.2"], "D18S51": ["12","19"], "TH01": ["7","8"], "FGA": ["20","23"]}},
                  {"reference": "Q-NONE", "loci": {"D3S1358": ["11","12"], "vWA": ["11","12"], "D8S1179": ["8","9"], "D21S11": ["24","25"], "D18S51": ["9","10"], "TH01": ["5","5"], "FGA": ["17","18"]}}
                ]}
                """#
            let response = try await client.json("/api/v1/hits/dna/search", method: .post, token: investigator, body: query)
            try #require(response.status == .ok, "\(response.text)")
            let answers = try #require(try Self.object(response)["answers"] as? [[String: Any]])
            #expect(answers.map { $0["outcome"] as? String } == ["hit", "near-hit", "no-hit"])
            let full = try #require((answers[0]["matches"] as? [[String: Any]])?.first)
            #expect(full["reference"] as? String == "XA-DNA-1")
            #expect((full["dna"] as? [String: Any])?["comparedLoci"] as? Int == 7)
            #expect(((full["randomMatchProbability"] as? Double) ?? 1) < 1e-6)
            let near = try #require((answers[1]["matches"] as? [[String: Any]])?.first)
            #expect((near["dna"] as? [String: Any])?["mismatchedLocus"] as? String == "FGA")
            // The answer carries references and quality only: nothing of the record behind it.
            #expect(!response.text.contains("stain"))
            // Server-Timing tells the search from what surrounds it (issue 29).
            let timing = try #require(response.headers[HTTPField.Name("Server-Timing")!])
            let parts = timing.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).split(separator: ";").first.map(String.init) }
            #expect(parts == ["parse", "search", "audit"])
            #expect(timing.split(separator: ",").allSatisfy { Double($0.split(separator: "=").last ?? "") != nil })

            let events = try await AuditStore(database: node.app.database).allEvents().filter { $0.operation == .hitSearched }
            #expect(events.compactMap { $0.details?["result"] } == ["hit", "near-hit", "no-hit"])
            #expect(events.allSatisfy { $0.purpose == "serious-crime" && $0.actor == "user:investigator" && $0.role == "investigator" })
        }
    }

    @Test("a file with bad lines imports nothing and lists every bad line; a bad query is named by its place", arguments: Backend.available)
    func badInput(backend: Backend) async throws {
        try await ScreeningTests.withNode(backend) { client, supervisor, investigator, _ in
            let good = "reference,iban\nACC-1,DE89 3704 0044 0532 0130 00\n"
            let first = try await Self.post(client, "/api/v1/hits/bank-account/import", token: supervisor, contentType: "text/csv", body: good)
            try #require(first.status == .ok, "\(first.text)")
            let bad = "reference,iban\nACC-2,GB29NWBK60161331926819\nACC-3,GB29NWBK60161331926818\nACC-4,\n"
            let refused = try await Self.post(client, "/api/v1/hits/bankAccount/import", token: supervisor, contentType: "text/csv", body: bad)
            #expect(refused.status == .badRequest)
            #expect(refused.problem?.errors == ["line 3: iban: IBAN 'GB29NWBK60161331926818' fails the ISO 13616 mod-97 check", "line 4: iban: missing"])
            let counts = try await client.json("/api/v1/hits", token: supervisor)
            #expect(counts.text.contains(#""category":"bankAccount","records":1"#))

            // A bad line after the first pieces have been inserted rolls them all back.
            let phones = "reference,number\n" + (1...(HitService.linesPerPiece + 10)).map { "PH-\($0),+4930\(1_000_000 + $0)" }.joined(separator: "\n") + "\nPH-X,12\n"
            let late = try await Self.post(client, "/api/v1/hits/phone/import", token: supervisor, contentType: "text/csv", body: phones)
            #expect(late.status == .badRequest)
            #expect(late.problem?.errors == ["line \(HitService.linesPerPiece + 12): number: phone number '12' must be in international form starting with + (E.164)"])
            #expect(try await client.json("/api/v1/hits", token: supervisor).text.contains(#""category":"phone","records":0"#))

            let wrongType = try await Self.post(client, "/api/v1/hits/phone/import", token: supervisor, contentType: "application/pdf", body: "x")
            #expect(wrongType.status == .unsupportedMediaType)
            let unknown = try await Self.post(client, "/api/v1/hits/fingerprint/import", token: supervisor, contentType: "text/csv", body: good)
            #expect(unknown.status == .badRequest)
            let forbidden = try await Self.post(client, "/api/v1/hits/bank-account/import", token: investigator, contentType: "text/csv", body: good)
            #expect(forbidden.status == .forbidden)

            let search = try await client.json("/api/v1/hits/bank-account/search", method: .post, token: investigator,
                                                body: #"{"queries": [{"iban": "DE89370400440532013000"}, {"iban": "DE00"}]}"#)
            #expect(search.status == .badRequest)
            #expect(search.problem?.errors == ["queries[1]: iban: IBAN 'DE00' must have 15 to 34 characters"])
            let found = try await client.json("/api/v1/hits/bank-account/search", method: .post, token: investigator,
                                               body: #"{"queries": [{"iban": "de89 3704 0044 0532 0130 00"}]}"#)
            #expect(found.text.contains(#""matchedOn":"iban","quality":"hit","reference":"ACC-1""#))
        }
    }
}
