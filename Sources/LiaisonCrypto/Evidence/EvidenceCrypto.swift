public import Crypto
public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Evidence at rest: each item's content is sealed with its own AES-256-GCM key, and that key is
/// wrapped (AES Key Wrap, RFC 3394) with a key-encryption key derived from the node's X25519 key
/// (HKDF-SHA256, RFC 5869). A database copy without the node's keys reveals no content.
public struct EvidenceVault: Sendable {
    private let keyEncryptionKey: SymmetricKey

    public init(nodeKeys: NodeKeys) {
        keyEncryptionKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: nodeKeys.keyAgreement.rawRepresentation),
            salt: Data("liaison-evidence-kek/1".utf8),
            info: Data("evidence content keys".utf8),
            outputByteCount: 32
        )
    }

    /// Seals content under a fresh item key.
    /// - Returns: the AES-GCM combined box (nonce ‖ ciphertext ‖ tag) and the wrapped item key.
    public func seal(_ content: Data) throws -> (ciphertext: Data, wrappedKey: Data) {
        let itemKey = SymmetricKey(size: .bits256)
        let box = try AES.GCM.seal(content, using: itemKey)
        guard let combined = box.combined else { throw LiaisonError(.configuration, "AES-GCM gave no combined box") }
        return (combined, try AES.KeyWrap.wrap(itemKey, using: keyEncryptionKey))
    }

    /// Opens sealed content.
    /// - Throws: ``LiaisonError`` `.invalidInput` when the key or the content was altered.
    public func open(ciphertext: Data, wrappedKey: Data) throws(LiaisonError) -> Data {
        do {
            let itemKey = try AES.KeyWrap.unwrap(wrappedKey, using: keyEncryptionKey)
            return try AES.GCM.open(try AES.GCM.SealedBox(combined: ciphertext), using: itemKey)
        } catch {
            throw LiaisonError(.invalidInput, "the stored evidence content or its key was altered and cannot be opened")
        }
    }
}

/// A custody event with the acting node's Ed25519 signature over its canonical bytes.
public struct SignedCustodyEvent: Codable, Sendable, Equatable {
    /// The canonical JSON bytes of the ``CustodyEvent``, base64.
    public var event: String
    /// Ed25519 signature of those bytes, base64.
    public var signature: String
    /// The agency whose key signed.
    public var signer: String

    public init(event: String, signature: String, signer: String) {
        self.event = event
        self.signature = signature
        self.signer = signer
    }

    /// Signs an event.
    public init(_ event: CustodyEvent, signingKey: Curve25519.Signing.PrivateKey) throws {
        let bytes = try JSON.canonicalEncoder.encode(event)
        self.init(event: bytes.base64EncodedString(), signature: try signingKey.signature(for: bytes).base64EncodedString(), signer: event.node)
    }

    public var eventBytes: Data { Data(base64Encoded: event) ?? Data() }

    /// SHA-256 of the event's bytes, lower-case hex: what the next event's `previous` names and
    /// what the audit log records.
    public var hash: String { SHA256.hash(data: eventBytes).lowercaseHex }

    /// The event, if the signature verifies with `key`.
    /// - Throws: ``LiaisonError`` `.invalidInput` for a bad signature or malformed event.
    public func verified(with key: Curve25519.Signing.PublicKey) throws(LiaisonError) -> CustodyEvent {
        guard let signature = Data(base64Encoded: signature), key.isValidSignature(signature, for: eventBytes) else {
            throw LiaisonError(.invalidInput, "the signature of a custody event by \(signer) does not verify")
        }
        guard let event = try? JSON.decoder.decode(CustodyEvent.self, from: eventBytes) else {
            throw LiaisonError(.invalidInput, "a custody event is not a well-formed liaison-custody-event/1 document")
        }
        return event
    }

    /// SHA-256 (hex) of an item's canonical bytes, its file's hash included: the `previous` of
    /// its first custody event, which binds the chain to the item as registered.
    public static func chainStart(_ item: EvidenceItem) throws -> String {
        SHA256.hash(data: try JSON.canonicalEncoder.encode(item)).lowercaseHex
    }
}
