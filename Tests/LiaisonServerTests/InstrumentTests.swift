import AsyncHTTPClient
import Foundation
import LiaisonCore
import LiaisonCrypto
@testable import LiaisonServer
import LiaisonStore
import LiaisonTestSupport
import Testing

/// Judicial instruments between two live nodes: a prosecutor's office in Caldera (XC-PRO) issues
/// a European Investigation Order for bank records to the customs of Borvia (XB-CUS), which the
/// bundled directory names as Borvia's executing authority.
@Suite("Judicial instruments between nodes")
struct InstrumentTests {
    /// An EIO for bank records (H4) with every mandatory section.
    static func eio(language: String = "en", dropping section: String? = nil) -> String {
        var sections: [String: Any] = [
            "A": ["issuingState": "XC", "executingState": "XB"],
            "B": ["urgent": "yes", "urgencyReasons": "The accounts are being emptied."],
            "C": ["measures": ["H4-bank-accounts", "documents"], "description": "Identify the accounts held by the suspect and obtain their statements."],
            "E": [["type": "natural", "name": "Jonas Doe", "dateOfBirth": "1984-03-02", "nationality": "XA", "status": "suspect"]],
            "F": ["proceedings": "criminal"],
            "G": ["facts": "Proceeds of cigarette smuggling were paid into Borvian accounts between March and October 2026.",
                  "legalClassification": "Money laundering, Caldera Criminal Code s. 261", "offenceCategory": "laundering-of-the-proceeds-of-crime",
                  "maximumPenaltyMonths": 120],
            "H4": ["holder": "Jonas Doe", "institutions": ["Borvia Savings Bank"], "reasons": "Payments from the smuggling network reached these accounts."],
            "K": ["kind": "prosecutor", "name": "Caldera Public Prosecutor's Office", "officer": "Public Prosecutor K. Weber", "date": "2026-12-01"],
        ]
        if let section { sections[section] = nil }
        let body: [String: Any] = ["kind": "eio", "document": ["form": "eio", "language": language, "sections": sections]]
        return String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self)  // checked: a literal dictionary of JSON types
    }

    static let prosecution = Agreement(
        id: "AGR-JUDICIAL", parties: ["XC-PRO", "XB-CUS"], legalBasis: "Directive 2014/41/EU", purposes: ["prosecution"],
        dataCategories: [.message, .person, .evidence], dataSubjectCategories: [.suspect], hitNoHitOnly: false,
        validFrom: ISO8601DateFormatter().date(from: "2026-01-01T00:00:00Z")!, validUntil: ISO8601DateFormatter().date(from: "2027-01-01T00:00:00Z")!,  // checked: literal dates
        impactAssessmentRef: "HRIA-JUDICIAL"
    )

    @Test("an EIO drafted by the police, validated by a prosecutor, transmitted, acknowledged, extended, recognised, executed and closed across two nodes", arguments: Backend.available)
    func eioLifeCycle(backend: Backend) async throws {
        try await LiveFederation.run(codes: ["XC-PRO", "XB-CUS"], backend: backend, configure: { $0.checkpointInterval = .milliseconds(300) }) { federation in
            for node in federation.nodes { try await FederationStore(database: node.app.database).addAgreement(Self.prosecution, at: node.clock.now()) }
            func user(_ index: Int, _ role: Role) async throws -> String {
                let user = try await federation.nodes[index].addUser(role)
                return try await federation.token(index, user.username, user.password)
            }
            let police = try #require(federation.tokens["XC-PRO"])
            let judge = try await user(0, .judicialAuthority)
            let desk = try await user(0, .liaisonOfficer)
            let borvian = try await federation.nodes[1].addUser(.judicialAuthority)
            var executing = try await federation.token(1, borvian.username, borvian.password)

            // A missing mandatory section: 400 naming it, nothing stored.
            let missing = try await federation.call(0, "/api/v1/instruments", method: .POST, body: Self.eio(dropping: "G"), token: .some(police))
            #expect(missing.status == 400 && missing.text.contains("section G: missing"), "\(missing.text)")
            // A language Borvia does not accept: 422 naming the ones it does.
            let german = try await federation.call(0, "/api/v1/instruments", method: .POST, body: Self.eio(language: "de"), token: .some(police))
            #expect(german.status == 422 && german.text.contains("en, fi"), "\(german.text)")
            #expect(try await federation.call(0, "/api/v1/instruments", token: .some(judge)).array.isEmpty)

            let drafted = try await federation.call(0, "/api/v1/instruments", method: .POST, body: Self.eio(), token: .some(police))
            #expect(drafted.status == 201, "\(drafted.text)")
            let instrument = try #require(drafted.json["instrument"] as? [String: Any])
            let id = try #require(instrument["id"] as? String)
            #expect(instrument["executor"] as? String == "XB-CUS" && instrument["state"] as? String == "draft")
            #expect((drafted.json["offence"] as? [String: Any])?["dualCriminalityCheck"] as? Bool == false)
            func step(_ index: Int, _ action: String, _ token: String, extra: String = "") async throws -> LiveFederation.Reply {
                try await federation.call(index, "/api/v1/instruments/\(id)/steps", method: .POST, body: #"{"action":"\#(action)"\#(extra)}"#, token: .some(token))
            }

            // Not before a judicial authority validated it; not validated by the police.
            let early = try await step(0, "transmit", desk)
            #expect(early.status == 422 && early.text.contains("validates"), "\(early.text)")
            #expect(try await step(0, "validate", police).status == 403)
            let validated = try await step(0, "validate", judge)
            #expect(validated.status == 200, "\(validated.text)")
            let sectionL = ((validated.json["instrument"] as? [String: Any])?["document"] as? [String: Any]).flatMap { ($0["sections"] as? [String: Any])?["L"] as? [[String: Any]] }
            #expect(sectionL?.first?["name"] as? String == "Caldera Public Prosecutor's Office, International Cooperation" || sectionL?.first?["officer"] != nil, "\(validated.text)")
            let transmitted = try await step(0, "transmit", desk)
            #expect(transmitted.status == 200, "\(transmitted.text)")

            // Borvia receives it: clocks under its calendar, the acknowledgement due first.
            var incoming: [String: Any] = [:]
            try await eventually("Borvia holds the EIO", advancing: federation.clocks, by: 0.2) {
                let reply = try await federation.call(1, "/api/v1/instruments/\(id)", token: .some(executing))
                incoming = reply.json["instrument"] as? [String: Any] ?? [:]
                return reply.status == 200
            }
            #expect(incoming["direction"] as? String == "incoming" && incoming["state"] as? String == "received")
            let clocks = (incoming["clocks"] as? [[String: Any]])?.compactMap { ($0["reading"] as? [String: Any])?["clock"] as? String }
            #expect(clocks == ["eio-acknowledgement", "eio-recognition", "eio-provisional-measures"])
            let register = try await federation.call(1, "/api/v1/instruments?direction=incoming&due=week", token: .some(executing))
            #expect(register.array.map { $0["reference"] as? String } == [instrument["reference"] as? String], "\(register.text)")
            // Within a minute the issuer sees it received, with Borvia's clocks.
            try await eventually("the issuer sees the EIO received", advancing: federation.clocks, by: 2) {
                let mirror = try await federation.call(0, "/api/v1/instruments/\(id)", token: .some(judge)).json["instrument"] as? [String: Any] ?? [:]
                return mirror["state"] as? String == "received" && (mirror["clocks"] as? [Any])?.count == 3
            }

            // Out of order: 409 naming where it stands; a refusal on a ground needing consultation: 422.
            let outOfOrder = try await step(1, "recognise", executing)
            #expect(outOfOrder.status == 409 && outOfOrder.text.contains("received"), "\(outOfOrder.text)")
            #expect(try await step(1, "acknowledge", executing).status == 200)
            let unconsulted = try await step(1, "refuse", executing, extra: #","ground":"eio-11-1-a","reason":"Banking secrecy of a privileged profession""#)
            #expect(unconsulted.status == 422 && unconsulted.text.contains("consult"), "\(unconsulted.text)")
            let extended = try await federation.call(1, "/api/v1/instruments/\(id)/extensions", method: .POST,
                                                     body: #"{"clock":"eio-recognition","amount":30,"unit":"days","reason":"Records held by three banks"}"#, token: .some(executing))
            #expect(extended.status == 200, "\(extended.text)")

            // The issuer sees the acknowledgement (Annex B) and the extension with its reason.
            try await eventually("the issuer sees the acknowledgement and the extension", advancing: federation.clocks, by: 0.2) {
                let reply = try await federation.call(0, "/api/v1/instruments/\(id)", token: .some(judge))
                let mirror = reply.json["instrument"] as? [String: Any] ?? [:]
                let reasons = (mirror["clocks"] as? [[String: Any]])?.compactMap { ($0["reading"] as? [String: Any])?["extensionReason"] as? String } ?? []
                return mirror["state"] as? String == "acknowledged" && mirror["acknowledgement"] != nil && reasons == ["Records held by three banks"]
            }
            // The issuer amends the form with a reason; Borvia holds the amended form.
            var amended = try #require(try JSONSerialization.jsonObject(with: Data(Self.eio().utf8)) as? [String: Any])
            var document = try #require(amended["document"] as? [String: Any])
            var sections = try #require(document["sections"] as? [String: Any])
            sections["C"] = ["measures": ["H4-bank-accounts", "documents"], "description": "Statements from March 2026 on, and the account opening documents."]
            document["sections"] = sections
            amended = ["document": document]
            let noReason = try await federation.call(0, "/api/v1/instruments/\(id)/document", method: .PUT,
                                                     body: String(decoding: try JSONSerialization.data(withJSONObject: amended), as: UTF8.self), token: .some(judge))
            #expect(noReason.status == 422, "\(noReason.text)")
            amended["reason"] = "The account opening documents are needed too."
            let amendment = try await federation.call(0, "/api/v1/instruments/\(id)/document", method: .PUT,
                                                      body: String(decoding: try JSONSerialization.data(withJSONObject: amended), as: UTF8.self), token: .some(judge))
            #expect(amendment.status == 200, "\(amendment.text)")
            try await eventually("Borvia holds the amended form", advancing: federation.clocks, by: 0.2) {
                let reply = try await federation.call(1, "/api/v1/instruments/\(id)", token: .some(executing))
                return reply.text.contains("account opening documents are needed") && reply.text.contains("Statements from March 2026 on")
            }
            #expect(try await step(1, "recognise", executing).status == 200)
            #expect(try await step(1, "execute", executing).status == 200)
            // Results measure by measure; the bank statements travel as evidence with their chain of custody.
            let registered = try await federation.call(1, "/api/v1/evidence", method: .POST, body: EvidenceTests.registration, token: .some(executing))
            #expect(registered.status == 201, "\(registered.text)")
            let item = try #require((registered.json["item"] as? [String: Any])?["id"] as? String)
            #expect(try await federation.call(1, "/api/v1/evidence/\(item)/content?name=statements.csv", method: .PUT, body: "date,amount\n2026-03-02,9500.00\n", token: .some(executing)).status == 200)
            let unasked = try await step(1, "return-results", executing, extra: #","results":[{"measure":"H8-interception","summary":"Nothing"}]"#)
            #expect(unasked.status == 400 && unasked.text.contains("H4-bank-accounts"), "\(unasked.text)")
            let returned = try await step(1, "return-results", executing,
                                          extra: #","results":[{"measure":"H4-bank-accounts","summary":"Statements of two accounts, March to October 2026","evidence":["\#(item)"]}]"#)
            #expect(returned.status == 200, "\(returned.text)")
            try await eventually("the issuer sees the results returned", advancing: federation.clocks, by: 0.2) {
                let reply = try await federation.call(0, "/api/v1/instruments/\(id)", token: .some(judge))
                return (reply.json["instrument"] as? [String: Any])?["state"] as? String == "results-returned"
            }
            // What was asked against what came back, and the evidence at the issuer with its chain continued there.
            let view = try await federation.call(0, "/api/v1/instruments/\(id)", token: .some(judge)).json
            let results = view["results"] as? [[String: Any]] ?? []
            #expect(results.map { $0["measure"] as? String } == ["H4-bank-accounts", "documents"], "\(results)")
            let bank = ((results.first?["returned"] as? [[String: Any]])?.first)
            #expect(bank?["evidence"] as? [String] == [item] && (results.last?["returned"] as? [Any])?.isEmpty == true)
            var custody: [[String: Any]] = []
            try await eventually("the evidence arrives at the issuer", advancing: federation.clocks, by: 0.2) {
                let reply = try await federation.call(0, "/api/v1/evidence/\(item)", token: .some(judge))
                custody = reply.json["custody"] as? [[String: Any]] ?? []
                return reply.status == 200
            }
            #expect(custody.map { $0["action"] as? String }.suffix(2) == ["transferred", "received"] && custody.last?["node"] as? String == "XC-PRO", "\(custody)")
            // The issuer's evidence package verifies as `liaison verify` checks it: both agencies' parts, each proved by its own log.
            var report: EvidencePackageVerifier.Report?
            try await eventually("the issuer's evidence package verifies", advancing: federation.clocks, by: 0.3) {
                var request = HTTPClientRequest(url: federation.url(0, "/api/v1/evidence/\(item)/package"))
                request.headers.add(name: "Authorization", value: "Bearer \(judge)")
                let response = try await federation.http.execute(request, timeout: .seconds(30))
                let package = Data(buffer: try await response.body.collect(upTo: 10 << 20))
                guard response.status.code == 200 else { return false }
                report = EvidencePackageVerifier.verify(package)
                return report?.passed == true
            }
            #expect(report?.checks.contains { $0.name == "checkpoint of liaison/XB-CUS/audit" && $0.passed } == true, "\(report?.text ?? "")")
            #expect(try await step(0, "close", judge).status == 200)
            try await eventually("the executor sees it closed", advancing: federation.clocks, by: 0.2) {
                let reply = try await federation.call(1, "/api/v1/instruments/\(id)", token: .some(executing))
                return (reply.json["instrument"] as? [String: Any])?["state"] as? String == "closed"
            }
            // Every step on both sides, in order, on both nodes.
            for index in [0, 1] {
                let reply = try await federation.call(index, "/api/v1/instruments/\(id)", token: .some(index == 0 ? judge : executing))
                let history = ((reply.json["instrument"] as? [String: Any])?["history"] as? [[String: Any]])?.compactMap { $0["action"] as? String }
                #expect(history == ["validate", "transmit", "receive", "acknowledge", "amend", "recognise", "execute", "return-results", "close"], "node \(index)")
            }
            // A step of the other side is refused here.
            let wrongSide = try await step(0, "acknowledge", judge)
            #expect(wrongSide.status == 409, "\(wrongSide.text)")

            // A second, urgent EIO left unanswered: its 24-hour provisional-measures clock passes at
            // Borvia, which escalates it once (audited, on the dashboard's reminders).
            let second = try await federation.call(0, "/api/v1/instruments", method: .POST, body: Self.eio(), token: .some(judge))
            let secondID = try #require((second.json["instrument"] as? [String: Any])?["id"] as? String)
            for action in ["validate", "transmit"] {
                let reply = try await federation.call(0, "/api/v1/instruments/\(secondID)/steps", method: .POST, body: #"{"action":"\#(action)"}"#, token: .some(judge))
                #expect(reply.status == 200, "\(action): \(reply.text)")
            }
            try await eventually("Borvia holds the second EIO", advancing: federation.clocks, by: 0.2) {
                try await federation.call(1, "/api/v1/instruments/\(secondID)", token: .some(executing)).status == 200
            }
            var reminders: [[String: Any]] = []
            try await eventually("the provisional-measures deadline is escalated", advancing: [federation.clocks[1]], by: 3_600) {
                // Hours pass at Borvia: sign in again each time (tokens expire).
                executing = try await federation.token(1, borvian.username, borvian.password)
                reminders = try await federation.call(1, "/api/v1/instruments/reminders", token: .some(executing)).array
                let statistics = try await federation.call(1, "/api/v1/instruments/statistics", token: .some(executing)).json
                let rows = statistics["rows"] as? [[String: Any]] ?? []
                return (rows.first?["deadlinesMissed"] as? [String: Int])?["eio-provisional-measures"] == 1
            }
            #expect(reminders.contains { $0["clock"] as? String == "eio-provisional-measures" && $0["overdue"] as? Bool == true }, "\(reminders)")
            // Caldera's clock catches up with Borvia's (a message from a day ahead is not believed).
            federation.clocks[0].advance(by: federation.clocks[1].now().timeIntervalSince(federation.clocks[0].now()))
            // Borvia gives the reason for the delay; Caldera receives it with the step.
            let unexplained = try await federation.call(1, "/api/v1/instruments/\(secondID)/steps", method: .POST, body: #"{"action":"explain-delay"}"#, token: .some(executing))
            #expect(unexplained.status == 422, "\(unexplained.text)")
            let explained = try await federation.call(1, "/api/v1/instruments/\(secondID)/steps", method: .POST,
                                                      body: #"{"action":"explain-delay","reason":"The bank answers only through its head office abroad."}"#, token: .some(executing))
            #expect(explained.status == 200, "\(explained.text)")
            let secondJudge = try await federation.nodes[0].addUser(.judicialAuthority, username: "judge-two")
            let judgeNow = try await federation.token(0, secondJudge.username, secondJudge.password)
            try await eventually("Caldera receives the reason for the delay", advancing: federation.clocks, by: 0.2) {
                let mirror = try await federation.call(0, "/api/v1/instruments/\(secondID)", token: .some(judgeNow)).json["instrument"] as? [String: Any] ?? [:]
                return (mirror["history"] as? [[String: Any]] ?? []).contains { $0["action"] as? String == "explain-delay" && ($0["reason"] as? String)?.contains("head office") == true }
            }
            // With no deadline passed there is nothing to explain.
            let nothingLate = try await federation.call(1, "/api/v1/instruments/\(id)/steps", method: .POST, body: #"{"action":"explain-delay","reason":"Nothing is late here."}"#, token: .some(executing))
            #expect(nothingLate.status == 409, "\(nothingLate.text)")

            // The statistics equal what was done, on each side, from the audit log alone.
            for (index, token, direction, partner) in [(0, judgeNow, "outgoing", "XB-CUS"), (1, executing, "incoming", "XC-PRO")] {
                let statistics = try await federation.call(index, "/api/v1/instruments/statistics", token: .some(token)).json
                let rows = statistics["rows"] as? [[String: Any]] ?? []
                let text = try await federation.call(index, "/api/v1/instruments/statistics", token: .some(token)).text
                #expect(rows.count == 1, "node \(index): \(text)")
                let row = try #require(rows.first)
                #expect(row["kind"] as? String == "eio" && row["direction"] as? String == direction && row["partner"] as? String == partner)
                #expect(row["instruments"] as? Int == 2 && row["acknowledged"] as? Int == 1 && row["recognised"] as? Int == 1 && row["executed"] as? Int == 1 && row["refused"] as? Int == 0, "node \(index): \(row)")
                #expect((row["toRecognition"] as? [String: Any])?["count"] as? Int == 1)
            }
        }
    }

    @Test("an arrest warrant to an authority that requires a certified translation: refused without one, transmitted with it, and readable at the executing node")
    func certifiedTranslation() async throws {
        try await LiveFederation.run(codes: ["XC-PRO", "XA-POL"]) { federation in
            let agreement = Agreement(
                id: "AGR-EAW", parties: ["XC-PRO", "XA-POL"], legalBasis: "FD 2002/584/JHA", purposes: ["prosecution"], dataCategories: [.message, .person],
                dataSubjectCategories: [.suspect], hitNoHitOnly: false, validFrom: Self.prosecution.validFrom, validUntil: Self.prosecution.validUntil, impactAssessmentRef: "HRIA-EAW"
            )
            for node in federation.nodes { try await FederationStore(database: node.app.database).addAgreement(agreement, at: node.clock.now()) }
            let judgeUser = try await federation.nodes[0].addUser(.judicialAuthority)
            let judge = try await federation.token(0, judgeUser.username, judgeUser.password)
            let courtUser = try await federation.nodes[1].addUser(.judicialAuthority)
            let court = try await federation.token(1, courtUser.username, courtUser.password)
            let eaw = #"{"kind":"eaw","executor":"XA-POL","document":{"form":"eaw","language":"en","sections":{"a":{"name":"DOE","forenames":"Jonas","dateOfBirth":"1984-03-02"},"b":{"arrestWarrant":"XC-IJ-2026-0031"},"c":{"purpose":"prosecution","maximumPenaltyMonths":120},"d":{"appearedInPerson":"yes"},"e":{"offences":1,"facts":"Laundering of smuggling proceeds.","legalClassification":"Money laundering"},"i":{"kind":"investigating-judge","name":"Caldera investigating judges","officer":"Judge Weber","date":"2026-09-01"}}}}"#
            let drafted = try await federation.call(0, "/api/v1/instruments", method: .POST, body: eaw, token: .some(judge))
            #expect(drafted.status == 201, "\(drafted.text)")
            let id = try #require((drafted.json["instrument"] as? [String: Any])?["id"] as? String)
            #expect(try await federation.call(0, "/api/v1/instruments/\(id)/steps", method: .POST, body: #"{"action":"validate"}"#, token: .some(judge)).status == 200)
            let bare = try await federation.call(0, "/api/v1/instruments/\(id)/steps", method: .POST, body: #"{"action":"transmit"}"#, token: .some(judge))
            #expect(bare.status == 422 && bare.text.contains("translation-required") && bare.text.contains("en or fr"), "\(bare.text)")
            let uploaded = try await federation.call(0, "/api/v1/attachments?name=eaw-fr.txt", method: .POST, body: "Mandat d'arrêt européen — traduction certifiée conforme.", token: .some(judge))
            let sha = try #require(uploaded.json["sha256"] as? String, "\(uploaded.text)")
            let wrongLanguage = try await federation.call(0, "/api/v1/instruments/\(id)/steps", method: .POST,
                                                          body: #"{"action":"transmit","translation":{"sha256":"\#(sha)","name":"eaw-de.txt","language":"de"}}"#, token: .some(judge))
            #expect(wrongLanguage.status == 400, "\(wrongLanguage.text)")
            let sent = try await federation.call(0, "/api/v1/instruments/\(id)/steps", method: .POST,
                                                 body: #"{"action":"transmit","translation":{"sha256":"\#(sha)","name":"eaw-fr.txt","mediaType":"text/plain","language":"fr"}}"#, token: .some(judge))
            #expect(sent.status == 200, "\(sent.text)")
            var received: [String: Any] = [:]
            try await eventually("the court holds the warrant with its translation", advancing: federation.clocks, by: 0.2) {
                received = try await federation.call(1, "/api/v1/instruments/\(id)", token: .some(court)).json["instrument"] as? [String: Any] ?? [:]
                return received["state"] as? String == "received"
            }
            #expect((received["translations"] as? [[String: Any]])?.first?["language"] as? String == "fr")
            let content = try await federation.call(1, "/api/v1/instruments/\(id)/translations/\(sha)", token: .some(court))
            #expect(content.status == 200 && content.text.contains("traduction certifiée"), "\(content.text)")
        }
    }
}
