import Foundation
import Hummingbird
import HummingbirdTesting
import LiaisonCore
@testable import LiaisonServer
import LiaisonStore
import LiaisonTestSupport
import NIOCore
import Testing

@Suite("Sanctions screening over the API")
struct ScreeningTests {
    static let sdn = """
        306,"BANCO NACIONAL DE CUBA",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"a.k.a. 'BNC'."
        7843,"AL-TIKRITI, Saddam Hussein","individual","IRAQ",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 28 Apr 1937; POB al-Awja, near Tikrit, Iraq; nationality Iraq."
        9001,"PETROV, Ivan Sergeyevich","individual","UKRAINE-EO13660",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 1970."
        """

    /// A node with a supervisor (imports, designates) and an investigator (screens).
    static func withNode(_ backend: Backend = .sqlite, _ body: @escaping @Sendable (any TestClientProtocol, _ supervisor: String, _ investigator: String, TestNode) async throws -> Void) async throws {
        let node = try await TestNode.make(backend: backend)
        let supervisor = try await node.addUser(.supervisor)
        let investigator = try await node.addUser(.investigator)
        try await node.app.application.test(.router) { client in
            try await body(client, try await client.token(supervisor.username, supervisor.password),
                           try await client.token(investigator.username, investigator.password), node)
        }
    }

    static func importSDN(_ client: any TestClientProtocol, _ token: String, _ text: String = sdn) async throws -> [String: Any] {
        let response = try await client.execute(uri: "/api/v1/lists/ofac-sdn/import?format=ofac-csv", method: .post,
                                                headers: [.authorization: "Bearer \(token)", .contentType: "text/csv"], body: ByteBuffer(string: text))
        try #require(response.status == .ok, "\(response.text)")
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    static func screen(_ client: any TestClientProtocol, _ token: String, _ body: String) async throws -> [String: Any] {
        let response = try await client.json("/api/v1/screening", method: .post, token: token, body: body)
        try #require(response.status == .ok, "\(response.text)")
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test("import reports what changed; screening finds variants with explanations; a cleared false positive is not raised again for the same input and list version", arguments: Backend.available)
    func screenAndAdjudicate(backend: Backend) async throws {
        try await Self.withNode(backend) { client, supervisor, investigator, node in
            let first = try await Self.importSDN(client, supervisor)
            #expect(first["version"] as? Int == 1)
            #expect((first["added"] as? [String])?.count == 3)
            // Re-import with one entry changed and one removed.
            let changed = Self.sdn.replacingOccurrences(of: "DOB 1970.", with: "DOB 1971.")
                .split(separator: "\n").filter { !$0.hasPrefix("306,") }.joined(separator: "\n")
            let second = try await Self.importSDN(client, supervisor, changed)
            #expect(second["version"] as? Int == 2)
            #expect(second["changed"] as? [String] == ["9001"])
            #expect(second["removed"] as? [String] == ["306"])
            #expect((second["added"] as? [String])?.isEmpty == true)

            let outcome = try await Self.screen(client, investigator, #"{"name":"Saddam Husain al Tikriti","dob":"1937"}"#)
            let matches = try #require(outcome["matches"] as? [[String: Any]])
            #expect(matches.count == 1)
            let match = try #require(matches.first)
            #expect(match["entryId"] as? String == "7843")
            #expect(match["status"] as? String == "potential")
            #expect((match["summary"] as? String)?.contains("'husain'→'hussein' transliteration") == true)
            let resultID = try #require(match["id"] as? String)

            // A potential match has no effect until a person decides; the decision needs a reason.
            let noReason = try await client.json("/api/v1/screening/results/\(resultID)/adjudication", method: .post, token: investigator,
                                                 body: #"{"decision":"false-positive","reason":""}"#)
            #expect(noReason.status == .badRequest)
            let decided = try await client.json("/api/v1/screening/results/\(resultID)/adjudication", method: .post, token: investigator,
                                                body: #"{"decision":"false-positive","reason":"Different person: born in Basra, passport checked"}"#)
            #expect(decided.status == .ok, "\(decided.text)")
            let again = try await client.json("/api/v1/screening/results/\(resultID)/adjudication", method: .post, token: investigator,
                                              body: #"{"decision":"true-match","reason":"changed my mind"}"#)
            #expect(again.status == .conflict)

            // Same input, same list version: remembered, not raised.
            let repeated = try await Self.screen(client, investigator, #"{"name":"Saddam Husain al Tikriti","dob":"1937"}"#)
            #expect((repeated["matches"] as? [Any])?.isEmpty == true)
            #expect(((repeated["cleared"] as? [[String: Any]])?.first?["clearedBy"] as? String) == resultID)
            // Another input is screened afresh.
            let other = try await Self.screen(client, investigator, #"{"name":"Saddam Hussein Al-Tikriti"}"#)
            #expect((other["matches"] as? [Any])?.count == 1)

            // Both screenings and the adjudication are in the audit log.
            let operations = try await AuditStore(database: node.app.database).queuedAndSequencedOperations()
            #expect(operations.filter { $0 == AuditOperation.screeningPerformed.rawValue }.count == 3)
            #expect(operations.contains(AuditOperation.screeningAdjudicated.rawValue))
            #expect(operations.filter { $0 == AuditOperation.listImported.rawValue }.count == 2)
        }
    }

    @Test("a malformed list imports nothing; bad queries get a clear 4xx")
    func badInput() async throws {
        try await Self.withNode { client, supervisor, investigator, _ in
            _ = try await Self.importSDN(client, supervisor)
            let broken = try await client.execute(uri: "/api/v1/lists/ofac-sdn/import?format=ofac-csv", method: .post,
                                                  headers: [.authorization: "Bearer \(supervisor)", .contentType: "text/csv"],
                                                  body: ByteBuffer(string: "1,\"A\",-0-\n2,\"unclosed"))
            #expect(broken.status == .badRequest)
            #expect(broken.problem?.detail.contains("line 2") == true, "\(broken.text)")
            let lists = try await client.json("/api/v1/lists", token: investigator)
            #expect(lists.text.contains(#""version":1"#))
            let xml = try await client.execute(uri: "/api/v1/lists/un/import?format=un-xml", method: .post,
                                               headers: [.authorization: "Bearer \(supervisor)", .contentType: "application/xml"],
                                               body: ByteBuffer(string: "<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n<INDIVIDUAL><DATAID>1</DATAID>\n</CONSOLIDATED_LIST>"))
            #expect(xml.status == .badRequest)
            #expect(xml.problem?.detail.contains("line") == true)
            let unknownFormat = try await client.execute(uri: "/api/v1/lists/x/import?format=pdf", method: .post,
                                                         headers: [.authorization: "Bearer \(supervisor)"], body: ByteBuffer(string: "x"))
            #expect(unknownFormat.status == .badRequest)

            for body in [#"{"name":""}"#, #"{"name":"\#(String(repeating: "a", count: 10_000))"}"#, #"{"name":"Ivan\u0007Petrov"}"#,
                         #"{"name":"Ivan Petrov","dob":"yesterday"}"#, #"{"name":"Ivan Petrov","country":"Atlantis"}"#, #"{"name":"Ivan Petrov","type":"dragon"}"#, #"{"name":"---"}"#] {
                let response = try await client.json("/api/v1/screening", method: .post, token: investigator, body: body)
                #expect(response.status == .badRequest, "\(body.prefix(60)): \(response.status)")
                #expect(response.problem != nil)
            }
            // An investigator may not import lists.
            let refused = try await client.execute(uri: "/api/v1/lists/ofac-sdn/import?format=ofac-csv", method: .post,
                                                   headers: [.authorization: "Bearer \(investigator)"], body: ByteBuffer(string: Self.sdn))
            #expect(refused.status == .forbidden)
        }
    }

    @Test("a threshold widens one search and is reported with it; out of range it is refused; a script screening cannot read is named")
    func threshold() async throws {
        try await Self.withNode { client, supervisor, investigator, _ in
            _ = try await Self.importSDN(client, supervisor)
            let narrow = try await Self.screen(client, investigator, #"{"name":"Ivan Petrenko"}"#)
            #expect((narrow["matches"] as? [Any])?.isEmpty == true)
            let wide = try await Self.screen(client, investigator, #"{"name":"Ivan Petrenko","threshold":0.5}"#)
            #expect(wide["threshold"] as? Double == 0.5)
            let match = try #require((wide["matches"] as? [[String: Any]])?.first)
            #expect(match["entryId"] as? String == "9001")
            let score = try #require(match["score"] as? Double)
            #expect(score >= 0.5 && score < 0.8)
            for body in [#"{"name":"Ivan Petrenko","threshold":0.3}"#, #"{"name":"Ivan Petrenko","threshold":1.5}"#] {
                let response = try await client.json("/api/v1/screening", method: .post, token: investigator, body: body)
                #expect(response.status == .badRequest)
                #expect(response.problem?.detail.contains("threshold") == true, "\(response.text)")
            }
            let batch = try await client.execute(uri: "/api/v1/screening/batch?threshold=abc", method: .post,
                                                 headers: [.authorization: "Bearer \(investigator)", .contentType: "text/csv"], body: ByteBuffer(string: "name\nIvan Petrenko\n"))
            #expect(batch.status == .badRequest)
            let wideBatch = try await client.execute(uri: "/api/v1/screening/batch?threshold=0.5", method: .post,
                                                     headers: [.authorization: "Bearer \(investigator)", .contentType: "text/csv"], body: ByteBuffer(string: "name\nIvan Petrenko\n"))
            #expect(wideBatch.text.contains("9001"), "\(wideBatch.text)")
            let tibetan = try await client.json("/api/v1/screening", method: .post, token: investigator, body: #"{"name":"བསྟན་འཛིན"}"#)
            #expect(tibetan.status == .badRequest)
            #expect(tibetan.problem?.detail.contains("Tibetan") == true, "\(tibetan.text)")
        }
    }

    @Test("batch screening answers one line per row, with row numbers and per-row errors")
    func batch() async throws {
        try await Self.withNode { client, supervisor, investigator, _ in
            _ = try await Self.importSDN(client, supervisor)
            let csv = "name,dob,country\n\"PETROV, Ivan\",1970,UA\nJane Doe,,\n\"bad\u{7}\",,\n"
            let response = try await client.execute(uri: "/api/v1/screening/batch", method: .post,
                                                    headers: [.authorization: "Bearer \(investigator)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
            #expect(response.status == .ok, "\(response.text)")
            let lines = response.text.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            #expect(lines.map { $0["row"] as? Int } == [1, 2, 3])
            #expect(((lines[0]["matches"] as? [[String: Any]])?.first?["entryId"] as? String) == "9001")
            #expect((lines[1]["matches"] as? [Any])?.isEmpty == true)
            #expect((lines[2]["error"] as? String)?.contains("line 4") == true)
            let noName = try await client.execute(uri: "/api/v1/screening/batch", method: .post,
                                                  headers: [.authorization: "Bearer \(investigator)"], body: ByteBuffer(string: "who,dob\nx,1970\n"))
            #expect(noName.status == .badRequest)
        }
    }

    @Test("FollowTheMoney delta files add, change and remove entries; national lists are edited and screened")
    func deltasAndNationalLists() async throws {
        try await Self.withNode { client, supervisor, investigator, _ in
            func post(_ uri: String, _ body: String) async throws -> [String: Any] {
                let response = try await client.execute(uri: uri, method: .post, headers: [.authorization: "Bearer \(supervisor)"], body: ByteBuffer(string: body))
                try #require(response.status == .ok, "\(response.text)")
                return try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            }
            let full = """
                {"id":"p1","schema":"Person","properties":{"name":["Maria Osetrova"],"birthDate":["1988-01-07"]}}
                {"id":"c1","schema":"Company","properties":{"name":["Romashka OOO"]}}
                """
            _ = try await post("/api/v1/lists/zala/import?format=ftm", full)
            let delta = """
                {"op":"DEL","entity":{"id":"c1"}}
                {"op":"MOD","entity":{"id":"p1","schema":"Person","properties":{"name":["Maria Osetrova","Мария Осетрова"]}}}
                {"op":"ADD","entity":{"id":"p2","schema":"Person","properties":{"name":["Oleg Zakharov"]}}}
                """
            let report = try await post("/api/v1/lists/zala/import?format=ftm", delta)
            #expect(report["removed"] as? [String] == ["c1"])
            #expect(report["changed"] as? [String] == ["p1"])
            #expect(report["added"] as? [String] == ["p2"])
            #expect(report["version"] as? Int == 2)
            let cyrillic = try await Self.screen(client, investigator, #"{"name":"Мария Осетрова"}"#)
            #expect(((cyrillic["matches"] as? [[String: Any]])?.first?["entryId"] as? String) == "p1")

            let entry = try await client.json("/api/v1/lists/national/entries/n-1", method: .put, token: supervisor,
                                              body: #"{"type":"person","names":["Dragan Kovacevic"],"birthDates":["1975"],"countries":["RS"]}"#)
            #expect(entry.status == .ok, "\(entry.text)")
            let found = try await Self.screen(client, investigator, #"{"name":"Dragan Kovačević"}"#)
            #expect(((found["matches"] as? [[String: Any]])?.first?["list"] as? String) == "national")
            let importedEdit = try await client.json("/api/v1/lists/zala/entries/x", method: .put, token: supervisor, body: #"{"names":["X"]}"#)
            #expect(importedEdit.status == .conflict)
        }
    }

    @Test("a designation waits for its response window, or a logged urgency override", arguments: Backend.available)
    func dueProcess(backend: Backend) async throws {
        try await Self.withNode(backend) { client, supervisor, firstToken, node in
            var investigator = firstToken
            _ = try await Self.importSDN(client, supervisor)
            let outcome = try await Self.screen(client, investigator, #"{"name":"Ivan Sergeyevich Petrov"}"#)
            let resultID = try #require((outcome["matches"] as? [[String: Any]])?.first?["id"] as? String)

            // Only a confirmed match supports a designation.
            let early = try await client.json("/api/v1/designations", method: .post, token: supervisor,
                                              body: #"{"resultId":"\#(resultID)","list":"national","grounds":"Smuggling network","notificationMethod":"Registered letter"}"#)
            #expect(early.status == .conflict)
            let confirmed = try await client.json("/api/v1/screening/results/\(resultID)/adjudication", method: .post, token: investigator,
                                                  body: #"{"decision":"true-match","reason":"Passport and date of birth agree"}"#)
            #expect(confirmed.status == .ok)
            let created = try await client.json("/api/v1/designations", method: .post, token: supervisor,
                                                body: #"{"resultId":"\#(resultID)","list":"national","grounds":"Smuggling network","notificationMethod":"Registered letter","responseWindowDays":14}"#)
            #expect(created.status == .created, "\(created.text)")
            let designation = try #require(try JSONSerialization.jsonObject(with: Data(buffer: created.body)) as? [String: Any])
            let id = try #require(designation["id"] as? String)
            #expect(designation["status"] as? String == "notified")

            // Inside the window the national entry does not take effect: a screening does not raise it.
            func nationalHits() async throws -> Int {
                let screened = try await Self.screen(client, investigator, #"{"name":"Ivan Sergeyevich Petrov"}"#)
                return (screened["matches"] as? [[String: Any]])?.filter { $0["list"] as? String == "national" }.count ?? -1
            }
            #expect(try await nationalHits() == 0)
            let response = try await client.json("/api/v1/designations/\(id)/response", method: .post, token: supervisor,
                                                 body: #"{"response":"I am not the person you think; see attached employment records."}"#)
            #expect(response.status == .ok)
            node.clock.advance(by: 13 * 86_400)
            // Tokens expire while the test moves the clock by days: sign in again.
            investigator = try await client.token("investigator", "correct horse battery")
            #expect(try await nationalHits() == 0)
            node.clock.advance(by: 2 * 86_400)
            investigator = try await client.token("investigator", "correct horse battery")
            let supervisor = try await client.token("supervisor", "correct horse battery")
            let list = try await client.json("/api/v1/designations", token: investigator)
            #expect(list.text.contains(#""status":"effective""#), "\(list.text)")
            #expect(try await nationalHits() == 1)

            // An effective designation is past its window: no more overrides or responses.
            let late = try await client.json("/api/v1/designations/\(id)/override", method: .post, token: supervisor, body: #"{"reason":"Imminent transfer of funds abroad"}"#)
            #expect(late.status == .conflict)

            // A second designation made effective at once, with a reason that is logged.
            let saddam = try await Self.screen(client, investigator, #"{"name":"Saddam Hussein al-Tikriti"}"#)
            let second = try #require((saddam["matches"] as? [[String: Any]])?.first?["id"] as? String)
            _ = try await client.json("/api/v1/screening/results/\(second)/adjudication", method: .post, token: investigator,
                                      body: #"{"decision":"true-match","reason":"Same person as on the UN list"}"#)
            let urgent = try await client.json("/api/v1/designations", method: .post, token: supervisor,
                                               body: #"{"resultId":"\#(second)","list":"national","grounds":"Asset flight","notificationMethod":"Public notice"}"#)
            let urgentID = try #require((try JSONSerialization.jsonObject(with: Data(buffer: urgent.body)) as? [String: Any])?["id"] as? String)
            let short = try await client.json("/api/v1/designations/\(urgentID)/override", method: .post, token: supervisor, body: #"{"reason":"now"}"#)
            #expect(short.status == .badRequest)
            let overridden = try await client.json("/api/v1/designations/\(urgentID)/override", method: .post, token: supervisor,
                                                   body: #"{"reason":"Imminent transfer of funds abroad, bank alert 2026-117"}"#)
            #expect(overridden.status == .ok)
            #expect(overridden.text.contains(#""status":"effective""#))
            let investigatorOverride = try await client.json("/api/v1/designations/\(urgentID)/override", method: .post, token: investigator, body: #"{"reason":"Imminent transfer of funds abroad"}"#)
            #expect(investigatorOverride.status == .forbidden)
            let operations = try await AuditStore(database: node.app.database).queuedAndSequencedOperations()
            #expect(operations.filter { $0 == AuditOperation.designationRecorded.rawValue }.count >= 3)
        }
    }
}

extension AuditStore {
    /// The operations recorded so far, queued or already in the log.
    func queuedAndSequencedOperations() async throws -> [String] {
        try await allEvents().map(\.operation.rawValue)
    }
}

@Suite("Web UI: national watch lists")
struct WebScreeningListTests {
    @Test("a supervisor imports a list file through the upload form and sees what changed; a malformed file imports nothing and names its line; an investigator has no import form")
    func importForm() async throws {
        let node = try await TestNode.make()
        let names = CookieNames(agencyCode: "XA-POL")
        let supervisor = try await node.addUser(.supervisor)
        let investigator = try await node.addUser(.investigator)
        try await node.app.application.test(.router) { client in
            let (cookie, csrf) = try await WebEvidenceAuditTests.signIn(client, supervisor, names: names)
            let boundary = "liaison-list-boundary"
            func upload(_ file: String, format: String, name: String) async throws -> TestResponse {
                var body = ""
                for (field, value) in [("csrf", csrf), ("format", format), ("name", name)] {
                    body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"\r\n\r\n\(value)\r\n"
                }
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"watch.ftm.json\"\r\nContent-Type: application/json\r\n\r\n\(file)\r\n--\(boundary)--\r\n"
                return try await client.execute(uri: "/screening/lists/import", method: .post,
                                                headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=\(boundary)"], body: ByteBuffer(string: body))
            }
            let lines = """
                {"id":"p1","schema":"Person","properties":{"name":["Maria Osetrova"],"birthDate":["1988-01-07"]}}
                {"id":"c1","schema":"Company","properties":{"name":["Romashka OOO"]}}
                """
            let imported = try await upload(lines, format: "ftm", name: "")
            #expect(imported.status == .ok, "\(imported.text)")
            #expect(imported.text.contains(#"id="form-notice">watch version 1: 2 entries; added 2, removed 0, changed 0<"#), "\(imported.text)")
            let form: HTTPFields = [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"]
            let screened = try await client.execute(uri: "/screening", method: .post, headers: form, body: WebUITests.form(["csrf": csrf, "name": "Мария Осетрова"]))
            #expect(screened.text.contains(#"id="match-count">1<"#), "\(screened.text)")

            let broken = try await upload(lines + "\n{\"id\": \"p2\", \"schema\": ", format: "ftm", name: "watch")
            #expect(broken.status == .badRequest)
            #expect(broken.text.contains("Nothing imported") && broken.text.contains("line 3"), "\(broken.text)")
            let wrongFormat = try await upload(lines, format: "pdf", name: "watch")
            #expect(wrongFormat.status == .badRequest)
            let lists = try await ScreeningStore(database: node.app.database).lists()
            #expect(lists.first { $0.name == "watch" }?.version == 1)

            let (investigatorCookie, _) = try await WebEvidenceAuditTests.signIn(client, investigator, names: names)
            let readOnly = try await client.execute(uri: "/screening/lists", method: .get, headers: [.cookie: investigatorCookie])
            #expect(!readOnly.text.contains("/screening/lists/import"))
        }
    }

    @Test("a supervisor adds an entry to a national list through the form, screening finds it, and the remove button takes it off; an investigator sees no edit forms")
    func nationalListForms() async throws {
        let node = try await TestNode.make()
        let names = CookieNames(agencyCode: "XA-POL")
        let supervisor = try await node.addUser(.supervisor)
        let investigator = try await node.addUser(.investigator)
        try await node.app.application.test(.router) { client in
            let (cookie, csrf) = try await WebEvidenceAuditTests.signIn(client, supervisor, names: names)
            let form: HTTPFields = [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"]
            let bad = try await client.execute(uri: "/screening/lists/entries", method: .post, headers: form, body: WebUITests.form([
                "csrf": csrf, "list": "national", "id": "N-1", "type": "person", "names": "", "dob": "",
            ]))
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains(#"id="form-error""#))
            let added = try await client.execute(uri: "/screening/lists/entries", method: .post, headers: form, body: WebUITests.form([
                "csrf": csrf, "list": "national", "id": "N-1", "type": "person", "names": "Dragan Kovacevic\nDragan Kovačević", "dob": "1975", "country": "RS",
            ]))
            #expect(added.status == .seeOther)
            let page = try await client.execute(uri: "/screening/lists", method: .get, headers: [.cookie: cookie])
            #expect(page.text.contains(#"data-entry="N-1""#))
            let screened = try await client.execute(uri: "/screening", method: .post, headers: form, body: WebUITests.form(["csrf": csrf, "name": "Dragan Kovacevich"]))
            #expect(screened.status == .ok)
            #expect(screened.text.contains(#"id="match-count">1<"#), "\(screened.text)")
            let removed = try await client.execute(uri: "/screening/lists/entries/removal", method: .post, headers: form, body: WebUITests.form([
                "csrf": csrf, "list": "national", "id": "N-1",
            ]))
            #expect(removed.status == .seeOther)
            let after = try await client.execute(uri: "/screening/lists", method: .get, headers: [.cookie: cookie])
            #expect(!after.text.contains(#"data-entry="N-1""#))

            let (investigatorCookie, _) = try await WebEvidenceAuditTests.signIn(client, investigator, names: names)
            let readOnly = try await client.execute(uri: "/screening/lists", method: .get, headers: [.cookie: investigatorCookie])
            #expect(readOnly.status == .ok)
            #expect(!readOnly.text.contains("/screening/lists/entries"))
        }
    }
}
