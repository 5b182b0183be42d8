import Foundation
import SQLKit
import LiaisonCore
@testable import LiaisonServer
@testable import LiaisonStore
import LiaisonTestSupport
import Testing

/// Cases through the API: opened with validation, read by their team and supervisors only, the
/// safeguards' case-link check on real cases (an unknown reference is refused, a closed case
/// allows nothing new), and the case file that gathers what was recorded under its references.
@Suite("Cases")
struct CaseTests {
    static func opening(_ reference: String? = nil, title: String = "Heroin route through the port", extra: String = "") -> String {
        let reference = reference.map { #""reference":"\#($0)","# } ?? ""
        return #"{\#(reference)"title":"\#(title)","offenceCategories":["illicit-trafficking-in-narcotic-drugs-and-psychotropic-substances"],"legalBasis":"Code of Criminal Procedure Art. 12"\#(extra)}"#
    }

    static func message(caseRef: String, subject: String = "Grey van at the port") -> String {
        LiveFederation.messageBody(to: ["XB-CUS"], subject: subject, entities: #"[{"id":"p-1","schema":"Person","properties":{"name":["Jonas Doe"]},"dataSubjectCategory":"suspect","nature":"fact"}]"#)
            .replacingOccurrences(of: #""caseRef":"XA-2026-0042""#, with: #""caseRef":"\#(caseRef)""#)
    }

    @Test("a case is opened with a generated or given reference; bad input names the field and stores nothing", arguments: Backend.available)
    func opening(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend) { federation in
            let generated = try await federation.call(0, "/api/v1/cases", method: .POST, body: Self.opening())
            #expect(generated.status == 201, "\(generated.text)")
            #expect((generated.json["reference"] as? String)?.hasPrefix("XA-2026-") == true)
            #expect(generated.json["lead"] as? String == "investigator" && generated.json["status"] as? String == "open")
            #expect(generated.json["reviewDue"] != nil)
            let given = try await federation.call(0, "/api/v1/cases", method: .POST, body: Self.opening("XA-OP-LANTERN"))
            #expect(given.status == 201 && given.json["reference"] as? String == "XA-OP-LANTERN")
            let before = try await CaseStore(database: federation.nodes[0].app.database).list().count
            let bad: [(String, String)] = [
                (Self.opening("XA-OP-LANTERN"), "already names case"),
                (Self.opening("XA 2026/1"), "reference"),
                (Self.opening(title: "x"), "title"),
                (#"{"title":"Port","offenceCategories":["shoplifting"],"legalBasis":"CCP"}"#, "offenceCategories"),
                (#"{"title":"Port","offenceCategories":[],"legalBasis":"CCP"}"#, "offenceCategories"),
                (Self.opening(extra: #","lead":"nobody""#), "lead"),
                (Self.opening(extra: #","retention":"forever""#), "retention"),
                (Self.opening(extra: #","team":["bad\u0000name"]"#), "team"),
            ]
            for (body, field) in bad {
                let reply = try await federation.call(0, "/api/v1/cases", method: .POST, body: body)
                #expect([400, 409].contains(reply.status) && (reply.json["detail"] as? String ?? "").contains(field), "\(body): \(reply.text)")
            }
            #expect(try await CaseStore(database: federation.nodes[0].app.database).list().count == before)
        }
    }

    @Test("the case-link check uses real cases: an unknown reference is refused, a closed case allows nothing new until a supervisor reopens it", arguments: Backend.available)
    func caseLinkCheck(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend) { federation in
            let messages = MessageStore(database: federation.nodes[0].app.database)
            let outbox = { try await messages.count(box: .outbox) }
            let unknown = try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.message(caseRef: "XA-2026-9999"))
            #expect(unknown.status == 403 && unknown.json["reasons"] as? [String] == ["unknown-case"], "\(unknown.text)")
            #expect(try await outbox() == 0)
            let opened = try await federation.call(0, "/api/v1/cases", method: .POST, body: Self.opening("XA-OP-HARBOUR"))
            #expect(opened.status == 201)
            #expect(try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.message(caseRef: "xa-op-harbour")).status == 201)

            let close = try await federation.call(0, "/api/v1/cases/XA-OP-HARBOUR/close", method: .POST, body: #"{"reason":"Suspects convicted; proceedings ended."}"#)
            #expect(close.status == 200 && close.json["status"] as? String == "closed" && close.json["closedBy"] as? String == "investigator")
            let closed = try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.message(caseRef: "XA-OP-HARBOUR"))
            #expect(closed.status == 403 && closed.json["reasons"] as? [String] == ["case-closed"])
            let evidence = try await federation.call(0, "/api/v1/evidence", method: .POST, body: #"""
                {"caseRef":"XA-OP-HARBOUR","description":"Folding knife","kind":"physical","collectedBy":"Sgt. Dias","collectedAt":"2026-09-20T08:00:00Z","location":"Quay 4","legalAuthority":"CCP Art. 12","purpose":"investigation"}
                """#)
            #expect(evidence.status == 409 && (evidence.json["type"] as? String)?.hasSuffix("case-closed") == true, "\(evidence.text)")
            let hit = try await federation.call(0, "/api/v1/hits/vehicle/partner-search", method: .POST, body: #"""
                {"partners":["XB-CUS"],"purpose":"investigation","legalBasis":"Council Decision 2008/615/JHA Art. 12","caseRef":"XA-OP-HARBOUR","queries":[{"reference":"Q2","vin":"WVWZZZ1JZ3W386752"}]}
                """#)
            #expect(hit.text.contains("case-closed"), "\(hit.text)")
            #expect(try await outbox() == 1)

            let reopenByInvestigator = try await federation.call(0, "/api/v1/cases/XA-OP-HARBOUR/reopen", method: .POST, body: #"{"reason":"Appeal"}"#)
            #expect(reopenByInvestigator.status == 403)
            let supervisor = try await SafeguardsTests.signIn(federation, 0, .supervisor, "sup-sam")
            let reopened = try await federation.call(0, "/api/v1/cases/XA-OP-HARBOUR/reopen", method: .POST, body: #"{"reason":"Appeal lodged; new leads."}"#, token: supervisor)
            #expect(reopened.status == 200 && reopened.json["status"] as? String == "open" && reopened.json["closedAt"] == nil)
            #expect(try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.message(caseRef: "XA-OP-HARBOUR")).status == 201)
        }
    }

    @Test("a case is read by its team and supervisors only; its lead or a supervisor changes it", arguments: Backend.available)
    func teamAccess(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend) { federation in
            let outsider = try await SafeguardsTests.signIn(federation, 0, .investigator, "inv-out")
            let member = try await SafeguardsTests.signIn(federation, 0, .analyst, "ana-team")
            let supervisor = try await SafeguardsTests.signIn(federation, 0, .supervisor, "sup-sam")
            #expect(try await federation.call(0, "/api/v1/cases", method: .POST, body: Self.opening("XA-OP-QUAY", extra: #","team":["ana-team"]"#)).status == 201)
            let refused = try await federation.call(0, "/api/v1/cases/XA-OP-QUAY", token: outsider)
            #expect(refused.status == 403 && (refused.json["detail"] as? String ?? "").contains("investigator"), "\(refused.text)")
            #expect(try await federation.call(0, "/api/v1/cases/XA-OP-QUAY/file", token: outsider).status == 403)
            #expect(try await federation.call(0, "/api/v1/cases", token: outsider).array.isEmpty)
            #expect(try await federation.call(0, "/api/v1/cases/XA-OP-QUAY", token: member).status == 200)
            #expect(try await federation.call(0, "/api/v1/cases?status=open", token: supervisor).array.contains { $0["reference"] as? String == "XA-OP-QUAY" })
            // A team member reads but does not manage; the lead adds the outsider.
            #expect(try await federation.call(0, "/api/v1/cases/XA-OP-QUAY", method: .PATCH, body: #"{"title":"Renamed"}"#, token: member).status == 403)
            let added = try await federation.call(0, "/api/v1/cases/XA-OP-QUAY", method: .PATCH, body: #"{"team":["ana-team","inv-out"]}"#)
            #expect(added.status == 200 && added.json["team"] as? [String] == ["ana-team", "inv-out"])
            #expect(try await federation.call(0, "/api/v1/cases/XA-OP-QUAY", token: outsider).status == 200)
            #expect(try await federation.call(0, "/api/v1/cases?status=sideways").status == 400)
            #expect(try await federation.call(0, "/api/v1/cases/XA-NOPE").status == 404)
        }
    }

    @Test("the case file gathers what was recorded under the case's references, partners' included, names the people, lists deadlines and searches", arguments: Backend.available)
    func caseFile(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend) { federation in
            #expect(try await federation.call(0, "/api/v1/cases", method: .POST, body: Self.opening("XA-OP-BRIDGE")).status == 201)
            let sent = try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.message(caseRef: "XA-OP-BRIDGE", subject: "Grey van at the port"))
            #expect(sent.status == 201)
            let id = try #require(sent.json["id"] as? String)
            _ = try await federation.waitFor(0, message: id) { deliveryState($0, "XB-CUS") == "delivered" }
            let file = try await federation.call(0, "/api/v1/cases/XA-OP-BRIDGE/file")
            #expect(file.status == 200, "\(file.text)")
            let entries = try #require(file.json["entries"] as? [[String: Any]])
            #expect(entries.contains { $0["what"] as? String == "Message sent" && $0["label"] as? String == "Grey van at the port — to XB-CUS" && $0["subject"] as? String == "message:\(id)" })
            let entities = try #require(file.json["entities"] as? [[String: Any]])
            #expect(entities.contains { $0["name"] as? String == "Jonas Doe" && $0["dataSubjectCategory"] as? String == "suspect" })
            #expect((file.json["deadlines"] as? [[String: Any]])?.contains { ($0["what"] as? String ?? "").contains("Review") } == true)
            #expect((try await federation.call(0, "/api/v1/cases/XA-OP-BRIDGE/file?q=jonas").json["entries"] as? [[String: Any]])?.count == 1)
            #expect((try await federation.call(0, "/api/v1/cases/XA-OP-BRIDGE/file?q=nothing-like-this").json["entries"] as? [[String: Any]])?.isEmpty == true)
            #expect(try await federation.call(0, "/api/v1/cases/XA-OP-BRIDGE/file?limit=0").status == 400)
            let reads = try await AuditStore(database: federation.nodes[0].app.database).allEvents().filter { $0.operation == .caseRead }
            #expect(reads.count >= 3)

            // The receiving agency's own case names the sender's reference: the message joins it.
            let partnerCase = try await federation.call(1, "/api/v1/cases", method: .POST, body: Self.opening("XB-2026-0007", extra: #","partnerReferences":["XA-OP-BRIDGE"]"#))
            #expect(partnerCase.status == 201, "\(partnerCase.text)")
            let received = try await federation.call(1, "/api/v1/cases/XB-2026-0007/file")
            let receivedEntries = try #require(received.json["entries"] as? [[String: Any]])
            #expect(receivedEntries.contains { $0["what"] as? String == "Message received" && $0["reference"] as? String == "xa-op-bridge" })
            #expect(receivedEntries.contains { $0["what"] as? String == "Case opened" })
        }
    }
}

extension CaseTests {
    @Test("the case page shows the history 500 entries at a time, newest first, with links to older and newer pages", arguments: Backend.available)
    func historyPages(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend) { federation in
            #expect(try await federation.call(0, "/api/v1/cases", method: .POST, body: Self.opening("XA-OP-LONG")).status == 201)
            // 620 searches recorded under the case (inserted as the audit store would).
            let database = try federation.nodes[0].app.database.database
            let start = federation.nodes[0].clock.now()
            for batch in 0..<31 {
                let rows = (0..<20).map { index -> String in
                    let number = batch * 20 + index
                    return "('xa-op-long', '\(ISO8601DateFormatter().string(from: start.addingTimeInterval(Double(number + 1))))', 'hit.search', 'success', 'user:ivy', 'hit-search:\(number)')"
                }
                try await database.sql.raw(SQLQueryString("INSERT INTO case_links (case_key, at, operation, outcome, actor, subject) VALUES " + rows.joined(separator: ", "))).run()
            }
            let rowCount = { (text: String) in text.components(separatedBy: "<tr><td data-label=").count - 1 }
            let first = try await federation.call(0, "/cases/XA-OP-LONG")
            #expect(first.status == 200 && rowCount(first.text) == 500, "\(rowCount(first.text))")
            #expect(first.text.contains("id=\"history-older\"") && !first.text.contains("id=\"history-newer\""))
            #expect(first.text.contains("hit-search:619") && !first.text.contains("hit-search:100<"))
            let second = try await federation.call(0, "/cases/XA-OP-LONG?page=1")
            #expect(rowCount(second.text) == 121 && second.text.contains("id=\"history-newer\"") && !second.text.contains("id=\"history-older\""), "\(rowCount(second.text))")
            #expect(second.text.contains("hit-search:0<") || second.text.contains("hit-search:0 "))
            #expect(try await federation.call(0, "/cases/XA-OP-LONG?page=banana").status == 200)
        }
    }
}

@Suite("Case file JSON")
struct CaseFileJSONTests {
    @Test("the case file written directly is byte for byte what JSONEncoder writes")
    func sameAsEncoder() throws {
        let now = Date(timeIntervalSince1970: 1_790_000_123.75)
        var item = Case(reference: "XA-2026-0042", title: "Grey van / tobacco \"route\"", offenceCategories: [.fraud], lead: "ines", legalBasis: "CCP Art. 8",
                        partnerReferences: ["XB/2026/77"], openedBy: "ines", openedAt: now)
        item.summary = "Ünïcode ✓ and a line\nbreak"
        let file = CaseFile(
            case: item, id: "case-1",
            entries: [
                .init(at: now, operation: "message.send", what: "Message sent", actor: "user:ines", subject: "message:1", label: "Grey van — to XB-CUS", state: nil, due: nil, reference: "xa-2026-0042"),
                .init(at: now.addingTimeInterval(-60), operation: "approval.request", what: "Approval requested", actor: "user:ana", subject: "approval:2", label: "Tip \\ with / slash", state: "pending", due: now.addingTimeInterval(3600), reference: "xb/2026/77"),
                .init(at: now, operation: "case.open", what: "Case opened", actor: "user:ines", subject: nil, label: nil, state: nil, due: nil, reference: "xa-2026-0042"),
            ],
            entities: [.init(schema: "Person", name: "Jonas Doe", dataSubjectCategory: "suspect", messages: ["message:1"]),
                       .init(schema: "Company", name: "Ö'Brien / \"Atlas\" Ltd", dataSubjectCategory: "other", messages: ["message:1", "message:9"])],
            deadlines: [.init(due: now, what: "Review", subject: nil, overdue: false)], truncated: true
        )
        #expect(try file.json() == JSON.encoder.encode(file))
        let empty = CaseFile(case: item, id: "case-2", entries: [], entities: [], deadlines: [], truncated: false)
        #expect(try empty.json() == JSON.encoder.encode(empty))
    }
}

@Suite("Dates on the pages")
struct PageDateTests {
    @Test("the pages' direct date writing equals Foundation's ISO 8601 formatting, days included")
    func sameAsFoundation() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let date = Date(timeIntervalSince1970: Double.random(in: -2_000_000_000...4_000_000_000, using: &generator))
            #expect(CasePages.iso(date) == date.formatted(.iso8601))
            #expect(CasePages.day(date) == date.formatted(Date.ISO8601FormatStyle().year().month().day()))
        }
    }
}
