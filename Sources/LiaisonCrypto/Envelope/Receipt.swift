public import Crypto
public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Evidence of a delivery step, signed by the node that took the step (the e-CODEX model:
/// each step leaves signed evidence). Format `liaison-receipt/1`; see `docs/envelope.md`.
public struct Receipt: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// The receiving node verified, accepted and durably stored the envelope.
        case delivery
        /// A user at the receiving node opened the message.
        case read
    }

    public var format: String = "liaison-receipt/1"
    public var kind: Kind
    public var envelopeId: String
    public var messageId: String
    /// The node that sent the envelope.
    public var sender: String
    /// The node that issues this receipt (the envelope's recipient).
    public var issuer: String
    public var at: Date
    /// SHA-256 of the envelope's ciphertext, lower-case hex: binds the receipt to exactly what was received.
    public var ciphertextSHA256: String
    /// 16 random bytes, base64, in a receipt signed as part of a batch: the other receipts of the
    /// batch must not let their reader rebuild this one (see ``SignedReceipt/batch(_:signingKey:)``).
    public var nonce: String?

    public init(kind: Kind, envelopeId: String, messageId: String, sender: String, issuer: String, at: Date, ciphertextSHA256: String, nonce: String? = nil) {
        self.kind = kind
        self.envelopeId = envelopeId
        self.messageId = messageId
        self.sender = sender
        self.issuer = issuer
        self.at = at
        self.ciphertextSHA256 = ciphertextSHA256
        self.nonce = nonce
    }
}

extension Receipt {
    /// The receipt's bytes as ``JSON/encoder`` writes them (sorted keys, slashes escaped),
    /// written directly: a node writes one for every envelope it receives. A date outside the
    /// years the writer spells is left to the encoder.
    package var wireJSON: Data {
        get throws {
            try CanonicalJSONWriter.document(self, as: JSON.encoder, dates: [at], capacity: 320) { json in
                json.beginObject()
                json.member("at", at)
                json.member("ciphertextSHA256", ciphertextSHA256)
                json.member("envelopeId", envelopeId)
                json.member("format", format)
                json.member("issuer", issuer)
                json.member("kind", kind.rawValue)
                json.member("messageId", messageId)
                json.member("nonce", nonce)
                json.member("sender", sender)
                json.endObject()
            }
        }
    }
}

/// A receipt with its issuer's Ed25519 signature: over the exact receipt bytes, or, for a receipt
/// signed with others in one batch, over the head of the Merkle tree of the batch's receipts, with
/// this receipt's inclusion proof (one signature for a whole batch of deliveries).
public struct SignedReceipt: Codable, Sendable, Equatable {
    static let label = Data("liaison-receipt/1\n".utf8)
    static let batchLabel = Data("liaison-receipts/1\n".utf8)

    /// The receipt's JSON bytes, base64.
    public var receipt: String
    /// Ed25519 signature, base64: over `label ‖ receipt bytes`, or for a batch over
    /// `batchLabel ‖ size (8 bytes, big-endian) ‖ root`.
    public var signature: String
    /// Where the receipt sits in the batch signed together, when it was.
    public var batch: Batch?

    /// A receipt's place in a signed batch: leaf `index` of the RFC 9162 Merkle tree of `size`
    /// leaves (each `SHA-256(0x00 ‖ receipt bytes)`) with head `root`.
    public struct Batch: Codable, Sendable, Equatable {
        public var size: Int
        public var index: Int
        /// The tree head, base64.
        public var root: String
        /// The inclusion proof (RFC 9162 §2.1.3), base64 hashes.
        public var proof: [String]

        public init(size: Int, index: Int, root: String, proof: [String]) {
            self.size = size
            self.index = index
            self.root = root
            self.proof = proof
        }
    }

    /// A signed receipt as received, to verify with ``verified(issuerKey:)``.
    public init(receipt: String, signature: String, batch: Batch? = nil) {
        self.receipt = receipt
        self.signature = signature
        self.batch = batch
    }

    /// Signs a receipt.
    public init(_ receipt: Receipt, signingKey: Curve25519.Signing.PrivateKey) throws {
        let bytes = try receipt.wireJSON
        self.receipt = bytes.base64EncodedString()
        self.signature = try signingKey.signature(for: Self.label + bytes).base64EncodedString()
    }

    /// Signs receipts together: one signature over the head of their Merkle tree, each receipt
    /// with its inclusion proof. Each receipt gets a random ``Receipt/nonce``, so that the proofs
    /// given for some receipts of a batch do not let anyone rebuild another (all its other fields
    /// can be guessed by the sender).
    /// - Returns: the signed receipts, in order.
    public static func batch(_ receipts: [Receipt], signingKey: Curve25519.Signing.PrivateKey) throws -> [SignedReceipt] {
        guard !receipts.isEmpty else { return [] }
        var generator = SystemRandomNumberGenerator()
        let encoded = try receipts.map { receipt in
            var receipt = receipt
            receipt.nonce = Data((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64EncodedString()
            return try receipt.wireJSON
        }
        let tree = MerkleBatch(leafHashes: encoded.map(Merkle.leafHash))
        let signature = try signingKey.signature(for: batchHead(size: encoded.count, root: tree.root)).base64EncodedString()
        let root = tree.root.base64EncodedString()
        return encoded.enumerated().map { index, bytes in
            SignedReceipt(
                receipt: bytes.base64EncodedString(), signature: signature,
                batch: Batch(size: encoded.count, index: index, root: root, proof: tree.proof(index).map { $0.base64EncodedString() })
            )
        }
    }

    /// Verifies the signature with the issuer's pinned key and returns the receipt.
    /// - Throws: ``LiaisonError`` `.unauthenticated` for a bad signature or proof, `.invalidInput` for a malformed receipt.
    public func verified(issuerKey: Curve25519.Signing.PublicKey) throws(LiaisonError) -> Receipt {
        var verifiedHeads: Set<Data> = []
        return try verified(issuerKey: issuerKey, verifiedHeads: &verifiedHeads)
    }

    /// Verifies the receipt as ``verified(issuerKey:)`` does, checking a batch's signature only
    /// once: `verifiedHeads` keeps the signed batch heads (with their signatures) already verified
    /// against `issuerKey`, so that the other receipts of a batch need only their proofs checked.
    public func verified(issuerKey: Curve25519.Signing.PublicKey, verifiedHeads: inout Set<Data>) throws(LiaisonError) -> Receipt {
        guard let bytes = Data(base64Encoded: receipt), let signature = Data(base64Encoded: signature) else {
            throw LiaisonError(.invalidInput, "the receipt is malformed: receipt and signature must be base64")
        }
        if let batch {
            guard let root = Data(base64Encoded: batch.root), batch.size > 0, batch.index >= 0 else {
                throw LiaisonError(.invalidInput, "the receipt's batch is malformed: root must be base64, size positive and index not negative")
            }
            let proof = batch.proof.compactMap { Data(base64Encoded: $0) }
            guard proof.count == batch.proof.count,
                MerkleVerifier.verifyInclusion(index: UInt64(batch.index), size: UInt64(batch.size), leafHash: Merkle.leafHash(bytes), proof: proof, root: root) == .verified  // checked: index ≥ 0 and size > 0 are checked above
            else {
                throw LiaisonError(.unauthenticated, "the receipt is not in the batch its signature covers (its inclusion proof does not verify)")
            }
            let head = Self.batchHead(size: batch.size, root: root)
            if !verifiedHeads.contains(head + signature) {
                guard issuerKey.isValidSignature(signature, for: head) else {
                    throw LiaisonError(.unauthenticated, "the receipt's batch signature does not verify against the issuer's pinned key")
                }
                verifiedHeads.insert(head + signature)
            }
        } else {
            guard issuerKey.isValidSignature(signature, for: Self.label + bytes) else {
                throw LiaisonError(.unauthenticated, "the receipt's signature does not verify against the issuer's pinned key")
            }
        }
        guard let decoded = try? JSON.decoder.decode(Receipt.self, from: bytes) else {
            throw LiaisonError(.invalidInput, "the receipt is not a valid liaison-receipt/1 document")
        }
        return decoded
    }

    /// The signed receipt as JSON, written directly (as ``JSON/canonicalEncoder`` writes it): a
    /// node stores and sends every delivery receipt, and the generic encoder cost more than the rest.
    public var json: String {
        var writer = CanonicalJSONWriter(capacity: receipt.utf8.count + signature.utf8.count + 64 + (batch?.proof.count ?? 0) * 48)
        writer.beginObject()
        if let batch {
            writer.key("batch")
            writer.beginObject()
            writer.key("index")
            writer.integer(batch.index)
            writer.key("proof")
            writer.beginArray()
            for hash in batch.proof { writer.string(hash) }
            writer.endArray()
            writer.key("root")
            writer.string(batch.root)
            writer.key("size")
            writer.integer(batch.size)
            writer.endObject()
        }
        writer.key("receipt")
        writer.string(receipt)
        writer.key("signature")
        writer.string(signature)
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// What a batch's signature covers: `batchLabel ‖ size (8 bytes, big-endian) ‖ root`.
    static func batchHead(size: Int, root: Data) -> Data {
        var head = batchLabel
        withUnsafeBytes(of: UInt64(size).bigEndian) { head.append(contentsOf: $0) }  // checked: size > 0: verified() checks it, a batch this node signs has at least one receipt
        return head + root
    }
}

extension Envelope {
    /// Lower-case hex SHA-256 of the ciphertext bytes, as receipts quote it.
    public var ciphertextSHA256: String {
        let bytes = Data(base64Encoded: ciphertext) ?? Data(ciphertext.utf8)
        return SHA256.hash(data: bytes).lowercaseHex
    }

    /// ``ciphertextSHA256`` of an envelope stored as JSON: read straight from the text when it
    /// was written by ``json`` (the ciphertext first, plain base64), decoded otherwise.
    public static func ciphertextSHA256(json: String) throws -> String {
        let prefix = #"{"ciphertext":""#.utf8
        let utf8 = json.utf8
        if utf8.starts(with: prefix) {
            let start = utf8.index(utf8.startIndex, offsetBy: prefix.count)
            if let end = utf8[start...].firstIndex(of: UInt8(ascii: "\"")), let bytes = Data(base64Encoded: Data(utf8[start..<end])) {
                return SHA256.hash(data: bytes).lowercaseHex
            }
        }
        return try JSON.decoder.decode(Envelope.self, from: Data(utf8)).ciphertextSHA256
    }
}
