import Foundation
import Hummingbird
import HummingbirdTesting
import LiaisonCore
@testable import LiaisonServer
import LiaisonTestSupport
import NIOCore
import Testing

@Suite("Web UI")
struct WebUITests {
    /// The value of a `name=value` cookie in a Set-Cookie header.
    static func cookie(_ name: String, in response: TestResponse) -> String? {
        for header in response.headers[values: .setCookie] {
            let pair = header.split(separator: ";")[0]
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name { return String(parts[1]) }
        }
        return nil
    }

    static func hiddenCSRF(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func form(_ fields: [String: String]) -> ByteBuffer {
        ByteBuffer(string: fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&"))
    }

    @Test("sign in through the form, see the dashboard with the node's identity, sign out", arguments: Backend.available)
    func signInFlow(backend: Backend) async throws {
        let node = try await TestNode.make(backend: backend)
        let names = CookieNames(agencyCode: "XA-POL")
        let user = try await node.addUser(.administrator)
        try await node.app.application.test(.router) { client in
            let page = try await client.execute(uri: "/login", method: .get)
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains(#"<label for="username">"#) && html.contains(#"<main id="main""#) && html.contains(#"lang="en""#))
            let csrf = try #require(Self.hiddenCSRF(in: html))
            let csrfCookie = try #require(Self.cookie(names.loginCSRF, in: page))
            #expect(csrf == csrfCookie)

            let signIn = try await client.execute(
                uri: "/login", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "\(names.loginCSRF)=\(csrfCookie)"],
                body: Self.form(["username": user.username, "password": user.password, "csrf": csrf])
            )
            #expect(signIn.status == .seeOther)
            #expect(signIn.headers[.location] == "/dashboard")
            let setCookie = signIn.headers[values: .setCookie].first { $0.hasPrefix(names.session + "=") } ?? ""
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Secure"))
            let session = try #require(Self.cookie(names.session, in: signIn))

            let dashboard = try await client.execute(uri: "/dashboard", method: .get, headers: [.cookie: "\(names.session)=\(session)"])
            #expect(dashboard.status == .ok)
            let board = dashboard.text
            #expect(board.contains(node.app.identity.signingKey.fingerprint))
            #expect(board.contains(#"id="current-user">administrator<"#))
            #expect(board.contains(#"id="users-heading""#), "administrators see the node's users")
            #expect(board.contains(#"role="banner""#) && board.contains(#"role="contentinfo""#))
            let sessionCSRF = try #require(Self.hiddenCSRF(in: board))

            let forged = try await client.execute(
                uri: "/logout", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "\(names.session)=\(session)"],
                body: Self.form(["csrf": "forged"])
            )
            #expect(forged.status == .forbidden, "sign-out without the session's CSRF token is refused")

            let signOut = try await client.execute(
                uri: "/logout", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "\(names.session)=\(session)"],
                body: Self.form(["csrf": sessionCSRF])
            )
            #expect(signOut.status == .seeOther && signOut.headers[.location] == "/login")
            let after = try await client.execute(uri: "/dashboard", method: .get, headers: [.cookie: "\(names.session)=\(session)"])
            #expect(after.status == .seeOther && after.headers[.location] == "/login", "the session is gone after sign-out")
        }
    }

    @Test("a sign-in post without the form's CSRF cookie is refused")
    func loginCSRF() async throws {
        let node = try await TestNode.make()
        let names = CookieNames(agencyCode: "XA-POL")
        let user = try await node.addUser(.investigator)
        try await node.app.application.test(.router) { client in
            let response = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: Self.form(["username": user.username, "password": user.password, "csrf": "guess"])
            )
            #expect(response.status == .forbidden)
            #expect(Self.cookie(names.session, in: response) == nil)
        }
    }

    @Test("a wrong password shows the form again with an error and no session")
    func wrongPassword() async throws {
        let node = try await TestNode.make()
        let names = CookieNames(agencyCode: "XA-POL")
        try await node.addUser(.investigator)
        try await node.app.application.test(.router) { client in
            let page = try await client.execute(uri: "/login", method: .get)
            let csrf = try #require(Self.hiddenCSRF(in: page.text))
            let response = try await client.execute(
                uri: "/login", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "\(names.loginCSRF)=\(csrf)"],
                body: Self.form(["username": "investigator", "password": "wrong wrong wrong", "csrf": csrf])
            )
            #expect(response.status == .unauthorized)
            #expect(response.text.contains(#"role="alert""#))
            #expect(Self.cookie(names.session, in: response) == nil)
        }
    }

    @Test("each role sees its own description on the dashboard", arguments: Role.allCases)
    func dashboardByRole(role: Role) async throws {
        let node = try await TestNode.make()
        let user = try await node.addUser(role)
        try await node.app.application.test(.router) { client in
            let token = try await client.token(user.username, user.password)
            let response = try await client.execute(uri: "/dashboard", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(response.status == .ok)
            let strings = try StringsCatalogue(directory: try resourceDirectory().appendingPathComponent("strings")).strings("en")
            #expect(response.text.contains(try #require(strings["role_\(role.rawValue)"]).replacingOccurrences(of: "'", with: "&#39;")))
            #expect(response.text.contains(#"id="users-heading""#) == (role == .administrator))
        }
    }

    @Test("every template key exists in the English catalogue")
    func catalogueComplete() throws {
        let resources = try resourceDirectory()
        let strings = try StringsCatalogue(directory: resources.appendingPathComponent("strings")).strings("en")
        let templates = try FileManager.default.contentsOfDirectory(at: resources.appendingPathComponent("templates"), includingPropertiesForKeys: nil)
        for file in templates {
            let text = try String(contentsOf: file, encoding: .utf8)
            var rest = text[...]
            while let range = rest.range(of: "{{t.") {
                let key = rest[range.upperBound...].prefix { $0 != "}" }
                #expect(strings[String(key)] != nil, "\(file.lastPathComponent) uses t.\(key), missing from en.json")
                rest = rest[range.upperBound...]
            }
        }
    }
}
