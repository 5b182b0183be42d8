import FluentKit
import Foundation
import LiaisonCore
import LiaisonSafeguards
@testable import LiaisonServer
@testable import LiaisonStore
import LiaisonTestSupport
import Testing

/// Tokens and sessions end when the user says so or an administrator does, at once (issue 20,
/// finding 6: a deleted user's tokens and tokens that could not be revoked).
@Suite("Revoking tokens and sessions")
struct RevocationTests {
    static func works(_ federation: LiveFederation, _ token: String) async throws -> Bool {
        try await federation.call(0, "/api/v1/messages", token: token).status == 200
    }

    @Test("sign out everywhere ends every token and session of the user at once; signing in again works", arguments: Backend.available)
    func everywhere(backend: Backend) async throws {
        try await LiveFederation.run(codes: ["XA-POL"], backend: backend) { federation in
            let user = try await federation.nodes[0].addUser(.investigator, username: "inv-ivy")
            let laptop = try await federation.token(0, user.username, user.password)
            let phone = try await federation.token(0, user.username, user.password)
            let users = UserStore(database: federation.nodes[0].app.database)
            let record = try #require(try await users.find(username: "inv-ivy"))
            let now = federation.nodes[0].clock.now()
            try await users.createSession(userID: record.id, tokenHash: "session-hash", csrfToken: "csrf", expiresAt: now.addingTimeInterval(3_600), at: now)
            #expect(try await Self.works(federation, laptop))
            #expect(try await Self.works(federation, phone))

            let revoked = try await federation.call(0, "/api/v1/auth/revocation", method: .POST, token: phone)
            #expect(revoked.status == 200 && revoked.json["tokenGeneration"] as? Int == 1, "\(revoked.text)")
            #expect(try await !Self.works(federation, laptop))
            #expect(try await !Self.works(federation, phone))
            #expect(try await users.session(tokenHash: "session-hash", at: now) == nil)
            let again = try await federation.token(0, user.username, user.password)
            #expect(try await Self.works(federation, again))
        }
    }

    @Test("an administrator revokes a user's tokens and ends the access; a change written by another replica takes effect within a second")
    func byAdministrator() async throws {
        try await LiveFederation.run(codes: ["XA-POL"]) { federation in
            let admin = try await SafeguardsTests.signIn(federation, 0, .administrator, "admin-eva")
            let user = try await federation.nodes[0].addUser(.analyst, username: "ana-lost-laptop")
            let token = try await federation.token(0, user.username, user.password)
            #expect(try await Self.works(federation, token))
            let investigator = try await federation.nodes[0].addUser(.investigator, username: "inv-bo")
            let other = try await federation.token(0, investigator.username, investigator.password)
            #expect(try await federation.call(0, "/api/v1/users/ana-lost-laptop/revocation", method: .POST, body: "{}", token: other).status == 403)

            let ended = try await federation.call(0, "/api/v1/users/ana-lost-laptop/revocation", method: .POST, body: #"{"endAccess":true}"#, token: admin)
            #expect(ended.status == 200 && ended.json["validUntil"] != nil, "\(ended.text)")
            #expect(try await !Self.works(federation, token))
            let refused = try await federation.call(0, "/api/v1/auth/token", method: .POST, body: #"{"username":"ana-lost-laptop","password":"\#(user.password)"}"#, token: .some(nil))
            #expect(refused.status == 403)
            #expect(try await federation.call(0, "/api/v1/users/nobody/revocation", method: .POST, body: "{}", token: admin).status == 404)
            #expect(try await Self.works(federation, other), "nobody else's tokens end")

            // Another replica (or the CLI at the console) writes the revocation to the database:
            // this node honours it once what it read about the user is a second old.
            #expect(try await Self.works(federation, other))
            let users = UserStore(database: federation.nodes[0].app.database)
            let bo = try #require(try await users.find(username: "inv-bo"))
            try await UserAdministration(users: users, bcryptCost: 4, clock: federation.nodes[0].clock).revoke(username: bo.username, endingAccess: false)
            try await Task.sleep(for: .milliseconds(1_100))
            #expect(try await !Self.works(federation, other))

            let operations = try await AuditStore(database: federation.nodes[0].app.database)
                .events(from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSinceNow: 86_400 * 3_650)).map(\.event)
            #expect(operations.filter { $0.operation == .userRevoked }.map(\.subject) == ["user:ana-lost-laptop", "user:inv-bo"])
        }
    }

    @Test("a token whose user is gone, or whose role changed, is refused")
    func goneOrChanged() async throws {
        try await LiveFederation.run(codes: ["XA-POL"]) { federation in
            let user = try await federation.nodes[0].addUser(.supervisor, username: "sup-gone")
            let token = try await federation.token(0, user.username, user.password)
            #expect(try await Self.works(federation, token))
            let database = try federation.nodes[0].app.database.database
            try await UserModel.query(on: database).filter(\.$username == "sup-gone").delete()
            try await Task.sleep(for: .milliseconds(1_100))
            #expect(try await !Self.works(federation, token))
            // A new password (and with it a new role) ends what the old one signed in to.
            let renamed = try await federation.nodes[0].addUser(.investigator, username: "inv-changed")
            let before = try await federation.token(0, renamed.username, renamed.password)
            let users = UserStore(database: federation.nodes[0].app.database)
            _ = try await users.upsert(username: "inv-changed", role: .analyst, passwordHash: "$2b$04$abcdefghijklmnopqrstuu5FtmYH1X6d9XG3Y7lD4K6A8l2d1yQ2m", at: federation.nodes[0].clock.now())
            try await Task.sleep(for: .milliseconds(1_100))
            #expect(try await !Self.works(federation, before))
        }
    }
}
