import Foundation
import LiaisonCore
@testable import LiaisonStore
import LiaisonTestSupport
import Testing

/// The audit log's storage as a store: the queue that operations record into, the leaves and
/// subtree hashes the sequencer appends, and the checkpoints. The sequencer and the replicas rely
/// on an append that either takes its indexes or writes nothing.
@Suite("Audit store: queue, leaves, checkpoints")
struct AuditStoreTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func event(_ operation: AuditOperation, actor: String = "user:ana", at offset: TimeInterval = 0) -> AuditEvent {
        AuditEvent(time: now.addingTimeInterval(offset), operation: operation, actor: actor, subject: "message:1")
    }

    /// Appends every queued event as the next leaves, as the sequencer does (hashes are opaque to the store).
    func sequence(_ store: AuditStore, from start: UInt64) async throws -> [UInt64] {
        let queued = try await store.queued(limit: 100)
        let appends = try queued.enumerated().map { offset, item in
            AuditStore.Append(index: start + UInt64(offset), leaf: try AuditLeaf(index: start + UInt64(offset), event: AuditLeaf.decode(event: item.eventJSON)).bytes(), queued: item)
        }
        try await store.append(appends, hashes: appends.map { (key: Int64($0.index), hash: Data(repeating: UInt8($0.index % 256), count: 32)) }, dequeue: queued.map(\.id))
        return appends.map(\.index)
    }

    @Test("recorded events wait in the queue in order until the sequencer appends them", arguments: Backend.available)
    func queueThenAppend(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = AuditStore(database: database)
        try await store.record([event(.login), event(.messageSent, at: 1)], at: now)
        try await store.record([event(.messageRead, actor: "user:bo", at: 2)], at: now)
        #expect(try await store.queued(limit: 10).map(\.operation) == [AuditOperation.login, .messageSent, .messageRead].map(\.rawValue))
        #expect(try await store.size() == 0)

        #expect(try await sequence(store, from: 0) == [0, 1, 2])
        #expect(try await store.queued(limit: 10).isEmpty)
        #expect(try await store.size() == 3)
        #expect(try await store.entries(0..<3).map(\.operation) == [AuditOperation.login, .messageSent, .messageRead].map(\.rawValue))
        #expect(try await store.hashes(keys: [0, 2, 99]).keys.sorted() == [0, 2])
        await database.shutdown()
    }

    @Test("an append whose index is taken (another sequencer was first) writes nothing and leaves the queue as it was", arguments: Backend.available)
    func appendIsAtomic(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = AuditStore(database: database)
        try await store.record([event(.login)], at: now)
        _ = try await sequence(store, from: 0)
        try await store.record([event(.logout, at: 1), event(.login, at: 2)], at: now)
        // A sequencer that read a stale size tries index 0 again for the first of the two.
        await #expect(throws: (any Error).self) { _ = try await sequence(store, from: 0) }
        #expect(try await store.size() == 1)
        #expect(try await store.queued(limit: 10).count == 2, "nothing was dequeued")
        #expect(try await sequence(store, from: 1) == [1, 2])
        #expect(try await store.size() == 3)
        await database.shutdown()
    }

    @Test("two sequencers racing on one database append each event exactly once", arguments: Backend.available)
    func racingSequencers(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = AuditStore(database: database)
        try await store.record((0..<20).map { event(.messageRead, at: TimeInterval($0)) }, at: now)
        let appended = await successes(racing: [1, 2]) { _ in _ = try await sequence(store, from: try await store.size()) }
        #expect(appended >= 1)
        // Whatever lost the race is still queued and goes in next; nothing is doubled or lost.
        while try await !store.queued(limit: 1).isEmpty { _ = try await sequence(store, from: try await store.size()) }
        #expect(try await store.size() == 20)
        #expect(try await store.entries(0..<20).count == 20)
        await database.shutdown()
    }

    @Test("the explorer's search filters by actor, operation, time and index, newest first", arguments: Backend.available)
    func search(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = AuditStore(database: database)
        try await store.record([event(.login, at: 0), event(.messageRead, actor: "user:bo", at: 10), event(.messageRead, at: 20), event(.logout, at: 30)], at: now)
        _ = try await sequence(store, from: 0)
        #expect(try await store.search(.init(actor: "user:ana"), limit: 10).map(\.index) == [3, 2, 0])
        #expect(try await store.search(.init(operation: AuditOperation.messageRead.rawValue), limit: 10).map(\.index) == [2, 1])
        #expect(try await store.search(.init(from: now.addingTimeInterval(5), until: now.addingTimeInterval(25)), limit: 10).map(\.index) == [2, 1])
        #expect(try await store.search(.init(before: 2), limit: 10).map(\.index) == [1, 0])
        #expect(try await store.search(.init(before: UInt64.max), limit: 2).map(\.index) == [3, 2], "an index beyond any entry means all of them")
        #expect(try await store.entries(UInt64(Int64.max)..<UInt64.max).isEmpty)
        await database.shutdown()
    }

    @Test("events of a period come from the log and from the queue in one snapshot", arguments: Backend.available)
    func eventsOfAPeriod(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = AuditStore(database: database)
        try await store.record([event(.login, at: 0), event(.logout, at: 100)], at: now)
        _ = try await sequence(store, from: 0)
        try await store.record([event(.messageSent, at: 50)], at: now)
        let events = try await store.events(from: now, to: now.addingTimeInterval(60))
        #expect(events.map(\.event.operation) == [.login, .messageSent])
        #expect(events.map(\.index) == [0, nil])
        await database.shutdown()
    }

    @Test("a checkpoint is stored once per size; cosignatures replace its note, another root is refused", arguments: Backend.available)
    func checkpoints(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = AuditStore(database: database)
        let root = Data(repeating: 7, count: 32)
        try await store.saveCheckpoint(size: 3, root: root, note: "note", at: now)
        try await store.saveCheckpoint(size: 3, root: root, note: "note + cosignature", at: now)
        #expect(try await store.checkpoint(size: 3)?.note == "note + cosignature")
        await #expect(throws: LiaisonError.self) { try await store.saveCheckpoint(size: 3, root: Data(repeating: 8, count: 32), note: "fork", at: now) }
        await #expect(throws: LiaisonError.self) { try await store.saveCheckpoint(size: UInt64.max, root: root, note: "huge", at: now) }
        try await store.saveCheckpoint(size: 5, root: root, note: "later", at: now)
        #expect(try await store.latestCheckpoint()?.size == 5)
        #expect(try await store.checkpoints().map(\.size) == [3, 5])
        #expect(try await store.checkpoint(size: UInt64.max) == nil)
        await database.shutdown()
    }
}
