import Foundation
import LiaisonCore
@testable import LiaisonStore
import LiaisonTestSupport
import Testing

/// Evidence chains and screening adjudications as stores: a custody position is taken once, content
/// is stored once, a received chain goes in whole, and a match is decided once.
@Suite("Evidence and screening stores")
struct EvidenceAndScreeningStoreTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func item(_ id: String = "ev-1") -> EvidenceItem {
        EvidenceItem(
            id: id, registeredBy: "user:ana", caseRef: "XA-2026-0042", description: "Folding knife", kind: .physical, collectedBy: "Sgt. Dias",
            collectedAt: now, location: "Quay 4", legalAuthority: "Art. 12 CCP"
        )
    }

    func audit(_ operation: AuditOperation) -> [AuditEvent] { [AuditEvent(time: now, operation: operation, actor: "user:ana")] }

    @Test("custody events take their positions once: a second append at a taken position writes nothing", arguments: Backend.available)
    func custodyPositions(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = EvidenceStore(database: database)
        try await store.register(item(), firstEvent: Data("collected".utf8), audit: audit(.evidenceRegistered), at: now)
        try await store.append(itemID: "ev-1", sequence: 1, signedJSON: Data("sealed".utf8), audit: audit(.custodyEvent), at: now)
        await #expect(throws: (any Error).self) {
            try await store.append(itemID: "ev-1", sequence: 1, signedJSON: Data("forged".utf8), audit: audit(.custodyEvent), at: now)
        }
        #expect(try await store.events("ev-1").map { String(decoding: $0.signedJSON, as: UTF8.self) } == ["collected", "sealed"])
        #expect(try await AuditStore(database: database).queued(limit: 10).count == 2, "no audit event for the refused append")
        await database.shutdown()
    }

    @Test("two handlers appending at the same position at once: one event stands", arguments: Backend.available)
    func racingAppends(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = EvidenceStore(database: database)
        try await store.register(item(), firstEvent: Data("collected".utf8), audit: [], at: now)
        let appended = await successes(racing: ["a", "b", "c"]) { handler in
            try await store.append(itemID: "ev-1", sequence: 1, signedJSON: Data(handler.utf8), audit: [], at: now)
        }
        #expect(appended == 1)
        #expect(try await store.events("ev-1").count == 2)
        await database.shutdown()
    }

    @Test("a file's content is stored once; a received chain is stored whole or, for an item held already, not at all", arguments: Backend.available)
    func contentAndImports(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = EvidenceStore(database: database)
        var file = item("ev-file")
        file.kind = .file
        try await store.register(file, firstEvent: nil, audit: [], at: now)
        try await store.storeContent(file, ciphertext: Data("sealed bytes".utf8), wrappedKey: Data("key".utf8), firstEvent: Data("collected".utf8), audit: [], at: now)
        await #expect(throws: LiaisonError.self) {
            try await store.storeContent(file, ciphertext: Data("other".utf8), wrappedKey: Data("key".utf8), firstEvent: Data("collected".utf8), audit: [], at: now)
        }
        #expect(try await store.sealedContent("ev-file")?.ciphertext == Data("sealed bytes".utf8))

        let events = [(signedJSON: Data("collected".utf8), auditJSON: Data("{}".utf8)), (signedJSON: Data("transferred".utf8), auditJSON: Data("{}".utf8))]
        try await store.importChain(item("ev-in"), ciphertext: nil, wrappedKey: nil, events: events, checkpointsJSON: Data("{}".utf8), received: Data("received".utf8), audit: audit(.custodyEvent), at: now)
        #expect(try await store.events("ev-in").count == 3)
        await #expect(throws: (any Error).self) {
            try await store.importChain(item("ev-in"), ciphertext: nil, wrappedKey: nil, events: events, checkpointsJSON: Data("{}".utf8), received: Data("again".utf8), audit: audit(.custodyEvent), at: now)
        }
        #expect(try await store.events("ev-in").count == 3)
        #expect(try await AuditStore(database: database).queued(limit: 10).count == 1)
        await database.shutdown()
    }

    @Test("a potential match is decided once, also when two analysts decide at the same moment", arguments: Backend.available)
    func adjudication(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = ScreeningStore(database: database)
        let result = ScreeningResultRecord(
            id: "res-1", screenedAt: now, actor: "user:ana", query: Data("{}".utf8), inputKey: "k", list: "aldoria-watch", listVersion: 1, entryID: "AW-001",
            matchedName: "Viktor Morozov", score: 0.93, explanation: Data("{}".utf8), algorithm: "jaro-winkler", parameters: Data("{}".utf8)
        )
        try await store.save([result], audit: [], at: now)
        let decided = await successes(racing: [("user:bo", ScreeningResultRecord.Status.confirmed), ("user:cy", .falsePositive)]) { user, status in
            _ = try await store.adjudicate("res-1", status: status, reason: "Checked the date of birth.", by: user,
                                           audit: AuditEvent(time: now, operation: .screeningAdjudicated, actor: user), at: now)
        }
        #expect(decided == 1)
        #expect(try await store.result("res-1")?.status != .potential)
        #expect(try await store.results(status: .potential).isEmpty)
        await database.shutdown()
    }
}
