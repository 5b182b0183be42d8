import Foundation
import LiaisonCore
@testable import LiaisonStore
import LiaisonTestSupport
import Testing

/// Cases as a store: references are unique across cases, a change applies only to the revision it
/// read, every audited operation that names a reference links in its own transaction, and the
/// migration turns references in use into cases with their history.
@Suite("Case store: references, revisions, links, migration")
struct CaseStoreTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func item(_ reference: String, partners: [String] = []) -> Case {
        Case(reference: reference, title: "Grey van", offenceCategories: [.drugTrafficking], lead: "ana", legalBasis: "CCP Art. 1",
             partnerReferences: partners, openedBy: "ana", openedAt: now)
    }

    func message(_ number: Int, caseRef: String?) -> Message {
        Message(
            id: UUIDv7.make(at: now.addingTimeInterval(Double(number))).uuidString.lowercased(), originator: "XA-POL", to: ["XB-CUS"],
            subject: "Grey van \(number)", body: "Seen at the crossing.", purpose: "investigation", legalBasis: "FD 2006/960/JHA", handlingCode: .h0,
            evaluation: Evaluation(source: .b, information: .two), caseRef: caseRef, createdAt: now.addingTimeInterval(Double(number))
        )
    }

    @Test("a reference names one case, in any letter case; a partner's reference finds the case too", arguments: Backend.available)
    func references(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = CaseStore(database: database)
        let opened = try await store.open(item("XA-2026-0042", partners: ["XB-CUS/2026/77"]), id: "case-1", audit: [], at: now)
        #expect(try await store.find("xa-2026-0042")?.id == "case-1")
        #expect(try await store.find(" XB-CUS/2026/77 ")?.id == "case-1")
        #expect(try await store.find("case-1")?.item.reference == "XA-2026-0042")
        await #expect(throws: LiaisonError.self) { _ = try await store.open(item("xa-2026-0042"), id: "case-2", audit: [], at: now) }
        await #expect(throws: LiaisonError.self) { _ = try await store.open(item("XA-2026-0043", partners: ["xb-cus/2026/77"]), id: "case-3", audit: [], at: now) }
        #expect(try await store.find("XA-2026-0043") == nil)
        // Dropping a partner reference frees it.
        var changed = opened.item
        changed.partnerReferences = []
        _ = try await store.update(opened, to: changed, audit: [], at: now)
        #expect(try await store.find("XB-CUS/2026/77") == nil)
        await database.shutdown()
    }

    @Test("an update applies only to the revision it read: of two racing closes, one wins", arguments: Backend.available)
    func revisions(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = CaseStore(database: database)
        let opened = try await store.open(item("XA-2026-0042"), id: "case-1", audit: [], at: now)
        var closed = opened.item
        closed.status = .closed
        closed.closedAt = now
        let target = closed
        let wins = await successes(racing: [1, 2]) { _ in _ = try await store.update(opened, to: target, audit: [], at: now) }
        #expect(wins == 1)
        #expect(try await store.find("XA-2026-0042")?.item.status == .closed)
        await database.shutdown()
    }

    @Test("audit events that name a case link in their transaction; reads, refusals and pseudo-references do not", arguments: Backend.available)
    func links(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = CaseStore(database: database)
        let sent = message(1, caseRef: "XA-2026-0042")
        try await MessageStore(database: database).enqueue(sent, deliveries: [], audit: [
            AuditEvent(time: now, operation: .messageSent, actor: "user:ana", subject: "message:\(sent.id)", details: ["caseRef": "XA-2026-0042"]),
            AuditEvent(time: now, operation: .policyDecision, actor: "user:ana", subject: "message:\(sent.id)", details: ["caseRef": "XA-2026-0042"]),
        ], at: now)
        try await AuditStore(database: database).record([
            AuditEvent(time: now, operation: .hitSearched, actor: "user:ana", subject: "hits:vehicle", details: ["caseRef": "xa-2026-0042"]),
            AuditEvent(time: now, operation: .messageSent, outcome: .denied, actor: "user:ana", details: ["caseRef": "XA-2026-0042"]),
            AuditEvent(time: now, operation: .messageSent, actor: "user:ana", details: ["caseRef": "message:abc"]),
            AuditEvent(time: now, operation: .messageRead, actor: "user:ana", details: ["caseRef": "XA-2026-0042"]),
        ], at: now)
        let links = try await store.links(of: ["XA-2026-0042"])
        #expect(Set(links.map(\.operation)) == [.messageSent, .hitSearched])
        #expect(links.count == 2)
        let described = try await store.describe(links.compactMap(\.subject), at: now)
        #expect(described["message:\(sent.id)"]?.label == "Grey van 1 — to XB-CUS")
        await database.shutdown()
    }

    @Test("the migration makes a case of each reference this node's users gave, with its history; a partner's reference stays a link", arguments: Backend.available)
    func migration(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let db = try database.database
        try await CreateCases().revert(on: db)
        let messages = MessageStore(database: database)
        try await messages.enqueue(message(1, caseRef: "XA-2026-0042"), deliveries: [], at: now)
        try await messages.enqueue(message(2, caseRef: "xa-2026-0042"), deliveries: [], at: now)
        try await messages.enqueue(message(3, caseRef: "message:abc"), deliveries: [], at: now)
        try await messages.enqueue(message(4, caseRef: nil), deliveries: [], at: now)
        var received = message(5, caseRef: "XB-CUS/2026/77")
        received.originator = "XB-CUS"
        received.to = ["XA-POL"]
        _ = try await messages.accept(envelopeID: "env-1", sender: "XB-CUS", message: received, receiptJSON: "{}", audit: [], deleteAt: nil, at: now)
        try await RetentionStore(database: database).place(
            LegalHold(id: "hold-1", caseRef: "XA-2026-0099", subject: nil, reason: "Trial pending", until: now.addingTimeInterval(86_400), createdBy: "user:sam", createdAt: now),
            audit: AuditEvent(time: now, operation: .legalHoldChanged, actor: "user:sam"), at: now
        )
        try await CreateCases().prepare(on: db)

        let store = CaseStore(database: database)
        let cases = try await store.list()
        #expect(Set(cases.map(\.item.reference)) == ["XA-2026-0042", "XA-2026-0099"])
        let first = try #require(cases.first { $0.item.reference == "XA-2026-0042" })
        #expect(first.item.status == .open && first.item.lead.isEmpty && first.item.openedAt == now.addingTimeInterval(1))
        #expect(try await store.links(of: ["XA-2026-0042"]).count == 2)
        #expect(try await store.links(of: ["XA-2026-0099"]).map(\.operation) == [.legalHoldChanged])
        #expect(try await store.find("XB-CUS/2026/77") == nil)
        #expect(try await store.links(of: ["XB-CUS/2026/77"]).map(\.operation) == [.messageReceived])
        await database.shutdown()
    }
}
