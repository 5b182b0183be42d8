import Foundation
import LiaisonCore
@testable import LiaisonStore
import LiaisonTestSupport
import Testing

/// Approvals as the safeguards hold them, and hit/no-hit reference data as imports write it: each
/// decision and each import happens whole or not at all, also when two callers race.
@Suite("Safeguards and hit stores")
struct SafeguardsAndHitStoreTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func approval(_ id: String = "appr-1") -> ApprovalRecord {
        ApprovalRecord(
            id: id, kind: "message", summary: "Witness statement to XB-CUS", requester: "user:ana", requesterRole: .investigator, requestedAt: now,
            dueAt: now.addingTimeInterval(86_400), approverRole: .supervisor, reasons: Data(#"[{"code":"protected-data-subject","sentence":"A witness."}]"#.utf8),
            justification: "Needed to identify the driver.", caseRef: "XA-2026-0042", purpose: "investigation", recipients: ["XB-CUS"], payload: Data("{}".utf8)
        )
    }

    @Test("a held request is stored with its audit event, decided once, and overdue only while pending", arguments: Backend.available)
    func approvalLifecycle(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = SafeguardsStore(database: database)
        try await store.hold(approval(), audit: [AuditEvent(time: now, operation: .approvalRequested, actor: "user:ana")], at: now)
        let held = try #require(try await store.approval("appr-1"))
        #expect(held.state == .pending && held.recipients == ["XB-CUS"])
        #expect(held.isOverdue(at: now.addingTimeInterval(86_401)))
        #expect(try await store.approvals(state: .pending).map(\.id) == ["appr-1"])
        #expect(try await store.approvals(requester: "user:bo").isEmpty)

        let decided = try await store.decide("appr-1", approved: true, by: "user:sam", reason: "Proportionate.", audit: AuditEvent(time: now, operation: .approvalDecided, actor: "user:sam"), at: now)
        #expect(decided.state == .approved && decided.decidedBy == "user:sam")
        #expect(decided.isOverdue(at: now.addingTimeInterval(86_401)) == false)
        await #expect(throws: LiaisonError.self) {
            try await store.decide("appr-1", approved: false, by: "user:kim", reason: "No.", audit: AuditEvent(time: now, operation: .approvalDecided, actor: "user:kim"), at: now)
        }
        await #expect(throws: LiaisonError.self) {
            try await store.decide("nope", approved: true, by: "user:kim", reason: "No.", audit: AuditEvent(time: now, operation: .approvalDecided, actor: "user:kim"), at: now)
        }
        #expect(try await AuditStore(database: database).queued(limit: 10).map(\.operation) == [AuditOperation.approvalRequested, .approvalDecided].map(\.rawValue))
        await database.shutdown()
    }

    @Test("two supervisors deciding at once: one decision stands, the other is refused, one audit event", arguments: Backend.available)
    func racingDecisions(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = SafeguardsStore(database: database)
        try await store.hold(approval(), audit: [], at: now)
        let decided = await successes(racing: [("user:sam", true), ("user:kim", false)]) { user, approve in
            _ = try await store.decide("appr-1", approved: approve, by: user, reason: "Decided.", audit: AuditEvent(time: now, operation: .approvalDecided, actor: user), at: now)
        }
        #expect(decided == 1)
        #expect(try await AuditStore(database: database).queued(limit: 10).count == 1)
        await database.shutdown()
    }

    @Test("an import adds, updates and replaces references in one transaction; one that fails part-way leaves the earlier data", arguments: Backend.available)
    func hitImports(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = HitStore(database: database)
        @Sendable func references(_ names: [String]) -> [StoredReference] {
            names.map { StoredReference(category: "vehicle", reference: $0, keys: ["KEY-\($0)"], fields: ["plate": $0], profile: nil) }
        }
        let now = self.now
        let audit: @Sendable (HitImportReport) -> [AuditEvent] = { report in
            [AuditEvent(time: now, operation: .hitsImported, actor: "user:sam", details: ["added": "\(report.added)"])]
        }

        let first = try await store.importReferences(category: "vehicle", replaceAll: false, by: "user:sam", at: now, audit: audit) { insert in
            try await insert(references(["R1", "R2"]))
        }
        #expect(first.report == HitImportReport(category: "vehicle", added: 2, updated: 0, removed: 0, total: 2))
        let second = try await store.importReferences(category: "vehicle", replaceAll: false, by: "user:sam", at: now, audit: audit) { insert in
            try await insert(references(["R2", "R3"]))
        }
        #expect(second.report == HitImportReport(category: "vehicle", added: 1, updated: 1, removed: 0, total: 3))

        struct Broken: Error {}
        await #expect(throws: Broken.self) {
            try await store.importReferences(category: "vehicle", replaceAll: true, by: "user:sam", at: now, audit: audit) { insert in
                try await insert(references(["R9"]))
                throw Broken()
            }
        }
        #expect(try await store.counts() == ["vehicle": 3], "the failed replacement removed and added nothing")
        #expect(try await store.reference(category: "vehicle", reference: "R9") == nil)
        #expect(try await AuditStore(database: database).queued(limit: 10).count == 2, "no audit event for the import that failed")

        let replaced = try await store.importReferences(category: "vehicle", replaceAll: true, by: "user:sam", at: now, audit: audit) { insert in
            try await insert(references(["R9"]))
        }
        #expect(replaced.report == HitImportReport(category: "vehicle", added: 1, updated: 0, removed: 3, total: 1))
        var seen: [String] = []
        try await store.forEachReference(category: "vehicle", batchSize: 1) { page in seen += page.map(\.reference) }
        #expect(seen == ["R9"])
        await database.shutdown()
    }
}
