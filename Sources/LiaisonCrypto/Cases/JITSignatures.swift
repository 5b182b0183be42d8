public import Crypto
public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A JIT agreement with the parties' signatures. Each party's node signs the same canonical
/// bytes (kept as sent, so that verification never depends on encoding them again), under a
/// label of their own so that no other signed kind can be passed off as one.
public struct SignedJITAgreement: Codable, Sendable, Equatable {
    static let label = Data("liaison/jit-agreement/v1\n".utf8)

    /// The agreement's canonical JSON, base64.
    public var document: String
    /// Agency code → base64 Ed25519 signature over label + document.
    public var signatures: [String: String]

    /// A new agreement, signed by the proposing node.
    public init(_ agreement: JITAgreement, signingKey: Curve25519.Signing.PrivateKey) throws {
        let bytes = try JSON.canonicalEncoder.encode(agreement)
        document = bytes.base64EncodedString()
        signatures = [agreement.proposedBy: try signingKey.signature(for: Self.label + bytes).base64EncodedString()]
    }

    /// An agreement as stored or received.
    public static func restored(document: String, signatures: [String: String]) -> SignedJITAgreement {
        SignedJITAgreement(document: document, signatures: signatures)
    }

    private init(document: String, signatures: [String: String]) {
        self.document = document
        self.signatures = signatures
    }

    /// The agreement the document holds.
    /// - Throws: ``LiaisonError`` `.invalidInput` when the document is not an agreement.
    public func agreement() throws -> JITAgreement {
        guard let bytes = Data(base64Encoded: document), let agreement = try? JSON.decoder.decode(JITAgreement.self, from: bytes) else {
            throw LiaisonError(.invalidInput, "document: not a JIT agreement")
        }
        return agreement
    }

    /// Signs as `agency`.
    public mutating func sign(as agency: String, signingKey: Curve25519.Signing.PrivateKey) throws {
        guard let bytes = Data(base64Encoded: document) else { throw LiaisonError(.invalidInput, "document: not base64") }
        signatures[agency] = try signingKey.signature(for: Self.label + bytes).base64EncodedString()
    }

    /// Whether `agency`'s signature verifies with its key.
    public func isSigned(by agency: String, key: Curve25519.Signing.PublicKey) -> Bool {
        guard let bytes = Data(base64Encoded: document), let signature = signatures[agency].flatMap({ Data(base64Encoded: $0) }) else { return false }
        return key.isValidSignature(signature, for: Self.label + bytes)
    }

    /// A signature as received, checked against the document with the signer's key.
    public static func verify(signature: String, document: String, key: Curve25519.Signing.PublicKey) -> Bool {
        guard let bytes = Data(base64Encoded: document), let signature = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(signature, for: label + bytes)
    }
}

/// A contribution signed by the node of the party that made it.
public struct SignedJITContribution: Codable, Sendable, Equatable {
    static let label = Data("liaison/jit-contribution/v1\n".utf8)

    /// The contribution's canonical JSON, base64.
    public var document: String
    public var signature: String

    public init(_ contribution: JITContribution, signingKey: Curve25519.Signing.PrivateKey) throws {
        let bytes = try JSON.canonicalEncoder.encode(contribution)
        document = bytes.base64EncodedString()
        signature = try signingKey.signature(for: Self.label + bytes).base64EncodedString()
    }

    public init(document: String, signature: String) {
        self.document = document
        self.signature = signature
    }

    /// The contribution, once its signature verifies with its author's key.
    /// - Throws: ``LiaisonError`` `.badSignature`, or `.invalidInput` for a document that is not one.
    public func verified(authorKey: (String) throws -> Curve25519.Signing.PublicKey) throws -> JITContribution {
        guard let bytes = Data(base64Encoded: document), let contribution = try? JSON.decoder.decode(JITContribution.self, from: bytes) else {
            throw LiaisonError(.invalidInput, "document: not a JIT contribution")
        }
        guard let signature = Data(base64Encoded: signature), try authorKey(contribution.author).isValidSignature(signature, for: Self.label + bytes) else {
            throw LiaisonError(.badSignature, "The contribution \(contribution.id) is not signed by \(contribution.author)'s node.")
        }
        return contribution
    }

    /// The digest of a space: SHA-256 over its contributions' signatures in (author, sequence)
    /// order — equal on two nodes exactly when they hold the same contributions.
    public static func digest(_ contributions: [(author: String, sequence: Int, signature: String)]) -> String {
        var hash = SHA256()
        for item in contributions.sorted(by: { ($0.author, $0.sequence) < ($1.author, $1.sequence) }) {
            hash.update(data: Data("\(item.author)\t\(item.sequence)\t\(item.signature)\n".utf8))
        }
        return hash.finalize().lowercaseHex
    }
}
