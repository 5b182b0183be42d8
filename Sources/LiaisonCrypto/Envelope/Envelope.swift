public import Crypto
public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The HPKE suite an envelope is sealed with (RFC 9180 §7).
public enum EnvelopeSuite: String, Codable, Sendable, CaseIterable {
    /// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM.
    case x25519 = "X25519-SHA256-AES256GCM"
    /// X-Wing (ML-KEM-768 with X25519) hybrid KEM, HKDF-SHA256, AES-256-GCM: post-quantum.
    case xwing = "XWing-SHA256-AES256GCM"

    var ciphersuite: HPKE.Ciphersuite {
        switch self {
        case .x25519: return HPKE.Ciphersuite(kem: .Curve25519_HKDF_SHA256, kdf: .HKDF_SHA256, aead: .AES_GCM_256)
        case .xwing: return .XWingMLKEM768X25519_SHA256_AES_GCM_256
        }
    }
}

/// The routing header of an envelope: readable by anyone who carries it, signed by the sender,
/// bound to the ciphertext as HPKE associated data.
public struct EnvelopeHeader: Codable, Sendable, Equatable {
    public var format: String = Envelope.format
    /// UUIDv7 of the envelope; receivers refuse an id they have seen (replay).
    public var id: String
    /// What the payload is, e.g. `message`, `receipt`.
    public var kind: String
    public var sender: String
    public var recipient: String
    public var createdAt: Date
    public var suite: EnvelopeSuite

    public init(id: String, kind: String, sender: String, recipient: String, createdAt: Date, suite: EnvelopeSuite) {
        self.id = id
        self.kind = kind
        self.sender = sender
        self.recipient = recipient
        self.createdAt = createdAt
        self.suite = suite
    }
}

/// A sealed envelope on the wire (format `liaison-envelope/1`; see `docs/envelope.md`).
///
/// Sign-then-encrypt: the plaintext carries the sender's signature over header and payload (so a
/// recipient can show a third party who wrote it), and the sealed envelope carries a second
/// signature over header, encapsulated key and ciphertext (so a receiver rejects forgeries
/// before decrypting anything).
public struct Envelope: Codable, Sendable, Equatable {
    public static let format = "liaison-envelope/1"
    static let hpkeInfo = Data("liaison-envelope/1 hpke".utf8)
    static let innerLabel = Data("liaison-envelope/1 payload\n".utf8)
    static let outerLabel = Data("liaison-envelope/1 outer\n".utf8)

    /// The exact JSON bytes of the ``EnvelopeHeader``, base64. Signatures cover these bytes, so
    /// no canonical JSON form is needed.
    public var header: String
    /// HPKE encapsulated key, base64.
    public var encapsulatedKey: String
    /// HPKE ciphertext of `innerSignature ‖ payload`, base64.
    public var ciphertext: String
    /// Ed25519 signature over `outerLabel ‖ SHA-256(header) ‖ SHA-256(encapsulatedKey) ‖ SHA-256(ciphertext)`, base64.
    public var signature: String

    public init(header: String, encapsulatedKey: String, ciphertext: String, signature: String) {
        self.header = header
        self.encapsulatedKey = encapsulatedKey
        self.ciphertext = ciphertext
        self.signature = signature
    }

    /// The envelope's JSON (keys sorted), written directly: its four fields are base64, which
    /// JSON carries as it is, so no encoder needs to scan them.
    public var json: String {
        #"{"ciphertext":""# + ciphertext + #"","encapsulatedKey":""# + encapsulatedKey + #"","header":""# + header + #"","signature":""# + signature + #""}"#
    }

    /// A recipient's public key-agreement key.
    public enum RecipientKey: Sendable {
        case x25519(Curve25519.KeyAgreement.PublicKey)
        case xwing(XWingMLKEM768X25519.PublicKey)

        var suite: EnvelopeSuite {
            switch self {
            case .x25519: return .x25519
            case .xwing: return .xwing
            }
        }
    }

    /// Seals a payload to one recipient and signs it.
    /// - Parameters:
    ///   - payload: the plaintext (message body, entities, attachment keys …).
    ///   - header: routing data; its `suite` must match `recipientKey`.
    ///   - signingKey: the sender node's Ed25519 key.
    ///   - recipientKey: the recipient node's key-agreement key, from its pinned identity.
    public static func seal(
        payload: Data, header: EnvelopeHeader, signingKey: Curve25519.Signing.PrivateKey, recipientKey: RecipientKey
    ) throws -> Envelope {
        guard header.suite == recipientKey.suite else {
            throw LiaisonError(.invalidInput, "the envelope header names suite \(header.suite.rawValue) but the recipient key is for \(recipientKey.suite.rawValue)")
        }
        let headerBytes = try header.wireJSON
        let inner = try signingKey.signature(for: innerLabel + SHA256.hash(data: headerBytes).bytes + payload)
        var sender: HPKE.Sender
        switch recipientKey {
        case .x25519(let key): sender = try HPKE.Sender(recipientKey: key, ciphersuite: header.suite.ciphersuite, info: hpkeInfo)
        case .xwing(let key): sender = try HPKE.Sender(recipientKey: key, ciphersuite: header.suite.ciphersuite, info: hpkeInfo)
        }
        let ciphertext = try sender.seal(inner + payload, authenticating: headerBytes)
        let outer = try signingKey.signature(for: outerDigest(header: headerBytes, encapsulatedKey: sender.encapsulatedKey, ciphertext: ciphertext))
        return Envelope(
            header: headerBytes.base64EncodedString(),
            encapsulatedKey: sender.encapsulatedKey.base64EncodedString(),
            ciphertext: ciphertext.base64EncodedString(),
            signature: outer.base64EncodedString()
        )
    }

    /// An envelope as received: its parts base64-decoded once, and the header as the sender
    /// claims it (to find whose key verifies it); nothing is verified yet.
    public struct Received: Sendable {
        let header: Data
        let encapsulatedKey: Data
        let ciphertext: Data
        let signature: Data
        /// The header read from its bytes, or why it cannot be; a verification reports a bad
        /// signature before a malformed header.
        let decodedHeader: Result<EnvelopeHeader, LiaisonError>

        /// The header as the sender claims it: only to find whose key to verify with.
        public var claimedHeader: EnvelopeHeader {
            get throws(LiaisonError) { try decodedHeader.get() }
        }

        /// Checks the outer signature, without decrypting.
        /// - Parameter senderKey: the pinned signing key of the sender the header names.
        /// - Returns: the header, now verified (the signature covers the bytes it was read from).
        /// - Throws: ``LiaisonError`` `.unauthenticated` for a bad signature.
        public func verifiedHeader(senderKey: Curve25519.Signing.PublicKey) throws(LiaisonError) -> EnvelopeHeader {
            guard senderKey.isValidSignature(signature, for: Envelope.outerDigest(header: header, encapsulatedKey: encapsulatedKey, ciphertext: ciphertext)) else {
                throw LiaisonError(.unauthenticated, "the envelope's signature does not verify against the sender's pinned key")
            }
            return try decodedHeader.get()
        }

        /// Verifies both signatures and decrypts.
        /// - Returns: the verified header and the payload.
        public func open(
            senderKey: Curve25519.Signing.PublicKey,
            recipientKey: Curve25519.KeyAgreement.PrivateKey,
            postQuantumKey: XWingMLKEM768X25519.PrivateKey? = nil
        ) throws(LiaisonError) -> (header: EnvelopeHeader, payload: Data) {
            let verified = try verifiedHeader(senderKey: senderKey)
            let plaintext: Data
            do {
                switch verified.suite {
                case .x25519:
                    var recipient = try HPKE.Recipient(privateKey: recipientKey, ciphersuite: verified.suite.ciphersuite, info: Envelope.hpkeInfo, encapsulatedKey: encapsulatedKey)
                    plaintext = try recipient.open(ciphertext, authenticating: header)
                case .xwing:
                    guard let postQuantumKey else {
                        throw LiaisonError(.invalidInput, "the envelope is sealed with X-Wing but this node has no post-quantum key")
                    }
                    var recipient = try HPKE.Recipient(privateKey: postQuantumKey, ciphersuite: verified.suite.ciphersuite, info: Envelope.hpkeInfo, encapsulatedKey: encapsulatedKey)
                    plaintext = try recipient.open(ciphertext, authenticating: header)
                }
            } catch let error as LiaisonError {
                throw error
            } catch {
                throw LiaisonError(.invalidInput, "the envelope cannot be decrypted with this node's key (not addressed to it, or damaged)")
            }
            guard plaintext.count >= 64 else { throw LiaisonError(.invalidInput, "the envelope's plaintext is truncated") }
            let inner = plaintext.prefix(64)
            let payload = plaintext.dropFirst(64)
            guard senderKey.isValidSignature(inner, for: Envelope.innerLabel + SHA256.hash(data: header).bytes + payload) else {
                throw LiaisonError(.unauthenticated, "the payload's inner signature does not verify against the sender's key")
            }
            return (verified, Data(payload))
        }
    }

    /// The envelope's parts, decoded once, with its claimed header.
    /// - Throws: ``LiaisonError`` `.invalidInput` when a part is not base64 or the signature is not 64 bytes.
    public func received() throws(LiaisonError) -> Received {
        guard let header = Data(base64Encoded: header), let key = Data(base64Encoded: encapsulatedKey),
            let ciphertext = Data(base64Encoded: ciphertext), let signature = Data(base64Encoded: signature)
        else {
            throw LiaisonError(.invalidInput, "the envelope is malformed: header, encapsulatedKey, ciphertext and signature must be base64")
        }
        guard signature.count == 64 else { throw LiaisonError(.invalidInput, "the envelope's signature must be 64 bytes (Ed25519)") }
        let decoded: Result<EnvelopeHeader, LiaisonError>
        do throws(LiaisonError) { decoded = .success(try Self.decodeHeader(header)) } catch { decoded = .failure(error) }
        return Received(header: header, encapsulatedKey: key, ciphertext: ciphertext, signature: signature, decodedHeader: decoded)
    }

    /// The header as the sender claims it, unverified: only to find whose key to verify with.
    public func claimedHeader() throws(LiaisonError) -> EnvelopeHeader {
        try received().claimedHeader
    }

    /// Verifies both signatures and decrypts.
    /// - Returns: the verified header and the payload.
    public func open(
        senderKey: Curve25519.Signing.PublicKey,
        recipientKey: Curve25519.KeyAgreement.PrivateKey,
        postQuantumKey: XWingMLKEM768X25519.PrivateKey? = nil
    ) throws(LiaisonError) -> (header: EnvelopeHeader, payload: Data) {
        try received().open(senderKey: senderKey, recipientKey: recipientKey, postQuantumKey: postQuantumKey)
    }

    /// The inner signature and payload, which a recipient keeps to show a third party who wrote
    /// the payload (non-repudiation): verify with ``verifyInnerSignature(_:header:payload:senderKey:)``.
    public static func verifyInnerSignature(_ signature: Data, headerBytes: Data, payload: Data, senderKey: Curve25519.Signing.PublicKey) -> Bool {
        senderKey.isValidSignature(signature, for: innerLabel + SHA256.hash(data: headerBytes).bytes + payload)
    }

    static func outerDigest(header: Data, encapsulatedKey: Data, ciphertext: Data) -> Data {
        outerLabel + SHA256.hash(data: header).bytes + SHA256.hash(data: encapsulatedKey).bytes + SHA256.hash(data: ciphertext).bytes
    }

    private static func decodeHeader(_ bytes: Data) throws(LiaisonError) -> EnvelopeHeader {
        guard let header = try? JSON.decoder.decode(EnvelopeHeader.self, from: bytes) else {
            throw LiaisonError(.invalidInput, "the envelope's header is not a valid \(format) header")
        }
        guard header.format == format else {
            throw LiaisonError(.invalidInput, "the envelope's format '\(header.format)' is not \(format)")
        }
        return header
    }
}

extension Digest {
    var bytes: Data { withUnsafeBytes { Data($0) } }
}

/// How the exchange's signed JSON (envelope headers, receipts) is written: sorted keys, ISO 8601
/// dates to the second. The signatures cover these exact bytes.
extension EnvelopeHeader {
    /// The header's bytes as ``JSON/encoder`` writes them (sorted keys, slashes escaped),
    /// written directly: every envelope sealed writes one, and the encoder's generic path cost
    /// more than hashing it. A date outside the years the writer spells is left to the encoder.
    package var wireJSON: Data {
        get throws {
            try CanonicalJSONWriter.document(self, as: JSON.encoder, dates: [createdAt], capacity: 192) { json in
                json.beginObject()
                json.member("createdAt", createdAt)
                json.member("format", format)
                json.member("id", id)
                json.member("kind", kind)
                json.member("recipient", recipient)
                json.member("sender", sender)
                json.member("suite", suite.rawValue)
                json.endObject()
            }
        }
    }
}

