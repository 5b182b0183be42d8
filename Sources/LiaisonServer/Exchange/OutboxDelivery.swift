import AsyncHTTPClient
import Crypto
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
struct OutboxDelivery: Service {
    /// Deliveries taken from the outbox at a time.
    static let roundSize = 256
    /// Rounds in flight at once: the next round is read and posted while the last one waits for
    /// its partner's answer and for its receipts' durable commit, so that neither node idles
    /// through the other's commit.
    static let roundsInFlight = 2
    /// Envelopes to one partner go in batches of at most this many (and ``batchBytes``), posted
    /// concurrently: a batch costs one round trip, and the partner commits its envelopes together.
    static let batchSize = 64
    static let batchBytes = 8 << 20
    /// Connections kept per partner (the partner's client): enough for a round delivered one by one.
    static let connectionsPerPartner = 64
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
    }

    private func loop() async throws {
        // The deliveries of the rounds in flight, which a later round must not post again.
        var inFlight: Set<String> = []
        await withTaskGroup(of: [String].self) { rounds in
            var running = 0
            while !Task.isCancelled {
                let due: [DeliveryRecord]
                do {
                    due = Array(
                        try await messages.dueDeliveries(at: clock.now(), limit: Self.roundSize + inFlight.count)
                            .lazy.filter { !inFlight.contains($0.id) }.prefix(Self.roundSize)
                    )
                } catch {
                    logger.warning("cannot read the outbox", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                if !due.isEmpty {
                    inFlight.formUnion(due.map(\.id))
                    running += 1
                    rounds.addTask {
                        await round(due)
                        return due.map(\.id)
                    }
                }
                // With rounds enough in flight, or nothing new to post, wait for a round to
                // finish; with none in flight and nothing new, for a message to be queued.
                if running >= Self.roundsInFlight || (due.isEmpty && running > 0) {
                    if let finished = await rounds.next() {
                        inFlight.subtract(finished)
                        running -= 1
                    }
                } else if due.isEmpty {
                    await wakeup.idle()
                }
            }
        }
    }

    /// Posts a round's deliveries, batched by partner, and marks those the partners acknowledged
    /// delivered, in one write.
    private func round(_ due: [DeliveryRecord]) async {
        let delivered = await withTaskGroup(of: [(DeliveryRecord, String?)].self) { group in
            for batch in Self.batches(due) {
                group.addTask { await deliver(batch) }
            }
            var delivered: [(DeliveryRecord, String?)] = []
            for await outcome in group { delivered += outcome }
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

    /// The round's deliveries in the order due, envelopes to one partner grouped into batches;
    /// a read receipt, or an envelope too large to share a request, goes alone.
    static func batches(_ due: [DeliveryRecord]) -> [[DeliveryRecord]] {
        var batches: [[DeliveryRecord]] = []
        var open: [String: (index: Int, bytes: Int)] = [:]
        for delivery in due {
            let bytes = delivery.payloadJSON.utf8.count
            guard delivery.kind == .message, bytes < batchBytes else {
                batches.append([delivery])
                continue
            }
            if let (index, size) = open[delivery.recipient], batches[index].count < batchSize, size + bytes <= batchBytes {
                batches[index].append(delivery)
                open[delivery.recipient] = (index, size + bytes)
            } else {
                open[delivery.recipient] = (batches.count, bytes)
                batches.append([delivery])
            }
        }
        return batches
    }

    /// Posts a batch of envelopes to one partner (or one delivery alone).
    /// - Returns: the deliveries the partner acknowledged, each with its verified receipt's JSON
    ///   (`nil` for a read receipt); the others were refused or are to be retried (recorded here).
    private func deliver(_ batch: [DeliveryRecord]) async -> [(DeliveryRecord, String?)] {
        guard batch.count > 1, let first = batch.first else {
            return await batch.asyncCompactMap { await deliver($0) }
        }
        do {
            guard let partner = try await federation.partner(first.recipient) else {
                for delivery in batch { try await messages.markFailed(delivery.id, error: "\(delivery.recipient) is no longer a partner") }
                return []
            }
            // The stored envelopes are JSON already: the batch is written around them, not re-encoded.
            let (status, body) = try await post(
                #"{"envelopes":["# + batch.map(\.payloadJSON).joined(separator: ",") + "]}", to: "/federation/v1/envelopes/batch", of: partner,
                timeout: .seconds(60), answerLimit: 64 << 20
            )
            switch status {
            case 200:
                let answer = try JSON.decoder.decode(EnvelopeBatch.Answer.self, from: Data(body.readableBytesView))
                guard answer.results.count == batch.count else {
                    throw LiaisonError(.invalidInput, "\(first.recipient) answered \(answer.results.count) results for \(batch.count) envelopes")
                }
                // A batch's receipts share one signature, verified once.
                let issuerKey = try PartnerKeys.of(partner.identity).signing
                var verifiedHeads: Set<Data> = []
                var delivered: [(DeliveryRecord, String?)] = []
                for (delivery, result) in zip(batch, answer.results) {
                    do {
                        if let receipt = result.receipt {
                            delivered.append((delivery, try accept(delivery, receipt: receipt, issuerKey: issuerKey, verifiedHeads: &verifiedHeads)))
                        } else if let problem = result.problem {
                            try await refused(delivery, status: problem.status, detail: problem.detail)
                        } else {
                            throw LiaisonError(.invalidInput, "\(first.recipient) answered neither a receipt nor a problem for envelope \(delivery.id)")
                        }
                    } catch {
                        try? await retry(delivery, error: "\(error)")
                    }
                }
                return delivered
            case 408, 429, 500...:
                for delivery in batch { try await retry(delivery, error: "\(first.recipient) answered \(status)") }
                return []
            default:
                // A partner that takes no batches (or not this one) gets each envelope alone, and
                // answers each on its own.
                logger.notice("batch not taken; delivering one by one", metadata: ["recipient": "\(first.recipient)", "status": "\(status)"])
                return await batch.asyncCompactMap { await deliver($0) }
            }
        } catch {
            for delivery in batch { try? await retry(delivery, error: "\(error)") }
            return []
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
            let path = delivery.kind == .message ? "/federation/v1/envelopes" : "/federation/v1/receipts"
            let (status, body) = try await post(delivery.payloadJSON, to: path, of: partner, timeout: .seconds(30), answerLimit: 1 << 20)
            switch status {
            case 200..<300:
                guard delivery.kind == .message else { return (delivery, nil) }
                let receipt = try JSON.decoder.decode(SignedReceipt.self, from: Data(body.readableBytesView))
                var verifiedHeads: Set<Data> = []
                return (delivery, try accept(delivery, receipt: receipt, issuerKey: try PartnerKeys.of(partner.identity).signing, verifiedHeads: &verifiedHeads))
            default:
                let detail = (try? JSON.decoder.decode(Problem.self, from: Data(body.readableBytesView)))?.detail
                try await refused(delivery, status: status, detail: detail ?? String(buffer: body))
            }
        } catch {
            try? await retry(delivery, error: "\(error)")
        }
        return nil
    }

    /// Posts JSON to a path on a partner's federation endpoint.
    /// - Returns: the answer's status and body.
    private func post(_ json: String, to path: String, of partner: PartnerRecord, timeout: TimeAmount, answerLimit: Int) async throws -> (status: Int, body: ByteBuffer) {
        let (client, endpoint) = try await clients.client(for: partner)
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await client.execute(request, timeout: timeout)
        return (Int(response.status.code), try await response.body.collect(upTo: answerLimit))  // checked: a UInt16-sized status widened
    }

    /// Records a partner's refusal: retried later when the partner was busy or failing, failed otherwise.
    private func refused(_ delivery: DeliveryRecord, status: Int, detail: String) async throws {
        switch status {
        case 408, 429, 500...:
            try await retry(delivery, error: "\(delivery.recipient) answered \(status)")
        default:
            try await messages.markFailed(delivery.id, error: "\(delivery.recipient) refused (\(status)): \(detail)")
            logger.warning("delivery refused", metadata: ["envelope": "\(delivery.id)", "recipient": "\(delivery.recipient)", "status": "\(status)"])
        }
    }

    /// Verifies the partner's signed delivery receipt for an envelope.
    /// - Returns: the receipt's JSON to store.
    private func accept(
        _ delivery: DeliveryRecord, receipt signed: SignedReceipt, issuerKey: Curve25519.Signing.PublicKey, verifiedHeads: inout Set<Data>
    ) throws -> String {
        let receipt = try signed.verified(issuerKey: issuerKey, verifiedHeads: &verifiedHeads)
        guard receipt.kind == .delivery, receipt.envelopeId == delivery.id, receipt.messageId == delivery.messageID,
            receipt.issuer == delivery.recipient, receipt.sender == ownAgencyCode, receipt.ciphertextSHA256 == (try Envelope.ciphertextSHA256(json: delivery.payloadJSON))
        else {
            throw LiaisonError(.invalidInput, "\(delivery.recipient)'s receipt does not match the envelope it acknowledges")
        }
        return signed.json
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
