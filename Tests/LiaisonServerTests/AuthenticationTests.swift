import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import LiaisonCore
@testable import LiaisonServer
import LiaisonTestSupport
import Testing

@Suite("Authentication")
struct AuthenticationTests {
    @Test("a token is issued for the right password, signed with EdDSA, and unlocks the API", arguments: Backend.available)
    func tokenFlow(backend: Backend) async throws {
        let node = try await TestNode.make(backend: backend)
        let user = try await node.addUser(.investigator)
        try await node.app.application.test(.router) { client in
            let token = try await client.token(user.username, user.password)
            let header = try #require(token.split(separator: ".").first)
            let padded = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/").padding(toLength: (header.count + 3) / 4 * 4, withPad: "=", startingAt: 0)
            let json = String(decoding: Data(base64Encoded: padded) ?? Data(), as: UTF8.self)
            #expect(json.contains(#""alg":"EdDSA""#))
            let identity = try await client.json("/api/v1/node", token: token)
            #expect(identity.status == .ok)
            #expect(identity.text.contains(#""agencyCode":"XA-POL""#))
        }
    }

    @Test("a wrong password or unknown user gets 401 with the same message")
    func wrongCredentials() async throws {
        let node = try await TestNode.make()
        try await node.addUser(.analyst)
        try await node.app.application.test(.router) { client in
            let wrong = try await client.json("/api/v1/auth/token", method: .post, body: #"{"username":"analyst","password":"not the password"}"#)
            let unknown = try await client.json("/api/v1/auth/token", method: .post, body: #"{"username":"nobody","password":"not the password"}"#)
            #expect(wrong.status == .unauthorized && unknown.status == .unauthorized)
            #expect(wrong.problem?.detail == unknown.problem?.detail)
        }
    }

    @Test("repeated failures lock the account; the lock ends after the back-off", arguments: Backend.available)
    func lockout(backend: Backend) async throws {
        let node = try await TestNode.make(backend: backend)
        let user = try await node.addUser(.supervisor)
        try await node.app.application.test(.router) { client in
            for _ in 0..<5 {
                let response = try await client.json("/api/v1/auth/token", method: .post, body: #"{"username":"supervisor","password":"guess guess guess"}"#)
                #expect(response.status == .unauthorized)
            }
            let locked = try await client.json("/api/v1/auth/token", method: .post, body: #"{"username":"supervisor","password":"\#(user.password)"}"#)
            #expect(locked.status == .tooManyRequests, "even the right password is refused while locked")
            node.clock.advance(by: 31)
            let after = try await client.json("/api/v1/auth/token", method: .post, body: #"{"username":"supervisor","password":"\#(user.password)"}"#)
            #expect(after.status == .ok)
        }
    }

    @Test("a token stops working when it expires")
    func tokenExpiry() async throws {
        let node = try await TestNode.make()
        let user = try await node.addUser(.oversight)
        try await node.app.application.test(.router) { client in
            let token = try await client.token(user.username, user.password)
            #expect(try await client.json("/api/v1/node", token: token).status == .ok)
            node.clock.advance(by: 15 * 60 + 1)
            #expect(try await client.json("/api/v1/node", token: token).status == .unauthorized)
        }
    }

    @Test("a token verified before still covers only its own bytes: an altered copy is refused")
    func alteredToken() async throws {
        let node = try await TestNode.make()
        let user = try await node.addUser(.analyst)
        try await node.app.application.test(.router) { client in
            let token = try await client.token(user.username, user.password)
            #expect(try await client.json("/api/v1/node", token: token).status == .ok)
            // The payload claims another role; the signature is the original one.
            let parts = token.split(separator: ".").map(String.init)
            let payload = try #require(Data(base64Encoded: parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                .padding(toLength: (parts[1].count + 3) / 4 * 4, withPad: "=", startingAt: 0)))
            let forged = String(decoding: payload, as: UTF8.self).replacingOccurrences(of: #""role":"analyst""#, with: #""role":"administrator""#)
            #expect(forged.contains("administrator"))
            let encoded = Data(forged.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            let altered = [parts[0], encoded, parts[2]].joined(separator: ".")
            #expect(try await client.json("/api/v1/node", token: altered).status == .unauthorized)
            #expect(try await client.json("/api/v1/users", token: altered).status == .unauthorized)
            #expect(try await client.json("/api/v1/node", token: token).status == .ok)
        }
    }

    @Test("a token signed by another node is refused")
    func foreignToken() async throws {
        let other = try await TestNode.make(agencyCode: "XB-CUS")
        try await other.addUser(.investigator)
        let foreign = try await other.app.application.test(.router) { client in
            try await client.token("investigator", "correct horse battery")
        }
        let node = try await TestNode.make()
        try await node.app.application.test(.router) { client in
            let withForeign = try await client.json("/api/v1/node", token: foreign)
            let withGarbage = try await client.json("/api/v1/node", token: "not.a.jwt")
            #expect(withForeign.status == .unauthorized)
            #expect(withGarbage.status == .unauthorized)
        }
    }

    @Test("an administrator adds users through the API; bad users are refused and nothing is stored", arguments: Backend.available)
    func addUsers(backend: Backend) async throws {
        let node = try await TestNode.make(backend: backend)
        let admin = try await node.addUser(.administrator)
        try await node.app.application.test(.router) { client in
            let token = try await client.token(admin.username, admin.password)
            let created = try await client.json("/api/v1/users", method: .post, token: token, body: #"{"username":"eve","role":"judicial-authority","password":"a long enough password"}"#)
            #expect(created.status == .created)
            #expect(created.text.contains(#""role":"judicial-authority""#))
            for body in [
                #"{"username":"eve","role":"analyst","password":"a long enough password"}"#,  // taken
                #"{"username":"Bad Name","role":"analyst","password":"a long enough password"}"#,
                #"{"username":"frank","role":"king","password":"a long enough password"}"#,
                #"{"username":"frank","role":"analyst","password":"short"}"#,
            ] {
                let response = try await client.json("/api/v1/users", method: .post, token: token, body: body)
                #expect([400, 409].contains(response.status.code), "\(body) → \(response.status.code)")
                #expect(response.problem != nil)
            }
            #expect(try await node.userCount() == 2)
        }
    }
}

extension AuthenticationTests {
    @Test("a token whose iat lies in the future is refused, even when its signature is the node's")
    func futureIssuedAt() async throws {
        let key = Curve25519.Signing.PrivateKey()
        let present = ManualClock()
        let future = ManualClock(present.now().addingTimeInterval(3_600))
        let issuer = await APITokenAuthority(signingKey: key, issuer: "XA-POL", lifetime: .seconds(900), clock: future)
        let verifier = await APITokenAuthority(signingKey: key, issuer: "XA-POL", lifetime: .seconds(900), clock: present)
        let (token, _) = try await issuer.issue(userID: "u1", username: "ana", role: .analyst)
        #expect(await issuer.principal(bearer: token)?.username == "ana")
        #expect(await verifier.principal(bearer: token) == nil)
        let slightlyAhead = ManualClock(present.now().addingTimeInterval(30))
        let (skewed, _) = try await APITokenAuthority(signingKey: key, issuer: "XA-POL", lifetime: .seconds(900), clock: slightlyAhead).issue(userID: "u1", username: "ana", role: .analyst)
        #expect(await verifier.principal(bearer: skewed)?.username == "ana", "half a minute of skew between replicas is allowed")
    }
}
