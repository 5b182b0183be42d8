import AsyncHTTPClient
import Foundation
import LiaisonCore
import LiaisonCrypto
import LiaisonStore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Delivers the durable outbox: takes due deliveries from the database, posts each envelope or
/// read receipt to its partner, verifies and stores the signed delivery receipt, and retries with
/// exponential back-off while the partner is down.
///
/// Exactly once: a delivery is marked delivered only after the partner's signed receipt is
/// stored; if this node crashes before that, it posts again and the partner answers with the
/// receipt it gave the first time, storing nothing twice.
struct DeliveryService: Service {
    /// Deliveries taken from the outbox at a time and posted concurrently (the partner's client
    /// keeps as many connections open).
    static let concurrentDeliveries = 64
    /// Give up after this many attempts (with the back-off capped at 5 minutes, about four hours).
    static let maximumAttempts = 60

    let ownAgencyCode: String
    let messages: MessageStore
    let federation: FederationStore
    let clients: FederationClients
    let clock: any WallClock
    let wakeup: Wakeup
    let logger: Logger
    /// The longest wait between two attempts (``NodeConfiguration/maximumRetryDelay``).
    let maximumBackoff: TimeInterval

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            try await loop()
        }
        await clients.shutdown()
    }

    private func loop() async throws {
        while !Task.isCancelled {
            let due: [DeliveryRecord]
            do {
                due = try await messages.dueDeliveries(at: clock.now(), limit: Self.concurrentDeliveries)
            } catch {
                logger.warning("cannot read the outbox", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
                continue
            }
            if due.isEmpty {
                await wakeup.idle()
                continue
            }
            // The deliveries the partners acknowledged are marked in one write.
            let delivered = await withTaskGroup(of: (DeliveryRecord, String?)?.self) { group in
                for delivery in due {
                    group.addTask { await deliver(delivery) }
                }
                var delivered: [(DeliveryRecord, String?)] = []
                for await outcome in group {
                    if let outcome { delivered.append(outcome) }
                }
                return delivered
            }
            do {
                try await messages.markDelivered(delivered.map { ($0.0.id, $0.1) }, at: clock.now())
            } catch {
                // Posted again later; the partner answers with the receipt it gave the first time.
                logger.warning("cannot record deliveries", metadata: ["error": "\(error)"])
                for (delivery, _) in delivered { try? await retry(delivery, error: "\(error)") }
            }
        }
    }

    /// Posts one envelope or read receipt.
    /// - Returns: the delivery and its verified receipt's JSON (`nil` for a read receipt) once the
    ///   partner acknowledged it; `nil` when it was refused or is to be retried (recorded here).
    private func deliver(_ delivery: DeliveryRecord) async -> (DeliveryRecord, String?)? {
        do {
            guard let partner = try await federation.partner(delivery.recipient) else {
                try await messages.markFailed(delivery.id, error: "\(delivery.recipient) is no longer a partner")
                return nil
            }
            let (client, endpoint) = try await clients.client(for: partner)
            let path = delivery.kind == .message ? "/federation/v1/envelopes" : "/federation/v1/receipts"
            var request = HTTPClientRequest(url: endpoint + path)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: delivery.payloadJSON))
            let response = try await client.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            switch response.status.code {
            case 200..<300:
                return (delivery, try accept(delivery, partner: partner, body: body))
            case 408, 429, 500...:
                try await retry(delivery, error: "\(delivery.recipient) answered \(response.status.code)")
            default:
                let detail = (try? JSONDecoder().decode([String: AnyCodable].self, from: Data(body.readableBytesView)))?["detail"]?.text
                try await messages.markFailed(delivery.id, error: "\(delivery.recipient) refused (\(response.status.code)): \(detail ?? String(buffer: body))")
                logger.warning("delivery refused", metadata: ["envelope": "\(delivery.id)", "recipient": "\(delivery.recipient)", "status": "\(response.status.code)"])
            }
        } catch {
            try? await retry(delivery, error: "\(error)")
        }
        return nil
    }

    /// Verifies the partner's signed delivery receipt for an envelope.
    /// - Returns: the receipt's JSON to store, `nil` for a read receipt's delivery (answered with no content).
    private func accept(_ delivery: DeliveryRecord, partner: PartnerRecord, body: ByteBuffer) throws -> String? {
        guard delivery.kind == .message else { return nil }
        let signed = try MessageStore.decoder.decode(SignedReceipt.self, from: Data(body.readableBytesView))
        let receipt = try signed.verified(issuerKey: try PartnerKeys(identity: partner.identity).signing)
        let envelope = try MessageStore.decoder.decode(Envelope.self, from: Data(delivery.payloadJSON.utf8))
        guard receipt.kind == .delivery, receipt.envelopeId == delivery.id, receipt.messageId == delivery.messageID,
            receipt.issuer == delivery.recipient, receipt.sender == ownAgencyCode, receipt.ciphertextSHA256 == envelope.ciphertextSHA256
        else {
            throw LiaisonError(.invalidInput, "\(delivery.recipient)'s receipt does not match the envelope it acknowledges")
        }
        return String(decoding: try MessageStore.encoder.encode(signed), as: UTF8.self)
    }

    private func retry(_ delivery: DeliveryRecord, error: String) async throws {
        // A node that keeps retrying at a short cap (tests) does not give up early because of it.
        if delivery.attempts + 1 >= Self.maximumAttempts, maximumBackoff >= 60 {
            try await messages.markFailed(delivery.id, error: "gave up after \(delivery.attempts + 1) attempts: \(error)")
            return
        }
        let backoff = min(maximumBackoff, pow(2, Double(delivery.attempts)) * 0.5) * Double.random(in: 0.8...1.2)
        try await messages.markRetry(delivery.id, error: error, nextAttemptAt: clock.now().addingTimeInterval(backoff))
    }
}

/// Just enough JSON to read a problem's `detail`.
struct AnyCodable: Decodable {
    let text: String?
    init(from decoder: any Decoder) throws {
        text = try? decoder.singleValueContainer().decode(String.self)
    }
}
