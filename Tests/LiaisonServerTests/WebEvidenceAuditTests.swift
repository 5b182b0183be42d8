import Foundation
import Hummingbird
import HummingbirdTesting
import LiaisonCore
@testable import LiaisonServer
import LiaisonTestSupport
import NIOCore
import Testing

@Suite("Web UI: evidence and the audit explorer")
struct WebEvidenceAuditTests {
    /// Signs in through the form; returns the session cookie header and the page CSRF token.
    static func signIn(_ client: any TestClientProtocol, _ user: (username: String, password: String), names: CookieNames) async throws -> (cookie: String, csrf: String) {
        let page = try await client.execute(uri: "/login", method: .get)
        let csrf = try #require(WebUITests.hiddenCSRF(in: page.text))
        let signIn = try await client.execute(
            uri: "/login", method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "\(names.loginCSRF)=\(try #require(WebUITests.cookie(names.loginCSRF, in: page)))"],
            body: WebUITests.form(["username": user.username, "password": user.password, "csrf": csrf])
        )
        let cookie = "\(names.session)=\(try #require(WebUITests.cookie(names.session, in: signIn)))"
        let dashboard = try await client.execute(uri: "/dashboard", method: .get, headers: [.cookie: cookie])
        return (cookie, try #require(WebUITests.hiddenCSRF(in: dashboard.text)))
    }

    @Test("an investigator registers a physical item, records custody and sees the timeline; bad forms re-render with the error")
    func evidencePages() async throws {
        let node = try await TestNode.make()
        let names = CookieNames(agencyCode: "XA-POL")
        let investigator = try await node.addUser(.investigator)
        try await node.app.application.test(.router) { client in
            let (cookie, csrf) = try await Self.signIn(client, investigator, names: names)
            let form: HTTPFields = [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"]
            let bad = try await client.execute(uri: "/evidence", method: .post, headers: form, body: WebUITests.form([
                "csrf": csrf, "caseRef": "", "description": "Knife", "collectedBy": "Sgt. Dias", "location": "Quay 4", "legalAuthority": "Art. 12 CCP",
            ]))
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains(#"id="form-error""#) && bad.text.contains("caseRef"))
            let registered = try await client.execute(uri: "/evidence", method: .post, headers: form, body: WebUITests.form([
                "csrf": csrf, "caseRef": "XA-2026-0042", "description": "Folding knife", "collectedBy": "Sgt. Dias", "collectedAt": "2026-09-20T08:00:00Z",
                "location": "Quay 4", "legalAuthority": "Art. 12 CCP", "purpose": "investigation",
            ]))
            #expect(registered.status == .seeOther)
            let location = try #require(registered.headers[.location])
            let added = try await client.execute(uri: location + "/events", method: .post, headers: form, body: WebUITests.form([
                "csrf": csrf, "action": "sealed", "actor": "Sgt. Dias", "place": "Evidence room", "purpose": "preservation",
            ]))
            #expect(added.status == .seeOther)
            let page = try await client.execute(uri: location, method: .get, headers: [.cookie: cookie])
            #expect(page.status == .ok)
            #expect(page.text.contains(#"id="custody-timeline""#))
            #expect(page.text.components(separatedBy: #"class="custody-event""#).count == 3)
            #expect(page.text.contains(#"id="package-link""#))
            #expect(!page.text.contains(">nil<") && !page.text.contains("\nnil"), "absent values must not render as nil")
            #expect(!page.text.contains("→ <br>") && page.text.components(separatedBy: "→").count == 1, "no recipient arrow without a recipient")
            let package = try await client.execute(uri: location + "/package", method: .get, headers: [.cookie: cookie])
            #expect(EvidencePackageVerifier.verify(Data(buffer: package.body)).passed)
            let list = try await client.execute(uri: "/evidence", method: .get, headers: [.cookie: cookie])
            #expect(list.text.contains("Folding knife"))
        }
    }

    @Test("an investigator registers a file through the upload form; its content is stored sealed and the chain starts; a transfer to a non-partner is refused on the page")
    func uploadAndTransferForms() async throws {
        let node = try await TestNode.make()
        let names = CookieNames(agencyCode: "XA-POL")
        let investigator = try await node.addUser(.investigator)
        try await node.app.application.test(.router) { client in
            let (cookie, csrf) = try await Self.signIn(client, investigator, names: names)
            let boundary = "liaison-test-boundary"
            var body = ""
            for (name, value) in [("csrf", csrf), ("caseRef", "XA-2026-0042"), ("description", "CCTV still"), ("collectedBy", "Sgt. Dias"),
                                  ("collectedAt", "2026-09-20T08:00:00Z"), ("location", "Quay 4"), ("legalAuthority", "Art. 12 CCP")] {
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
            }
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"still.jpg\"\r\nContent-Type: image/jpeg\r\n\r\nJPEGBYTES-\(UUID())\r\n--\(boundary)--\r\n"
            let uploaded = try await client.execute(
                uri: "/evidence/files", method: .post, headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=\(boundary)"], body: ByteBuffer(string: body)
            )
            #expect(uploaded.status == .seeOther, "\(uploaded.text)")
            let location = try #require(uploaded.headers[.location])
            let page = try await client.execute(uri: location, method: .get, headers: [.cookie: cookie])
            #expect(page.text.contains("still.jpg"))
            #expect(page.text.components(separatedBy: #"class="custody-event""#).count == 2)
            let noFile = try await client.execute(
                uri: "/evidence/files", method: .post, headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=\(boundary)"],
                body: ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n--\(boundary)--\r\n")
            )
            #expect(noFile.status == .badRequest)
            // A part header name with a byte above 0x7F is refused (MultipartKit would trap on it).
            var hostile = ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n")
            hostile.writeBytes([0xC3, 0xA9, UInt8(ascii: ":"), UInt8(ascii: " "), UInt8(ascii: "x"), 0x0D, 0x0A, 0x0D, 0x0A])
            hostile.writeString("\(csrf)\r\n--\(boundary)--\r\n")
            for path in ["/evidence/files", "/hits/import"] {
                let refused = try await client.execute(uri: path, method: .post, headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=\(boundary)"], body: hostile)
                #expect(refused.status == .badRequest || refused.status == .forbidden, "\(path): \(refused.status)")
            }
            let transfer = try await client.execute(uri: location + "/transfer", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"], body: WebUITests.form([
                "csrf": csrf, "to": "XB-CUS", "actor": "Insp. Ribeiro", "place": "Desk", "purpose": "investigation", "legalBasis": "Directive 2014/41/EU",
            ]))
            #expect(transfer.status == .unprocessableContent)
            #expect(transfer.text.contains(#"id="form-error""#) || transfer.text.contains("not a partner"))
        }
    }

    @Test("the oversight role filters the audit log and sees an entry's verified inclusion proof; case handlers may not")
    func auditExplorer() async throws {
        let node = try await TestNode.make()
        let names = CookieNames(agencyCode: "XA-POL")
        let monitor = try await node.addUser(.oversight)
        let investigator = try await node.addUser(.investigator)
        try await node.app.application.test(.router) { client in
            let (cookie, _) = try await Self.signIn(client, monitor, names: names)
            let (investigatorCookie, _) = try await Self.signIn(client, investigator, names: names)
            #expect(try await client.execute(uri: "/audit", method: .get, headers: [.cookie: investigatorCookie]).status == .forbidden)
            let token = try await client.token(monitor.username, monitor.password)
            _ = try await client.json("/api/v1/audit/checkpoint", method: .post, token: token)
            let all = try await client.execute(uri: "/audit", method: .get, headers: [.cookie: cookie])
            #expect(all.status == .ok)
            #expect(all.text.contains(#"id="audit-entries""#) && all.text.contains(#"id="checkpoint-size""#))
            #expect(all.text.contains("<td>access.denied</td>"))
            let filtered = try await client.execute(uri: "/audit?actor=investigator&operation=access.denied", method: .get, headers: [.cookie: cookie])
            #expect(filtered.text.contains("user:investigator"))
            #expect(!filtered.text.contains("<td>auth.login</td>"))
            #expect(filtered.text.contains("<td>access.denied</td>"))
            let none = try await client.execute(uri: "/audit?from=2099-01-01", method: .get, headers: [.cookie: cookie])
            #expect(none.text.contains(#"id="audit-none""#))
            #expect(try await client.execute(uri: "/audit?operation=nonsense", method: .get, headers: [.cookie: cookie]).status == .badRequest)
            let entry = try await client.execute(uri: "/audit/entries/0", method: .get, headers: [.cookie: cookie])
            #expect(entry.status == .ok)
            #expect(entry.text.contains(#"id="proof-verdict" class="ok""#))
            #expect(try await client.execute(uri: "/audit/entries/999999", method: .get, headers: [.cookie: cookie]).status == .notFound)
        }
    }
}
