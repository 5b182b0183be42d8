import Foundation
import LiaisonCore
@testable import LiaisonServer
import LiaisonStore
import LiaisonTestSupport
import Testing

extension AuditStore {
    /// Every event recorded so far, queued or sequenced.
    func allEvents() async throws -> [AuditEvent] {
        while true {
            let before = try await size()
            let queued = try await queued(limit: 100_000).map { try JSON.decoder.decode(AuditEvent.self, from: $0.eventJSON) }
            let after = try await size()
            if before == after { return try await entries(0..<after).map { try AuditLeaf(bytes: $0.leaf).event } + queued }
        }
    }
}

/// Scenario tests of the safeguards over two live nodes: each fails if its safeguard is removed.
@Suite("Safeguards: approvals, minimisation and refusals between live nodes")
struct SafeguardsTests {
    static let healthWitness = #"[{"id":"p-7","schema":"Person","properties":{"name":["Mara Ilic"]},"dataSubjectCategory":"witness","nature":"fact","specialCategories":["health"]}]"#
    static let justification = "The witness's medical condition explains the timeline of the 14 March assault."

    static func body(entities: String, justification: String? = Self.justification, caseRef: String? = "XA-2026-0042") -> String {
        var text = LiveFederation.messageBody(to: ["XB-CUS"], subject: "Witness statement", entities: entities)
        if let justification { text = text.replacingOccurrences(of: #""caseRef""#, with: #""justification":"\#(justification)","caseRef""#) }
        if caseRef == nil { text = text.replacingOccurrences(of: #","caseRef":"XA-2026-0042""#, with: "") }
        return text
    }

    /// Signs in a new user of `role` at node `index` and returns their token.
    static func signIn(_ federation: LiveFederation, _ index: Int, _ role: Role, _ name: String) async throws -> String {
        let user = try await federation.nodes[index].addUser(role, username: name)
        return try await federation.token(index, user.username, user.password)
    }

    @Test("a special-category disclosure about a witness waits for a supervisor; nobody approves their own; on approval it is delivered", arguments: Backend.available)
    func specialCategoryWaitsForApproval(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend) { federation in
            let supervisor = try await Self.signIn(federation, 0, .supervisor, "sup-ana")
            let otherInvestigator = try await Self.signIn(federation, 0, .investigator, "inv-bo")

            let missing = try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.body(entities: Self.healthWitness, justification: nil))
            #expect(missing.status == 422, "\(missing.text)")
            #expect((missing.json["reasons"] as? [String])?.contains("justification-required") == true)

            let held = try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.body(entities: Self.healthWitness))
            #expect(held.status == 202, "\(held.text)")
            #expect(held.json["state"] as? String == "pending")
            let codes = (held.json["reasons"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
            #expect(codes == ["special-category", "protected-data-subject"])
            let id = try #require(held.json["id"] as? String)
            #expect(try await MessageStore(database: federation.nodes[0].app.database).count(box: .outbox) == 0, "nothing leaves before approval")

            // The supervisor's dashboard lists it; another investigator neither sees nor decides it.
            let pending = try await federation.call(0, "/api/v1/approvals?state=pending", token: supervisor)
            #expect(pending.array.map { $0["id"] as? String } == [id])
            #expect(try await federation.call(0, "/api/v1/approvals", token: otherInvestigator).array.isEmpty)
            let notApprover = try await federation.call(0, "/api/v1/approvals/\(id)/decision", method: .POST, body: #"{"approve":true,"reason":"fine"}"#, token: otherInvestigator)
            #expect(notApprover.status == 404)
            let own = try await federation.call(0, "/api/v1/approvals/\(id)/decision", method: .POST, body: #"{"approve":true,"reason":"fine"}"#)
            #expect(own.status == 403)

            let approved = try await federation.call(0, "/api/v1/approvals/\(id)/decision", method: .POST, body: #"{"approve":true,"reason":"Necessary for the assault case; the recipient is the investigating customs unit."}"#, token: supervisor)
            #expect(approved.status == 200, "\(approved.text)")
            let outcome = try #require(approved.json["outcome"] as? String)
            #expect(outcome.hasPrefix("message:"), "\(outcome)")
            let messageID = String(outcome.dropFirst(8))
            _ = try await federation.waitFor(0, message: messageID) { deliveryState($0, "XB-CUS") == "delivered" }
            let received = try await federation.call(1, "/api/v1/messages/\(messageID)")
            let entity = try #require((received.json["entities"] as? [[String: Any]])?.first)
            #expect(entity["specialCategories"] as? [String] == ["health"])

            let again = try await federation.call(0, "/api/v1/approvals/\(id)/decision", method: .POST, body: #"{"approve":false,"reason":"too late"}"#, token: supervisor)
            #expect(again.status == 409)

            let events = try await AuditStore(database: federation.nodes[0].app.database).allEvents()
            let decisions = events.filter { $0.operation == .policyDecision }.compactMap { $0.details?["decision"] }
            #expect(decisions.contains("needs-approval") && decisions.contains("permit"))
            #expect(events.contains { $0.operation == .approvalDecided && $0.details?["decision"] == "approved" })
            #expect(events.contains { $0.operation == .messageSent && $0.details?["approvedBy"] == "user:sup-ana" })
        }
    }

    @Test("a refused approval blocks the disclosure and the requester sees the reason")
    func refusalBlocks() async throws {
        try await LiveFederation.run { federation in
            let supervisor = try await Self.signIn(federation, 0, .supervisor, "sup-ana")
            let minor = #"[{"id":"p-8","schema":"Person","properties":{"name":["Ivo Ilic"],"birthDate":["2015-06-01"]},"dataSubjectCategory":"suspect","nature":"fact"}]"#
            let requesterAccount = try await federation.nodes[0].addUser(.investigator, username: "inv-dan")
            let held = try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.body(entities: minor), token: try await federation.token(0, requesterAccount.username, requesterAccount.password))
            #expect(held.status == 202, "\(held.text)")
            #expect((held.json["reasons"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["minor"])
            let id = try #require(held.json["id"] as? String)
            #expect(try await federation.call(0, "/api/v1/approvals/\(id)", token: supervisor).json["overdue"] as? Bool == false)
            // 48 hours later it is flagged overdue on the supervisors' dashboard.
            federation.nodes[0].clock.advance(by: 49 * 3_600)
            let supervisorLater = try await SafeguardsTests.signIn(federation, 0, .supervisor, "sup-ben")
            let pending = try await federation.call(0, "/api/v1/approvals?state=pending", token: supervisorLater)
            #expect(pending.array.first?["overdue"] as? Bool == true)
            _ = supervisor
            let refused = try await federation.call(0, "/api/v1/approvals/\(id)/decision", method: .POST, body: #"{"approve":false,"reason":"A child: ask the youth-protection unit instead."}"#, token: supervisorLater)
            #expect(refused.status == 200)
            let requester = try await SafeguardsTests.signIn(federation, 0, .investigator, "inv-cal")
            #expect(try await federation.call(0, "/api/v1/approvals/\(id)", token: requester).status == 404, "another investigator does not see it")
            let requesterLater = try await federation.token(0, requesterAccount.username, requesterAccount.password)
            let seen = try await federation.call(0, "/api/v1/approvals/\(id)", token: requesterLater)
            #expect(seen.json["state"] as? String == "refused")
            #expect(seen.json["decisionReason"] as? String == "A child: ask the youth-protection unit instead.")
            #expect(seen.json["outcome"] == nil)
            #expect(try await MessageStore(database: federation.nodes[0].app.database).count(box: .outbox) == 0)
        }
    }

    @Test("fields and entities outside the agreement's data categories are removed, and the recipient sees on what ground")
    func minimisation() async throws {
        try await LiveFederation.run { federation in
            // AGR-TEST-1 covers message, vehicle and person, not phone or document data.
            let entities = #"[{"id":"p-9","schema":"Person","properties":{"name":["Jonas Doe"],"passportNumber":["XA1234567"]},"dataSubjectCategory":"suspect","nature":"assessment"},{"id":"ph-1","schema":"Phone","properties":{"number":["+15550100"]},"dataSubjectCategory":"suspect","nature":"fact"}]"#
            let sent = try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.body(entities: entities))
            #expect(sent.status == 201, "\(sent.text)")
            let id = try #require(sent.json["id"] as? String)
            let senderCopy = try #require(sent.json["redactions"] as? [[String: Any]])
            #expect(senderCopy.count == 2 && senderCopy.allSatisfy { $0["recipient"] as? String == "XB-CUS" })
            _ = try await federation.waitFor(0, message: id) { deliveryState($0, "XB-CUS") == "delivered" }
            let received = try await federation.call(1, "/api/v1/messages/\(id)")
            let people = try #require(received.json["entities"] as? [[String: Any]])
            #expect(people.count == 1)
            #expect((people[0]["properties"] as? [String: Any])?["passportNumber"] == nil)
            #expect(people[0]["nature"] as? String == "assessment")
            let redactions = try #require(received.json["redactions"] as? [[String: Any]])
            #expect(Set(redactions.compactMap { $0["category"] as? String }) == ["document", "phone"])
            #expect(redactions.first { $0["property"] as? String == "passportNumber" }?["ground"] as? String == "Agreement AGR-TEST-1 does not cover the data category 'document' (data minimisation, Directive 2016/680 Art. 4(1)(c)).")
            #expect(redactions.allSatisfy { $0["recipient"] == nil })
            let html = try await federation.call(1, "/api/v1/messages/\(id)")
            #expect(!html.text.contains("XA1234567") && !html.text.contains("+15550100"))
        }
    }

    @Test("an expired agreement blocks by itself; access with no case link and oversight roles are refused")
    func refusals() async throws {
        try await LiveFederation.run { federation in
            let noCase = try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.body(entities: "[]", caseRef: nil))
            #expect(noCase.status == 403)
            #expect(noCase.json["reasons"] as? [String] == ["no-case-link"])

            let oversight = try await Self.signIn(federation, 0, .oversight, "monitor-ola")
            #expect(try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.body(entities: "[]"), token: oversight).status == 403)

            federation.nodes[0].clock.advance(by: 120 * 86_400)  // past 2027-01-01
            let late = try await Self.signIn(federation, 0, .investigator, "inv-late")
            let expired = try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.body(entities: "[]"), token: late)
            #expect(expired.status == 403)
            #expect(expired.json["reasons"] as? [String] == ["agreement-expired"])
            #expect(try await MessageStore(database: federation.nodes[0].app.database).count(box: .outbox) == 0)
            let events = try await AuditStore(database: federation.nodes[0].app.database).allEvents()
            let denials = events.filter { $0.operation == .policyDecision && $0.outcome == .denied }.compactMap { $0.details?["reasons"] }
            #expect(denials == ["no-case-link", "agreement-expired"])
        }
    }

    @Test("the administrator sets the rules; bad rules are refused and change nothing; a higher bulk threshold lets bulk through")
    func configuration() async throws {
        try await LiveFederation.run { federation in
            let admin = try await Self.signIn(federation, 0, .administrator, "admin-eva")
            let oversight = try await Self.signIn(federation, 0, .oversight, "monitor-ola")
            let defaults = try await federation.call(0, "/api/v1/safeguards/configuration", token: oversight)
            #expect((defaults.json["rules"] as? [String: Any])?["bulkThreshold"] as? Int == 100)
            #expect(try await federation.call(0, "/api/v1/safeguards/configuration", method: .PUT, body: #"{"rules":{"bulkThreshold":1}}"#, token: oversight).status == 403)
            let bad = try await federation.call(0, "/api/v1/safeguards/configuration", method: .PUT, body: #"{"rules":{"minorAge":0}}"#, token: admin)
            #expect(bad.status == 400)
            #expect((bad.json["detail"] as? String)?.contains("minorAge") == true)

            let many = "[" + (1...3).map { #"{"id":"v-\#($0)","schema":"Vehicle","properties":{"registrationNumber":["XA-\#($0)"]},"dataSubjectCategory":"suspect","nature":"fact"}"# }.joined(separator: ",") + "]"
            #expect(try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.body(entities: many)).status == 201)
            let tight = try await federation.call(0, "/api/v1/safeguards/configuration", method: .PUT, body: #"{"rules":{"bulkThreshold":2},"agreements":{"AGR-OTHER":{"bulkThreshold":500}}}"#, token: admin)
            #expect(tight.status == 200, "\(tight.text)")
            let bulk = try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.body(entities: many))
            #expect(bulk.status == 202)
            #expect((bulk.json["reasons"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["bulk"])
            let perAgreement = try await federation.call(0, "/api/v1/safeguards/configuration", method: .PUT, body: #"{"rules":{"bulkThreshold":2},"agreements":{"AGR-TEST-1":{"bulkThreshold":500}}}"#, token: admin)
            #expect(perAgreement.status == 200)
            #expect(try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.body(entities: many)).status == 201)
        }
    }
}

@Suite("Retention: sweeps, erasure notices and legal holds between live nodes")
struct RetentionTests {
    static func body(subject: String, caseRef: String, retainUntil: Date) -> String {
        LiveFederation.messageBody(to: ["XB-CUS"], subject: subject)
            .replacingOccurrences(of: #""caseRef":"XA-2026-0042""#, with: #""caseRef":"\#(caseRef)","retainUntil":"\#(retainUntil.formatted(.iso8601))""#)
    }

    @Test("the periodic sweep runs by itself when the node's clock passes its interval, and not before")
    func periodicSweep() async throws {
        try await LiveFederation.run(configure: { $0.retentionSweepInterval = .seconds(3_600) }) { federation in
            let soon = federation.nodes[0].clock.now().addingTimeInterval(1_800)
            let due = try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.body(subject: "Short-lived tip", caseRef: "XA-2026-0042", retainUntil: soon))
            let dueID = try #require(due.json["id"] as? String)
            _ = try await federation.waitFor(0, message: dueID) { deliveryState($0, "XB-CUS") == "delivered" }
            let store = MessageStore(database: federation.nodes[0].app.database)
            // Past its retention date but before the next run: still there.
            for node in federation.nodes { node.clock.advance(by: 1_900) }
            #expect(try await store.message(dueID) != nil)
            // The clock passes the hour: the job wakes and erases it, with no request.
            try await eventually("the periodic sweep erases the message", advancing: federation.clocks, by: 1_800) { try await store.message(dueID) == nil }
        }
    }

    @Test("the sweep erases what is due, tells the recipient, who erases its copy; a legal hold suspends it; the report lists both", arguments: Backend.available)
    func sweepAndHold(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend) { federation in
            let now = federation.nodes[0].clock.now()
            let soon = now.addingTimeInterval(10 * 86_400)
            let due = try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.body(subject: "Short-lived tip", caseRef: "XA-2026-0042", retainUntil: soon))
            let kept = try await federation.call(0, "/api/v1/messages", method: .POST, body: Self.body(subject: "Trial evidence", caseRef: "XA-2026-0099", retainUntil: soon))
            let dueID = try #require(due.json["id"] as? String)
            let keptID = try #require(kept.json["id"] as? String)
            for id in [dueID, keptID] { _ = try await federation.waitFor(0, message: id) { deliveryState($0, "XB-CUS") == "delivered" } }

            let judge = try await SafeguardsTests.signIn(federation, 0, .judicialAuthority, "judge-kim")
            let badHold = try await federation.call(0, "/api/v1/legal-holds", method: .POST, body: #"{"caseRef":"XA-2026-0099","reason":"trial","until":"\#(soon.addingTimeInterval(300 * 86_400).formatted(.iso8601))"}"#, token: judge)
            #expect(badHold.status == 400, "a reason of under 10 characters is refused")
            let hold = try await federation.call(0, "/api/v1/legal-holds", method: .POST, body: #"{"caseRef":"XA-2026-0099","reason":"Trial of the Doe brothers pending before the district court.","until":"\#(soon.addingTimeInterval(300 * 86_400).formatted(.iso8601))"}"#, token: judge)
            #expect(hold.status == 201, "\(hold.text)")
            let holdID = try #require(hold.json["id"] as? String)

            for node in federation.nodes { node.clock.advance(by: 11 * 86_400) }
            let dpo = try await SafeguardsTests.signIn(federation, 0, .dataProtectionOfficer, "dpo-lin")
            let report = try await federation.call(0, "/api/v1/retention?days=0", token: dpo)
            let items = try #require(report.json["items"] as? [[String: Any]])
            #expect(Set(items.compactMap { $0["id"] as? String }) == [dueID, keptID])
            #expect(items.first { $0["id"] as? String == keptID }?["heldBy"] as? String == holdID)
            #expect(items.first { $0["id"] as? String == dueID }?["recipients"] as? [String] == ["XB-CUS"])

            let swept = try await federation.call(0, "/api/v1/retention/sweep", method: .POST, token: dpo)
            #expect(swept.status == 200, "\(swept.text)")
            #expect(swept.json["erased"] as? [String] == [dueID])
            #expect(swept.json["held"] as? [String] == [keptID])
            #expect(swept.json["notified"] as? [String] == ["XB-CUS"])
            #expect(try await MessageStore(database: federation.nodes[0].app.database).message(dueID) == nil)
            #expect(try await MessageStore(database: federation.nodes[0].app.database).message(keptID) != nil)

            // The recipient erases its copy when the notice arrives, and keeps the notice.
            let storeB = MessageStore(database: federation.nodes[1].app.database)
            try await eventually("the recipient erases its copy") { try await storeB.message(dueID) == nil }
            #expect(try await storeB.message(keptID) != nil)
            let eventsB = try await AuditStore(database: federation.nodes[1].app.database).allEvents()
            #expect(eventsB.contains { $0.operation == .recordErased && $0.subject == "message:\(dueID)" && $0.details?["requestedBy"] == "XA-POL" })
            let eventsA = try await AuditStore(database: federation.nodes[0].app.database).allEvents()
            #expect(eventsA.contains { $0.operation == .recordErased && $0.subject == "message:\(dueID)" && $0.recipients == ["XB-CUS"] })
            #expect(eventsA.contains { $0.operation == .legalHoldChanged && $0.details?["caseRef"] == "XA-2026-0099" })

            // Once the hold is released, the next sweep erases the held message too.
            #expect(try await federation.call(0, "/api/v1/legal-holds/\(holdID)/release", method: .POST, token: dpo).status == 403)
            let judgeAgain = try await SafeguardsTests.signIn(federation, 0, .judicialAuthority, "judge-ada")
            #expect(try await federation.call(0, "/api/v1/legal-holds/\(holdID)/release", method: .POST, token: judgeAgain).status == 200)
            let second = try await federation.call(0, "/api/v1/retention/sweep", method: .POST, token: dpo)
            #expect(second.json["erased"] as? [String] == [keptID])
        }
    }
}

@Suite("Oversight: anomalous-access alerts and the transparency report over a live node")
struct OversightTests {
    @Test("a scripted abuse pattern raises alerts with their evidence, normal use raises none; the transparency report counts exactly what was done")
    func abuseAndReport() async throws {
        try await LiveFederation.run { federation in
            let supervisor = try await SafeguardsTests.signIn(federation, 0, .supervisor, "sup-ana")
            let witness = #"[{"id":"p-1","schema":"Person","properties":{"name":["Mara Ilic"]},"dataSubjectCategory":"witness","nature":"fact"}]"#
            var sent: [String] = []
            for subject in ["Tip one", "Tip two", "Tip three"] {
                let reply = try await federation.call(0, "/api/v1/messages", method: .POST, body: LiveFederation.messageBody(to: ["XB-CUS"], subject: subject))
                sent.append(try #require(reply.json["id"] as? String))
            }
            var approvals: [String] = []
            for _ in 0..<2 {
                let held = try await federation.call(0, "/api/v1/messages", method: .POST, body: SafeguardsTests.body(entities: witness))
                approvals.append(try #require(held.json["id"] as? String))
            }
            #expect(try await federation.call(0, "/api/v1/approvals/\(approvals[0])/decision", method: .POST, body: #"{"approve":true,"reason":"Needed for the case."}"#, token: supervisor).status == 200)
            #expect(try await federation.call(0, "/api/v1/approvals/\(approvals[1])/decision", method: .POST, body: #"{"approve":false,"reason":"Not proportionate."}"#, token: supervisor).status == 200)
            let unlinked = try await federation.call(0, "/api/v1/messages", method: .POST, body: SafeguardsTests.body(entities: "[]", caseRef: nil))
            #expect(unlinked.status == 403)

            // Normal use in office hours (Monday afternoon): three analysts read a few messages each.
            for (name, reads) in [("ana-1", 5), ("ana-2", 6), ("ana-3", 4)] {
                let token = try await SafeguardsTests.signIn(federation, 0, .analyst, name)
                for index in 0..<reads { #expect(try await federation.call(0, "/api/v1/messages/\(sent[index % 3])", token: token).status == 200) }
            }
            let overseer = try await SafeguardsTests.signIn(federation, 0, .oversight, "monitor-ola")
            #expect(try await federation.call(0, "/api/v1/oversight/scan", method: .POST, token: overseer).array.isEmpty, "normal use raises nothing")

            // Abuse: at 02:00 on Tuesday one analyst reads the same messages 60 times.
            let now = federation.nodes[0].clock.now()
            let secondsToTwo = (86_400 - now.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400)) + 2 * 3_600
            for node in federation.nodes { node.clock.advance(by: secondsToTwo) }
            let abuser = try await SafeguardsTests.signIn(federation, 0, .analyst, "ana-night")
            for index in 0..<60 { _ = try await federation.call(0, "/api/v1/messages/\(sent[index % 3])", token: abuser) }
            let overseerNow = try await SafeguardsTests.signIn(federation, 0, .oversight, "monitor-max")
            let raised = try await federation.call(0, "/api/v1/oversight/scan", method: .POST, token: overseerNow)
            let kinds = Set(raised.array.compactMap { $0["kind"] as? String })
            #expect(kinds == ["peer-volume", "out-of-hours-bulk"], "\(raised.text)")
            #expect(raised.array.allSatisfy { $0["actor"] as? String == "user:ana-night" })
            #expect(raised.array.allSatisfy { ($0["count"] as? Int ?? 0) >= 20 })
            #expect(try await federation.call(0, "/api/v1/oversight/scan", method: .POST, token: overseerNow).array.isEmpty, "an alert is raised once a day")
            let summary = try await federation.call(0, "/api/v1/oversight/summary", token: overseerNow)
            let alerts = try #require(summary.json["alerts"] as? [[String: Any]])
            #expect(alerts.count == 2)
            #expect(alerts.allSatisfy { $0["algorithm"] as? String == "liaison-access-anomalies/1" && ($0["inputHash"] as? String)?.count == 64 && $0["review"] == nil })
            // A person confirms one and rejects the other, with reasons; a second review is refused.
            let ids = alerts.compactMap { $0["id"] as? String }
            #expect(try await federation.call(0, "/api/v1/oversight/alerts/\(ids[0])/review", method: .POST, body: #"{"confirmed":true,"reason":"short"}"#, token: overseerNow).status == 400)
            #expect(try await federation.call(0, "/api/v1/oversight/alerts/\(ids[0])/review", method: .POST, body: #"{"confirmed":true,"reason":"No case assignment explains these reads."}"#, token: overseerNow).status == 200)
            #expect(try await federation.call(0, "/api/v1/oversight/alerts/\(ids[1])/review", method: .POST, body: #"{"confirmed":false,"reason":"Night shift on the border operation."}"#, token: overseerNow).status == 200)
            #expect(try await federation.call(0, "/api/v1/oversight/alerts/\(ids[1])/review", method: .POST, body: #"{"confirmed":true,"reason":"Changed my mind entirely."}"#, token: overseerNow).status == 409)
            #expect(try await federation.call(0, "/api/v1/oversight/summary", token: abuser).status == 403)

            // The transparency report counts exactly the operations above.
            let report = try await federation.call(0, "/api/v1/reports/transparency?from=2026-09-01&to=2026-09-30", token: overseerNow)
            #expect(report.status == 200, "\(report.text)")
            let exchanges = try #require(report.json["exchanges"] as? [[String: Any]])
            #expect(exchanges.count == 1)
            #expect(exchanges.first?["partner"] as? String == "XB-CUS" && exchanges.first?["sent"] as? Int == 4 && exchanges.first?["received"] as? Int == 0)
            let approvalFigures = try #require(report.json["approvals"] as? [String: Any])
            #expect(approvalFigures["granted"] as? Int == 1 && approvalFigures["refused"] as? Int == 1 && approvalFigures["pending"] as? Int == 0)
            #expect(approvalFigures["medianHoursToDecision"] as? Double == 0)
            #expect(report.json["policyRefusals"] as? Int == 1)
            #expect((report.json["policyRefusalReasons"] as? [[String: Any]])?.first?["key"] as? String == "no-case-link")
            #expect(report.json["alerts"] as? Int == 2)
            #expect(report.json["alertsConfirmed"] as? Int == 1 && report.json["alertsRejected"] as? Int == 1)
            let received = try await federation.call(1, "/api/v1/reports/transparency?from=2026-09-01&to=2026-09-30", token: try await SafeguardsTests.signIn(federation, 1, .dataProtectionOfficer, "dpo-b"))
            #expect((received.json["exchanges"] as? [[String: Any]])?.first?["received"] as? Int == 4)
            let csv = try await federation.call(0, "/api/v1/reports/transparency?from=2026-09-01&to=2026-09-30&format=csv", token: overseerNow)
            #expect(csv.text.contains("messages-sent,XB-CUS/investigation,4\r\n"))
            #expect(try await federation.call(0, "/api/v1/reports/transparency?from=2026-09-31", token: overseerNow).status == 400)

            // The command line computes the same report from the same records.
            if CommandLineTests.executable != nil {
                let cli = try CommandLineTests.run(["report", "transparency", "--data-dir", federation.nodes[0].directory, "--from", "2026-09-01", "--to", "2026-09-30", "--format", "json"])
                #expect(cli.status == 0, "\(cli.stderr)")
                let document = try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any]
                #expect(document?["policyRefusals"] as? Int == 1 && document?["alerts"] as? Int == 2)
                #expect(((document?["exchanges"] as? [[String: Any]])?.first?["sent"] as? Int) == 4)
                #expect(((document?["approvals"] as? [String: Any])?["granted"] as? Int) == 1)
            }
        }
    }
}

@Suite("Data subjects' requests over live nodes")
struct SubjectRequestTests {
    @Test("an access request finds the subject's records by name and identifier and exports them; an erasure request erases them at both nodes; a restriction answers through the authority; deadlines flag overdue requests", arguments: Backend.available)
    func requests(backend: Backend) async throws {
        try await LiveFederation.run(backend: backend) { federation in
            let person = #"[{"id":"p-9","schema":"Person","properties":{"name":["Jonas Doe"],"birthDate":["1984-03-02"],"passportNumber":["XA1234567"]},"dataSubjectCategory":"suspect","nature":"fact"}]"#
            let other = #"[{"id":"p-2","schema":"Person","properties":{"name":["Petra Novak"]},"dataSubjectCategory":"suspect","nature":"fact"}]"#
            let first = try await federation.call(0, "/api/v1/messages", method: .POST, body: SafeguardsTests.body(entities: person))
            let unrelated = try await federation.call(0, "/api/v1/messages", method: .POST, body: SafeguardsTests.body(entities: other))
            let firstID = try #require(first.json["id"] as? String)
            let unrelatedID = try #require(unrelated.json["id"] as? String)
            _ = try await federation.waitFor(0, message: firstID) { deliveryState($0, "XB-CUS") == "delivered" }

            let dpo = try await SafeguardsTests.signIn(federation, 0, .dataProtectionOfficer, "dpo-lin")
            let investigator = federation.tokens["XA-POL"]!
            #expect(try await federation.call(0, "/api/v1/subject-requests", token: investigator).status == 403)
            let bad = try await federation.call(0, "/api/v1/subject-requests", method: .POST, body: #"{"kind":"access","name":"1","channel":"letter"}"#, token: dpo)
            #expect(bad.status == 400)

            let access = try await federation.call(0, "/api/v1/subject-requests", method: .POST, body: #"{"kind":"access","name":"DOE, Jonas","identifiers":["xa 123 4567"],"channel":"letter of 20 September"}"#, token: dpo)
            #expect(access.status == 201, "\(access.text)")
            let accessID = try #require((access.json["request"] as? [String: Any])?["id"] as? String)
            let early = try await federation.call(0, "/api/v1/subject-requests/\(accessID)/decision", method: .POST, body: #"{"outcome":"granted","reasons":"All records disclosed."}"#, token: dpo)
            #expect(early.status == 422, "search before deciding")
            let search = try await federation.call(0, "/api/v1/subject-requests/\(accessID)/search", method: .POST, token: dpo)
            let findings = try #require(search.json["findings"] as? [[String: Any]])
            #expect(Set(findings.compactMap { $0["record"] as? String }) == ["message:\(firstID)"], "\(search.text)")
            #expect(Set(findings.compactMap { $0["how"] as? String }) == ["name", "identifier"])
            #expect(!search.text.contains(unrelatedID))
            #expect(try await federation.call(0, "/api/v1/subject-requests/\(accessID)/decision", method: .POST, body: #"{"outcome":"nothing-held","reasons":"We hold nothing at all."}"#, token: dpo).status == 422)
            #expect(try await federation.call(0, "/api/v1/subject-requests/\(accessID)/decision", method: .POST, body: #"{"outcome":"granted","reasons":"The record is disclosed in full."}"#, token: dpo).status == 200)
            let answer = try await federation.call(0, "/api/v1/subject-requests/\(accessID)/answer", token: dpo)
            let records = try #require(answer.json["records"] as? [[String: Any]])
            #expect(records.contains { ($0["data"] as? [String: [String]])?["passportNumber"] == ["XA1234567"] })

            // A restricted request: the answer names the route through the supervisory authority and discloses nothing.
            let restricted = try await federation.call(0, "/api/v1/subject-requests", method: .POST, body: #"{"kind":"access","name":"Jonas Doe","channel":"e-mail"}"#, token: dpo)
            let restrictedID = try #require((restricted.json["request"] as? [String: Any])?["id"] as? String)
            _ = try await federation.call(0, "/api/v1/subject-requests/\(restrictedID)/search", method: .POST, token: dpo)
            #expect(try await federation.call(0, "/api/v1/subject-requests/\(restrictedID)/decision", method: .POST, body: #"{"outcome":"restricted","reasons":"Disclosure would prejudice investigation XA-2026-0042."}"#, token: dpo).status == 200)
            let indirect = try await federation.call(0, "/api/v1/subject-requests/\(restrictedID)/answer", token: dpo)
            #expect((indirect.json["statement"] as? String)?.contains("supervisory authority") == true)
            #expect((indirect.json["records"] as? [Any])?.isEmpty == true)

            // Erasure: the records go here and, by notice, at the partner.
            let erasure = try await federation.call(0, "/api/v1/subject-requests", method: .POST, body: #"{"kind":"erasure","name":"Jonas Doe","birthDate":"1984-03-02","channel":"letter"}"#, token: dpo)
            let erasureID = try #require((erasure.json["request"] as? [String: Any])?["id"] as? String)
            _ = try await federation.call(0, "/api/v1/subject-requests/\(erasureID)/search", method: .POST, token: dpo)
            let erased = try await federation.call(0, "/api/v1/subject-requests/\(erasureID)/decision", method: .POST, body: #"{"outcome":"granted","reasons":"The suspicion was cleared; the data are no longer needed."}"#, token: dpo)
            #expect(((erased.json["request"] as? [String: Any])?["decision"] as? [String: Any])?["records"] as? [String] == ["message:\(firstID)"])
            #expect(try await MessageStore(database: federation.nodes[0].app.database).message(firstID) == nil)
            #expect(try await MessageStore(database: federation.nodes[0].app.database).message(unrelatedID) != nil)
            let storeB = MessageStore(database: federation.nodes[1].app.database)
            try await eventually("the recipient erases its copy") { try await storeB.message(firstID) == nil }

            // A fourth request left open is overdue after a month.
            let late = try await federation.call(0, "/api/v1/subject-requests", method: .POST, body: #"{"kind":"rectification","name":"Petra Novak","channel":"letter","details":"My birth date is wrong."}"#, token: dpo)
            let lateID = try #require((late.json["request"] as? [String: Any])?["id"] as? String)
            for node in federation.nodes { node.clock.advance(by: 32 * 86_400) }
            let dpoLater = try await SafeguardsTests.signIn(federation, 0, .dataProtectionOfficer, "dpo-max")
            let list = try await federation.call(0, "/api/v1/subject-requests", token: dpoLater)
            #expect(list.array.first { ($0["request"] as? [String: Any])?["id"] as? String == lateID }?["overdue"] as? Bool == true)
            #expect(list.array.filter { $0["overdue"] as? Bool == true }.count == 1)
        }
    }
}

@Suite("Access authorisations end by themselves")
struct AuthorisationExpiryTests {
    @Test("a user added with an end date signs in until then, and is refused after it; tokens never outlive it")
    func expiry() async throws {
        try await LiveFederation.run(codes: ["XA-POL"]) { federation in
            let admin = try await SafeguardsTests.signIn(federation, 0, .administrator, "admin-eva")
            let end = federation.nodes[0].clock.now().addingTimeInterval(600)
            let past = federation.nodes[0].clock.now().addingTimeInterval(-600)
            #expect(try await federation.call(0, "/api/v1/users", method: .POST, body: #"{"username":"temp-ana","role":"analyst","password":"correct horse battery","validUntil":"\#(past.formatted(.iso8601))"}"#, token: admin).status == 400)
            let added = try await federation.call(0, "/api/v1/users", method: .POST, body: #"{"username":"temp-ana","role":"analyst","password":"correct horse battery","validUntil":"\#(end.formatted(.iso8601))"}"#, token: admin)
            #expect(added.status == 201, "\(added.text)")
            #expect(added.json["validUntil"] as? String == end.formatted(.iso8601))
            let issued = try await federation.call(0, "/api/v1/auth/token", method: .POST, body: #"{"username":"temp-ana","password":"correct horse battery"}"#, token: .some(nil))
            #expect(issued.status == 200)
            #expect(issued.json["expiresAt"] as? String == end.formatted(.iso8601), "the token ends with the authorisation, not 15 minutes later")
            federation.nodes[0].clock.advance(by: 601)
            let refused = try await federation.call(0, "/api/v1/auth/token", method: .POST, body: #"{"username":"temp-ana","password":"correct horse battery"}"#, token: .some(nil))
            #expect(refused.status == 403)
            #expect((refused.json["detail"] as? String)?.contains("access authorisation ended") == true)
            let token = try #require(issued.json["token"] as? String)
            #expect(try await federation.call(0, "/api/v1/messages", token: token).status == 401)
        }
    }
}

@Suite("Retention of evidence, approvals and subject requests")
struct RetentionReviewTests {
    @Test("evidence comes up for review (never erased by the sweep) until disposed of; decided approvals and subject requests lose their personal data after their period")
    func reviews() async throws {
        try await LiveFederation.run { federation in
            let admin = try await SafeguardsTests.signIn(federation, 0, .administrator, "admin-eva")
            let supervisor = try await SafeguardsTests.signIn(federation, 0, .supervisor, "sup-ana")
            let dpo = try await SafeguardsTests.signIn(federation, 0, .dataProtectionOfficer, "dpo-lin")
            #expect(try await federation.call(0, "/api/v1/safeguards/configuration", method: .PUT, body: #"{"retention":{"evidenceReviewDays":10,"decidedRecordDays":10}}"#, token: admin).status == 200)
            let kept = try await federation.call(0, "/api/v1/evidence", method: .POST, body: EvidenceTests.registration)
            let disposed = try await federation.call(0, "/api/v1/evidence", method: .POST, body: EvidenceTests.registration.replacingOccurrences(of: "Mobile phone image", with: "Tobacco sample").replacingOccurrences(of: #""kind":"file""#, with: #""kind":"physical""#))
            let keptID = try #require((kept.json["item"] as? [String: Any])?["id"] as? String)
            let disposedID = try #require((disposed.json["item"] as? [String: Any])?["id"] as? String)
            let destroyed = try await federation.call(0, "/api/v1/evidence/\(disposedID)/events", method: .POST, body: #"{"action":"destroyed","actor":"Insp. Ana Ribeiro","place":"Incinerator","purpose":"court order 2026/9"}"#)
            #expect(destroyed.status == 201, "\(destroyed.text)")

            let witness = #"[{"id":"p-1","schema":"Person","properties":{"name":["Mara Ilic"]},"dataSubjectCategory":"witness","nature":"fact"}]"#
            let held = try await federation.call(0, "/api/v1/messages", method: .POST, body: SafeguardsTests.body(entities: witness))
            let approvalID = try #require(held.json["id"] as? String)
            #expect(try await federation.call(0, "/api/v1/approvals/\(approvalID)/decision", method: .POST, body: #"{"approve":false,"reason":"Not needed."}"#, token: supervisor).status == 200)

            for node in federation.nodes { node.clock.advance(by: 11 * 86_400) }
            let dpoLater = try await SafeguardsTests.signIn(federation, 0, .dataProtectionOfficer, "dpo-max")
            _ = dpo
            let report = try await federation.call(0, "/api/v1/retention?days=0", token: dpoLater)
            let evidence = (report.json["items"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "evidence" }
            #expect(evidence.map { $0["id"] as? String } == [keptID], "the destroyed item is not up for review")
            #expect(evidence.first?["action"] as? String == "review" && evidence.first?["overdue"] as? Bool == true)

            let swept = try await federation.call(0, "/api/v1/retention/sweep", method: .POST, token: dpoLater)
            #expect(swept.json["decidedRecordsAnonymised"] as? Int == 1, "\(swept.text)")
            let stillThere = try await federation.call(0, "/api/v1/retention?days=0", token: dpoLater)
            #expect((stillThere.json["items"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == keptID }, "the sweep never erases evidence")
            let approval = try #require(try await SafeguardsStore(database: federation.nodes[0].app.database).approval(approvalID))
            #expect(approval.payload == Data("{}".utf8) && approval.state == .refused && approval.decisionReason == "Not needed.")
        }
    }
}
