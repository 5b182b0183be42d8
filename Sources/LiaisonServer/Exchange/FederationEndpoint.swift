import Foundation
import Hummingbird
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
import LiaisonStore
import Logging

/// The node-to-node endpoints, served on the federation listener (TLS). Callers are not users:
/// every envelope and receipt is authenticated by its signature against the pinned partner key.
struct FederationEndpoint {
    let service: MessageService
    let trail: AuditTrail
    let identity: IdentityDocument
    let configuration: NodeConfiguration
    let metrics: NodeMetrics

    /// Envelopes may carry attachments up to SIENA's 50 MB limit, base64-encoded.
    static let maximumEnvelopeBytes = 72 * 1024 * 1024

    /// Receives one envelope; a refusal is logged and audited, then thrown.
    private func receive(_ envelope: Envelope, logger: Logger) async throws -> (receipt: SignedReceipt, duplicate: Bool) {
        do {
            let received = try await service.receive(envelope)
            metrics.countEnvelope(received.duplicate ? "duplicate" : "stored")
            return received
        } catch {
            await refused(envelope, error, logger: logger)
            throw error
        }
    }

    /// Logs and audits the refusal of an envelope.
    private func refused(_ envelope: Envelope, _ error: any Error, logger: Logger) async {
        metrics.countEnvelope("refused")
        logger.notice("envelope refused", metadata: ["error": "\(error)"])
        // The claimed sender is unverified when the signature was the problem; the log says "claimed".
        let (status, code) = MessageService.classify(error)
        let claimed = try? envelope.claimedHeader()
        await trail.record(trail.event(
            .messageRefused, status == 403 ? .denied : .failure, actor: "node:\(claimed?.sender ?? "unknown") (claimed)",
            subject: claimed.map { "envelope:\($0.id)" }, details: ["problem": code, "status": "\(status)"]
        ))
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/federation/v1/identity", access: .anonymous, surface: .federation) { _, _ in
            try JSONBody.response(identity)
        }
        routes.on(.post, "/federation/v1/envelopes", access: .anonymous, surface: .federation) { request, context in
            let envelope = try await JSONBody.decode(Envelope.self, from: request, limit: Self.maximumEnvelopeBytes)
            let (receipt, duplicate) = try await receive(envelope, logger: context.logger)
            var response = JSONBody.response(json: receipt.json.utf8)
            if duplicate { response.headers[.init("Liaison-Duplicate")!] = "true" }  // checked: a constant, valid header name
            return response
        }
        routes.on(.post, "/federation/v1/envelopes/batch", access: .anonymous, surface: .federation) { request, context in
            let batch = try await JSONBody.decode(EnvelopeBatch.self, from: request, limit: Self.maximumEnvelopeBytes)
            guard !batch.envelopes.isEmpty, batch.envelopes.count <= EnvelopeBatch.maximumCount else {
                throw LiaisonError(.invalidBatch, "envelopes: send between 1 and \(EnvelopeBatch.maximumCount) envelopes in one batch (got \(batch.envelopes.count)).")
            }
            // The well-formed envelopes are received together: one signature for all their receipts.
            let envelopes = batch.envelopes.compactMap { try? $0.get() }
            var outcomes = await service.receive(batch: envelopes).makeIterator()
            var results: [EnvelopeBatch.Result] = []
            for item in batch.envelopes {
                switch item {
                case .failure(let error):
                    metrics.countEnvelope("refused")
                    results.append(EnvelopeBatch.Result(problem: Problem(error)))
                case .success(let envelope):
                    switch outcomes.next() {
                    case .success(let (receipt, duplicate)):
                        metrics.countEnvelope(duplicate ? "duplicate" : "stored")
                        results.append(EnvelopeBatch.Result(receipt: receipt, duplicate: duplicate))
                    case .failure(let error):
                        await refused(envelope, error, logger: context.logger)
                        results.append(EnvelopeBatch.Result(problem: ProblemMiddleware<LiaisonRequestContext>.problem(for: error)))
                    case nil:
                        // receive(batch:) answers every envelope; were it not to, the envelope is refused, not the node stopped.
                        results.append(EnvelopeBatch.Result(problem: Problem(LiaisonError(.internal, "The envelope was not processed; send it again."))))
                    }
                }
            }
            return JSONBody.response(json: try EnvelopeBatch.Answer(results: results).json())
        }
        routes.on(.post, "/federation/v1/receipts", access: .anonymous, surface: .federation) { request, _ in
            let receipt = try await JSONBody.decode(SignedReceipt.self, from: request, limit: configuration.maxBodyBytes)
            try await service.receiveReadReceipt(receipt)
            return Response(status: .noContent)
        }
    }
}

/// Several envelopes to one node in one request (`POST /federation/v1/envelopes/batch`), answered
/// with one result per envelope, in order: its signed delivery receipt, or the problem that
/// refused it. Each envelope is checked, stored and refused on its own, exactly as if posted
/// alone; the batch saves the round trips, and its receipts are signed together (one signature
/// over their Merkle tree, `liaison-receipts/1`).
struct EnvelopeBatch: Decodable, Sendable {
    /// At most this many envelopes in one batch.
    static let maximumCount = 256

    /// Each element, or the problem with it when it is not an envelope at all (the others are still received).
    var envelopes: [Swift.Result<Envelope, LiaisonError>]

    struct Item: Decodable {
        var value: Swift.Result<Envelope, LiaisonError>
        init(from decoder: any Decoder) throws {
            do {
                value = .success(try Envelope(from: decoder))
            } catch let error as DecodingError {
                value = .failure(LiaisonError(.invalidJSON, JSONBody.describe(error)))
            }
        }
    }

    enum CodingKeys: String, CodingKey { case envelopes }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        envelopes = try container.decode([Item].self, forKey: .envelopes).map(\.value)
    }

    /// One envelope's outcome.
    struct Result: Codable, Sendable {
        var receipt: SignedReceipt?
        /// The envelope had been received before; the receipt is the one given then.
        var duplicate: Bool?
        var problem: Problem?

        init(receipt: SignedReceipt, duplicate: Bool) {
            self.receipt = receipt
            self.duplicate = duplicate ? true : nil
        }

        init(problem: Problem) {
            self.problem = problem
        }
    }

    struct Answer: Codable, Sendable {
        var results: [Result]

        /// The answer as JSON, its receipts written directly (``SignedReceipt/json``).
        func json() throws -> [UInt8] {
            var writer = CanonicalJSONWriter(capacity: results.count * 1_024)
            writer.beginObject()
            writer.key("results")
            writer.beginArray()
            for result in results {
                writer.beginObject()
                if let duplicate = result.duplicate {
                    writer.key("duplicate")
                    writer.raw((duplicate ? "true" : "false").utf8)
                }
                if let problem = result.problem {
                    writer.key("problem")
                    writer.raw(try JSON.encoder.encode(problem))
                }
                if let receipt = result.receipt {
                    writer.key("receipt")
                    writer.raw(receipt.json.utf8)
                }
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
            return writer.bytes
        }
    }
}
