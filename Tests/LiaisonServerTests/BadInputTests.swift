import Foundation
import Hummingbird
import HummingbirdTesting
@testable import LiaisonServer
import LiaisonTestSupport
import NIOCore
import Testing

@Suite("Bad input")
struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let method: HTTPRequest.Method
        let uri: String
        let contentType: String?
        let body: String?
        let status: Int
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "malformed JSON", method: .post, uri: "/api/v1/users", contentType: "application/json", body: #"{"username": "#, status: 400),
        Case(name: "JSON of the wrong shape", method: .post, uri: "/api/v1/users", contentType: "application/json", body: #"[1,2,3]"#, status: 400),
        Case(name: "missing field", method: .post, uri: "/api/v1/users", contentType: "application/json", body: #"{"username":"zed","role":"analyst"}"#, status: 400),
        Case(name: "wrong type", method: .post, uri: "/api/v1/users", contentType: "application/json", body: #"{"username":5,"role":"analyst","password":"a long enough password"}"#, status: 400),
        Case(name: "wrong content type", method: .post, uri: "/api/v1/users", contentType: "text/plain", body: #"{"username":"zed","role":"analyst","password":"a long enough password"}"#, status: 415),
        Case(name: "no content type", method: .post, uri: "/api/v1/users", contentType: nil, body: "x", status: 415),
        Case(name: "oversize body", method: .post, uri: "/api/v1/users", contentType: "application/json", body: #"{"username":"zed","role":"analyst","password":""# + String(repeating: "a", count: 5000) + #""}"#, status: 413),
        Case(name: "unknown route", method: .get, uri: "/api/v1/nothing-here", contentType: nil, body: nil, status: 404),
        Case(name: "unknown method on a known path", method: .delete, uri: "/api/v1/users", contentType: nil, body: nil, status: 404),
    ]

    @Test("bad requests get a 4xx problem+json with a detail, and change nothing", arguments: cases)
    func rejected(testCase: Case) async throws {
        let node = try await TestNode.make { $0.maxBodyBytes = 4096 }
        let admin = try await node.addUser(.administrator)
        try await node.app.application.test(.router) { client in
            let token = try await client.token(admin.username, admin.password)
            var headers: HTTPFields = [.authorization: "Bearer \(token)"]
            if let type = testCase.contentType { headers[.contentType] = type }
            let response = try await client.execute(uri: testCase.uri, method: testCase.method, headers: headers, body: testCase.body.map { ByteBuffer(string: $0) })
            #expect(response.status.code == testCase.status, "\(response.text)")
            #expect(response.headers[.contentType] == "application/problem+json")
            let problem = try #require(response.problem)
            #expect(problem.status == testCase.status && !problem.detail.isEmpty)
            #expect(try await node.userCount() == 1, "a rejected request stored nothing")
        }
    }

    @Test("a decoding error names the field")
    func namesTheField() async throws {
        let node = try await TestNode.make()
        try await node.app.application.test(.router) { client in
            let response = try await client.json("/api/v1/auth/token", method: .post, body: #"{"username":"x"}"#)
            #expect(response.status == .badRequest)
            #expect(response.problem?.detail.contains("password") == true)
        }
    }
}
