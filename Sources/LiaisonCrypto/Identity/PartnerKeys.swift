public import Crypto
public import LiaisonCore
import SwiftASN1
import Synchronization
public import X509

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The public keys of a partner, taken from its identity document after checking that every
/// fingerprint in the document matches its key.
public struct PartnerKeys: Sendable {
    public let signing: Curve25519.Signing.PublicKey
    public let keyAgreement: Curve25519.KeyAgreement.PublicKey
    public let tlsCertificate: Certificate
    public let postQuantumKeyAgreement: XWingMLKEM768X25519.PublicKey?

    /// Parses and checks an identity document.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the key that is malformed or whose
    ///   fingerprint does not match (a document altered in transit).
    public init(identity: IdentityDocument) throws(LiaisonError) {
        guard identity.format == "liaison-identity/1" else {
            throw LiaisonError(.invalidInput, "identity document format '\(identity.format)' is not liaison-identity/1")
        }
        _ = try NodeProfile(agencyCode: identity.agencyCode, name: identity.name, jurisdiction: identity.jurisdiction, endpoint: identity.endpoint)
        guard identity.signingKey.algorithm == "Ed25519", let signingBytes = Data(base64Encoded: identity.signingKey.publicKey),
            let signing = try? Curve25519.Signing.PublicKey(rawRepresentation: signingBytes)
        else {
            throw LiaisonError(.invalidInput, "signingKey must be a base64 Ed25519 public key")
        }
        guard Fingerprint.of(signingBytes) == identity.signingKey.fingerprint else {
            throw LiaisonError(.invalidInput, "signingKey's fingerprint does not match the key; the document was altered")
        }
        guard identity.keyAgreementKey.algorithm == "X25519", let agreementBytes = Data(base64Encoded: identity.keyAgreementKey.publicKey),
            let agreement = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: agreementBytes)
        else {
            throw LiaisonError(.invalidInput, "keyAgreementKey must be a base64 X25519 public key")
        }
        guard Fingerprint.of(agreementBytes) == identity.keyAgreementKey.fingerprint else {
            throw LiaisonError(.invalidInput, "keyAgreementKey's fingerprint does not match the key; the document was altered")
        }
        guard let certificate = try? Certificate(pemEncoded: identity.tlsCertificate.pem) else {
            throw LiaisonError(.invalidInput, "tlsCertificate.pem is not a PEM certificate")
        }
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(certificate)) != nil, Fingerprint.of(serializer.serializedBytes) == identity.tlsCertificate.fingerprint else {
            throw LiaisonError(.invalidInput, "tlsCertificate's fingerprint does not match the certificate; the document was altered")
        }
        if let key = identity.postQuantumKeyAgreementKey {
            guard key.algorithm == "X-Wing", let bytes = Data(base64Encoded: key.publicKey),
                let parsed = try? XWingMLKEM768X25519.PublicKey(rawRepresentation: bytes)
            else {
                throw LiaisonError(.invalidInput, "postQuantumKeyAgreementKey must be a base64 X-Wing public key")
            }
            guard Fingerprint.of(bytes) == key.fingerprint else {
                throw LiaisonError(.invalidInput, "postQuantumKeyAgreementKey's fingerprint does not match the key; the document was altered")
            }
            self.postQuantumKeyAgreement = parsed
        } else {
            self.postQuantumKeyAgreement = nil
        }
        self.signing = signing
        self.keyAgreement = agreement
        self.tlsCertificate = certificate
    }
}

extension PartnerKeys {
    /// The keys of `identity`, parsed and checked once per distinct document: every envelope and
    /// receipt needs a partner's keys, and parsing its certificate and re-hashing every key for
    /// each one cost more than the signature checks they serve. A changed document (a re-pinned
    /// partner) is a different key, so it is parsed and checked afresh.
    ///
    /// Found by the signing key's fingerprint and then compared whole: hashing the whole document
    /// (its certificate's PEM included) for every look-up cost more than comparing it.
    public static func of(_ identity: IdentityDocument) throws(LiaisonError) -> PartnerKeys {
        let key = identity.signingKey.fingerprint
        if let known = parsed.withLock({ $0[key] }), known.identity == identity { return known.keys }
        let keys = try PartnerKeys(identity: identity)
        parsed.withLock { parsed in
            // Partners are few; a node that has seen this many documents starts over.
            if parsed.count >= 1_024 { parsed.removeAll() }
            parsed[key] = (identity, keys)
        }
        return keys
    }

    private static let parsed = Mutex<[String: (identity: IdentityDocument, keys: PartnerKeys)]>([:])
}
