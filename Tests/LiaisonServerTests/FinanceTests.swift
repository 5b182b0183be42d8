import AsyncHTTPClient
import Foundation
import LiaisonCore
import LiaisonMatching
@testable import LiaisonServer
@testable import LiaisonStore
import LiaisonTestSupport
import NIOCore
import Testing

/// Financial investigation through the API: a case's bank records imported whole or not at all,
/// funds traced and exported, typologies scanned and each alert decided by a person.
@Suite("Financial investigation")
struct FinanceTests {
    static func transactions(_ federation: LiveFederation, _ reference: String) async throws -> Int {
        try await FinanceStore(database: federation.nodes[0].app.database).count(case: reference)
    }

    @Test("the demo's statements import once, trace across borders, and the scan finds the cycle and the scatter-gather", arguments: Backend.available)
    func workflow(backend: Backend) async throws {
        try await LiveFederation.run(codes: ["XA-POL"], backend: backend) { federation in
            let opened = try await federation.call(0, "/api/v1/cases", method: .POST, body: CaseTests.opening("XA-OP-LEDGER"))
            #expect(opened.status == 201, "\(opened.text)")
            let base = "/api/v1/cases/XA-OP-LEDGER/finance"
            let file = DemoFederation.financeDemoCSV()
            let rows = file.split(separator: "\n").count - 1
            let first = try await federation.call(0, base + "/imports?name=statements.csv", method: .POST, body: file)
            #expect(first.status == 201 && first.json["added"] as? Int == rows, "\(first.text)")
            let again = try await federation.call(0, base + "/imports?name=statements.csv", method: .POST, body: file)
            #expect(again.json["added"] as? Int == 0 && again.json["alreadyPresent"] as? Int == rows, "\(again.text)")

            // A bad file: every bad line named, nothing added.
            let bad = "id,debtor,creditor,amount,currency,date\nDEMO-00001,XA00ALDB000004711037,XB00BORS0000047,1.00,EUR,2026-03-01\nN-2,DE89370400440532013000,NL91ABNA0417164300,1.005,EUR,2026-03-01\nN-3,DE89370400440532013000,NL91ABNA0417164300,1.00,ZZZ,2026-03-01\n"
            let refused = try await federation.call(0, base + "/imports?name=bad.csv", method: .POST, body: bad)
            let lines = refused.json["errors"] as? [String] ?? []
            #expect(refused.status == 400 && lines.count == 3, "\(refused.text)")
            #expect(lines.contains { $0.hasPrefix("line 3:") && $0.contains("decimals") } && lines.contains { $0.hasPrefix("line 4:") && $0.contains("ISO 4217") })
            #expect(try await Self.transactions(federation, "XA-OP-LEDGER") == rows)
            let unknownCase = try await federation.call(0, "/api/v1/cases/XA-NOPE/finance/imports", method: .POST, body: file)
            #expect(unknownCase.status == 404, "\(unknownCase.text)")

            // Forward from the smuggler's firm: the money reaches the Calderan shell, across borders.
            let ledger = try await federation.call(0, base + "/transactions?limit=10")
            let accounts = ledger.json["accounts"] as? [[String: Any]] ?? []
            let smuggler = try #require(accounts.first { $0["holder"] as? String == "Aldorian Tobacco Wholesale" }?["identifier"] as? String)
            let trace = try await federation.call(
                0, base + "/trace", method: .POST, body: #"{"account":"\#(smuggler)","direction":"forward","method":"fifo","depth":3}"#)
            #expect(trace.status == 200, "\(trace.text)")
            let ends = (trace.json["endPoints"] as? [[String: Any]] ?? []).compactMap { ($0["account"] as? [String: Any])?["holder"] as? String }
            #expect(ends.contains("Meridian Capital Ltd"), "\(ends)")
            #expect(Set(trace.json["jurisdictions"] as? [String] ?? []).isSuperset(of: ["XA", "XB", "XC"]))
            let csv = try await federation.call(0, base + "/trace?format=csv", method: .POST, body: #"{"account":"\#(smuggler)","depth":3}"#)
            #expect(csv.text.hasPrefix("depth,date,transaction,debtor") && csv.text.contains("yes"))
            let ftm = try await federation.call(0, base + "/trace?format=ftm", method: .POST, body: #"{"account":"\#(smuggler)","depth":3}"#)
            let schemas = ftm.text.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["schema"] as? String
            }
            #expect(Set(schemas) == ["BankAccount", "Payment"])
            let dossier = try await federation.call(0, base + "/trace?format=pdf", method: .POST, body: #"{"account":"\#(smuggler)","depth":3}"#)
            #expect(dossier.status == 200 && dossier.text.hasPrefix("%PDF-") && dossier.headers.contains { $0.0.lowercased() == "content-type" && $0.1 == "application/pdf" })
            for (body, fragment) in [
                (#"{"direction":"forward"}"#, "either an account or a transaction"), (#"{"account":"\#(smuggler)","method":"average"}"#, "method"),
                (#"{"account":"\#(smuggler)","depth":99}"#, "depth"), (#"{"account":"XX00 0000"}"#, "no account"),
                (#"{"account":"\#(smuggler)","direction":"backward","method":"libr"}"#, "lowest intermediate balance"),
            ] {
                let reply = try await federation.call(0, base + "/trace", method: .POST, body: body)
                #expect(reply.status == 400 && (reply.json["detail"] as? String ?? "").contains(fragment), "\(body): \(reply.text)")
            }

            // The scan raises the planted patterns once; each waits for a person.
            let scan = try await federation.call(0, base + "/scan", method: .POST, body: "{}")
            let raised = scan.json["raised"] as? [[String: Any]] ?? []
            let typologies = Set(raised.compactMap { ($0["alert"] as? [String: Any])?["typology"] as? String })
            #expect(typologies.isSuperset(of: ["cycle", "scatter-gather"]), "\(typologies)")
            let rescan = try await federation.call(0, base + "/scan", method: .POST, body: "{}")
            #expect((rescan.json["raised"] as? [Any])?.isEmpty == true)
            let cycle = try #require(raised.first { ($0["alert"] as? [String: Any])?["typology"] as? String == "cycle" }?["id"] as? String)
            let noReason = try await federation.call(0, base + "/alerts/\(cycle)/decision", method: .POST, body: #"{"decision":"confirm","reason":" "}"#)
            #expect(noReason.status == 400)
            let confirmed = try await federation.call(0, base + "/alerts/\(cycle)/decision", method: .POST, body: #"{"decision":"confirm","reason":"Three firms of one owner; reported to the FIU."}"#)
            #expect(confirmed.status == 200 && confirmed.json["status"] as? String == "confirmed" && confirmed.json["decidedBy"] as? String != nil, "\(confirmed.text)")
            let twice = try await federation.call(0, base + "/alerts/\(cycle)/decision", method: .POST, body: #"{"decision":"dismiss","reason":"changed my mind"}"#)
            #expect(twice.status == 409)
            let list = try await federation.call(0, base + "/alerts")
            #expect(list.array.first?["status"] as? String == "pending" && list.array.contains { $0["status"] as? String == "confirmed" })

            // Every step is in the audit log.
            let operations = try await AuditStore(database: federation.nodes[0].app.database)
                .events(from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSinceNow: 86_400 * 3_650)).map(\.event.operation)
            for operation in [AuditOperation.financeImported, .financeTraced, .financeScanned, .alertReviewed] {
                #expect(operations.contains(operation), "\(operation)")
            }
        }
    }

    @Test("statements a partner returns as an attachment import into the case from the message, once; a missing attachment is named")
    func statementsFromMessage() async throws {
        try await LiveFederation.run { federation in
            let opened = try await federation.call(0, "/api/v1/cases", method: .POST, body: CaseTests.opening("XA-2026-0042"))
            #expect(opened.status == 201 || opened.status == 409, "\(opened.text)")  // the federation may have opened it already
            // XB-CUS answers the request with the account's statements attached.
            let statements = "id,debtor,creditor,amount,currency,date\nXB-1,NL91ABNA0417164300,DE89370400440532013000,9500.00,EUR,2026-03-02\nXB-2,NL91ABNA0417164300,BE68539007547034,4100.00,EUR,2026-03-03\n"
            var upload = HTTPClientRequest(url: federation.url(1, "/api/v1/attachments?name=statements-NL91.csv"))
            upload.method = .POST
            upload.headers.add(name: "Authorization", value: "Bearer \(federation.tokens["XB-CUS"]!)")
            upload.headers.add(name: "Content-Type", value: "text/csv")
            upload.body = .bytes(ByteBuffer(string: statements))
            let uploaded = try await federation.http.execute(upload, timeout: .seconds(10))
            let stored = try JSONSerialization.jsonObject(with: Data((try await uploaded.body.collect(upTo: 1 << 16)).readableBytesView)) as? [String: Any]
            let sha = try #require(stored?["sha256"] as? String)
            let body = LiveFederation.messageBody(to: ["XA-POL"], subject: "Statements of NL91ABNA0417164300").replacingOccurrences(
                of: #""caseRef""#, with: #""attachments":[{"sha256":"\#(sha)","name":"statements-NL91.csv","mediaType":"text/csv"}],"caseRef""#)
            let sent = try await federation.call(1, "/api/v1/messages", method: .POST, body: body)
            #expect(sent.status == 201, "\(sent.text)")
            let id = try #require(sent.json["id"] as? String)
            _ = try await federation.waitFor(1, message: id) { deliveryState($0, "XA-POL") == "delivered" }

            let path = "/api/v1/cases/XA-2026-0042/finance/imports/from-message"
            let imported = try await federation.call(0, path, method: .POST, body: #"{"message":"\#(id)","attachment":"statements-NL91.csv"}"#)
            #expect(imported.status == 201 && imported.json["added"] as? Int == 2, "\(imported.text)")
            #expect((imported.json["fileName"] as? String)?.contains(id) == true)
            let again = try await federation.call(0, path, method: .POST, body: #"{"message":"\#(id)","attachment":"\#(sha)"}"#)
            #expect(again.json["added"] as? Int == 0 && again.json["alreadyPresent"] as? Int == 2, "\(again.text)")
            #expect(try await Self.transactions(federation, "XA-2026-0042") == 2)
            let missing = try await federation.call(0, path, method: .POST, body: #"{"message":"\#(id)","attachment":"other.csv"}"#)
            #expect(missing.status == 404 && missing.text.contains("other.csv"), "\(missing.text)")
            let noMessage = try await federation.call(0, path, method: .POST, body: #"{"message":"nope","attachment":"other.csv"}"#)
            #expect(noMessage.status == 404, "\(noMessage.text)")
            #expect(try await Self.transactions(federation, "XA-2026-0042") == 2)
        }
    }

}

@Suite("Typology parameters of a node")
struct TypologyParameterFileTests {
    @Test("finance-typologies.json in the node's directory changes what it names; a bad one stops the start with its path")
    func file() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-typologies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try TypologyParameters.load(nodeDirectory: directory, fallback: .init()) == TypologyParameters())
        let url = directory.appendingPathComponent("finance-typologies.json")
        try Data(#"{"windowDays": 21}"#.utf8).write(to: url)
        #expect(try TypologyParameters.load(nodeDirectory: directory, fallback: .init()).windowDays == 21)
        for bad in [#"{"windowDays": 0}"#, #"{"windowDays": "ten"}"#, "not json"] {
            try Data(bad.utf8).write(to: url)
            let error = #expect(throws: LiaisonError.self) { try TypologyParameters.load(nodeDirectory: directory, fallback: .init()) }
            #expect(error?.message.contains("finance-typologies.json") == true, "\(bad)")
        }
    }
}
