import Foundation
import LiaisonCore
@testable import LiaisonStore
import LiaisonTestSupport
import Testing

/// The outbox and inbox as a store: what the delivery service and the receiving endpoint rely on
/// (one transaction per send, at most one copy per envelope, deliveries that come due and leave).
@Suite("Message store: outbox, deliveries, inbox")
struct MessageStoreTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func message(_ number: Int = 1, to recipients: [String] = ["XB-CUS", "XC-PRO"]) -> Message {
        Message(
            id: UUIDv7.make(at: now.addingTimeInterval(Double(number))).uuidString.lowercased(), originator: "XA-POL", to: recipients,
            subject: "Grey van \(number)", body: "Seen at the crossing.", purpose: "investigation", legalBasis: "FD 2006/960/JHA", handlingCode: .h0,
            evaluation: Evaluation(source: .b, information: .two), caseRef: "XA-2026-0042", createdAt: now
        )
    }

    func outgoing(_ message: Message) -> [MessageStore.Outgoing] {
        message.to.map { MessageStore.Outgoing(envelopeID: UUID().uuidString.lowercased(), recipient: $0, envelopeJSON: #"{"envelope":"\#($0)"}"#) }
    }

    @Test("a send stores the message, one queued delivery a recipient and its audit events together", arguments: Backend.available)
    func enqueue(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = MessageStore(database: database)
        let sent = message()
        let queued = try await store.enqueue(sent, deliveries: outgoing(sent), audit: [AuditEvent(time: now, operation: .messageSent, actor: "user:ana")], at: now)
        #expect(queued.map(\.recipient) == ["XB-CUS", "XC-PRO"])
        #expect(try await store.message(sent.id)?.message == sent)
        #expect(try await store.count(box: .outbox) == 1)
        #expect(try await store.queuedCount() == 2)
        #expect(try await AuditStore(database: database).queued(limit: 10).map(\.operation) == [AuditOperation.messageSent.rawValue])
        await database.shutdown()
    }

    @Test("a send that fails half-way stores nothing: not the message, not a delivery, not an audit event", arguments: Backend.available)
    func enqueueIsAtomic(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = MessageStore(database: database)
        let first = message(1)
        let deliveries = outgoing(first)
        try await store.enqueue(first, deliveries: deliveries, at: now)
        // A second message whose delivery reuses an envelope id already queued: its insert fails.
        let second = message(2)
        await #expect(throws: (any Error).self) {
            try await store.enqueue(second, deliveries: [deliveries[0]], audit: [AuditEvent(time: now, operation: .messageSent, actor: "user:ana")], at: now)
        }
        #expect(try await store.message(second.id) == nil)
        #expect(try await store.queuedCount() == 2)
        #expect(try await AuditStore(database: database).queued(limit: 10).isEmpty)
        await database.shutdown()
    }

    @Test("deliveries come due in order, leave the queue when delivered, wait after a retry and stop when failed", arguments: Backend.available)
    func deliveryStates(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = MessageStore(database: database)
        let sent = message()
        let queued = try await store.enqueue(sent, deliveries: outgoing(sent), at: now)
        #expect(try await store.dueDeliveries(at: now, limit: 10).map(\.id).sorted() == queued.map(\.id).sorted())
        #expect(try await store.dueDeliveries(at: now, limit: 1).count == 1)

        try await store.markDelivered([(id: queued[0].id, receiptJSON: #"{"receipt":1}"#)], at: now)
        try await store.markRetry(queued[1].id, error: "XC-PRO answered 503", nextAttemptAt: now.addingTimeInterval(60))
        #expect(try await store.dueDeliveries(at: now.addingTimeInterval(30), limit: 10).isEmpty)
        #expect(try await store.nextDue().map { abs($0.timeIntervalSince(now.addingTimeInterval(60))) < 1 } == true)
        let retried = try #require(try await store.dueDeliveries(at: now.addingTimeInterval(61), limit: 10).first)
        #expect(retried.id == queued[1].id && retried.attempts == 1 && retried.lastError == "XC-PRO answered 503")

        try await store.markFailed(queued[1].id, error: "XC-PRO is no longer a partner")
        #expect(try await store.dueDeliveries(at: now.addingTimeInterval(3_600), limit: 10).isEmpty)
        let states = Dictionary(uniqueKeysWithValues: try await store.deliveries(messageID: sent.id).map { ($0.recipient, $0.state) })
        #expect(states == ["XB-CUS": .delivered, "XC-PRO": .failed])
        #expect(try await store.deliveries(messageID: sent.id).first { $0.recipient == "XB-CUS" }?.receiptJSON == #"{"receipt":1}"#)
        await database.shutdown()
    }

    @Test("an envelope is stored once: a second delivery gets the first receipt and stores nothing", arguments: Backend.available)
    func acceptOnce(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = MessageStore(database: database)
        let received = message(to: ["XA-POL"])
        #expect(try await store.accept(envelopeID: "env-1", sender: "XB-CUS", message: received, receiptJSON: "first", at: now) == .stored)
        #expect(try await store.accept(envelopeID: "env-1", sender: "XB-CUS", message: received, receiptJSON: "second", at: now) == .duplicate(receiptJSON: "first"))
        #expect(try await store.count(box: .inbox) == 1)
        // The same message under another envelope is a conflict, not a second copy.
        await #expect(throws: LiaisonError.self) {
            try await store.accept(envelopeID: "env-2", sender: "XB-CUS", message: received, receiptJSON: "third", at: now)
        }
        #expect(try await store.count(box: .inbox) == 1)
        await database.shutdown()
    }

    @Test("concurrent deliveries of one envelope store it once and answer every caller with the same receipt", arguments: Backend.available)
    func concurrentAccept(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = MessageStore(database: database)
        let received = message(to: ["XA-POL"])
        let outcomes = try await withThrowingTaskGroup(of: MessageStore.Acceptance.self) { group in
            for attempt in 0..<8 {
                group.addTask { try await store.accept(envelopeID: "env-race", sender: "XB-CUS", message: received, receiptJSON: "receipt-\(attempt)", at: now) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .stored }.count == 1)
        let receipts = Set(outcomes.compactMap { if case .duplicate(let receipt) = $0 { receipt } else { nil } })
        #expect(receipts.count == 1, "every duplicate is answered with the one stored receipt")
        #expect(try await store.count(box: .inbox) == 1)
        await database.shutdown()
    }

    @Test("an inbox message is marked read once; read receipts are recorded against the delivery", arguments: Backend.available)
    func readState(backend: Backend) async throws {
        let database = try await backend.freshDatabase()
        let store = MessageStore(database: database)
        let received = message(to: ["XA-POL"])
        _ = try await store.accept(envelopeID: "env-r", sender: "XB-CUS", message: received, receiptJSON: "r", at: now)
        #expect(try await store.markRead(received.id, at: now))
        #expect(try await store.markRead(received.id, at: now) == false)
        #expect(try await store.message(received.id)?.readAt != nil)

        let sent = message(3, to: ["XB-CUS"])
        try await store.enqueue(sent, deliveries: outgoing(sent), at: now)
        #expect(try await store.recordReadReceipt(messageID: sent.id, recipient: "XB-CUS", receiptJSON: "read", at: now))
        #expect(try await store.deliveries(messageID: sent.id).first?.readReceiptJSON == "read")
        await database.shutdown()
    }
}
