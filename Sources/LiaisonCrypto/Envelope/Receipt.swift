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

    public init(kind: Kind, envelopeId: String, messageId: String, sender: String, issuer: String, at: Date, ciphertextSHA256: String) {
        self.kind = kind
        self.envelopeId = envelopeId
        self.messageId = messageId
        self.sender = sender
        self.issuer = issuer
        self.at = at
        self.ciphertextSHA256 = ciphertextSHA256
    }
}

/// A receipt with its issuer's Ed25519 signature over the exact receipt bytes.
public struct SignedReceipt: Codable, Sendable, Equatable {
    static let label = Data("liaison-receipt/1\n".utf8)

    /// The receipt's JSON bytes, base64.
    public var receipt: String
    /// Ed25519 signature over `label ‖ receipt bytes`, base64.
    public var signature: String

    /// A signed receipt as received, to verify with ``verified(issuerKey:)``.
    public init(receipt: String, signature: String) {
        self.receipt = receipt
        self.signature = signature
    }

    /// Signs a receipt.
    public init(_ receipt: Receipt, signingKey: Curve25519.Signing.PrivateKey) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let bytes = try encoder.encode(receipt)
        self.receipt = bytes.base64EncodedString()
        self.signature = try signingKey.signature(for: Self.label + bytes).base64EncodedString()
    }

    /// Verifies the signature with the issuer's pinned key and returns the receipt.
    /// - Throws: ``LiaisonError`` `.unauthenticated` for a bad signature, `.invalidInput` for a malformed receipt.
    public func verified(issuerKey: Curve25519.Signing.PublicKey) throws(LiaisonError) -> Receipt {
        guard let bytes = Data(base64Encoded: receipt), let signature = Data(base64Encoded: signature) else {
            throw LiaisonError(.invalidInput, "the receipt is malformed: receipt and signature must be base64")
        }
        guard issuerKey.isValidSignature(signature, for: Self.label + bytes) else {
            throw LiaisonError(.unauthenticated, "the receipt's signature does not verify against the issuer's pinned key")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let decoded = try? decoder.decode(Receipt.self, from: bytes) else {
            throw LiaisonError(.invalidInput, "the receipt is not a valid liaison-receipt/1 document")
        }
        return decoded
    }
}

extension Envelope {
    /// Lower-case hex SHA-256 of the ciphertext bytes, as receipts quote it.
    public var ciphertextSHA256: String {
        let bytes = Data(base64Encoded: ciphertext) ?? Data(ciphertext.utf8)
        return SHA256.hash(data: bytes).lowercaseHex
    }
}
