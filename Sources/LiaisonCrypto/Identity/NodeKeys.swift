public import Crypto
public import CryptoExtras
public import LiaisonCore
import SwiftASN1
public import X509

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The secret keys of a node, made once at `liaison init`.
///
/// - Ed25519 signing key: envelopes, receipts, checkpoints, API tokens.
/// - X25519 key-agreement key: HPKE recipient key for end-to-end encrypted envelopes (RFC 9180).
/// - P-256 TLS key and a self-signed certificate: node-to-node TLS, pinned by partners.
///
/// - Important: these are secrets. ``NodeKeyFiles`` writes them with permissions 0600.
public struct NodeKeys: Sendable {
    public let signing: Curve25519.Signing.PrivateKey
    public let keyAgreement: Curve25519.KeyAgreement.PrivateKey
    public let tlsKey: P256.Signing.PrivateKey
    public let tlsCertificate: Certificate
    /// X-Wing (ML-KEM-768 with X25519) key for post-quantum envelopes; `nil` for nodes made
    /// before it existed.
    public let postQuantum: XWingMLKEM768X25519.PrivateKey?
    /// The VOPRF key (RFC 9497, P-384) that evaluates partners' blinded hit/no-hit queries, as
    /// its raw scalar (swift-crypto's key type is not `Sendable`).
    public let hitOPRFKey: Data

    /// The VOPRF key.
    public var hitOPRF: P384._VOPRF.PrivateKey {
        // The bytes came from a valid key (generated or loaded), so they always parse.
        try! P384._VOPRF.PrivateKey(rawRepresentation: hitOPRFKey)
    }

    public init(
        signing: Curve25519.Signing.PrivateKey,
        keyAgreement: Curve25519.KeyAgreement.PrivateKey,
        tlsKey: P256.Signing.PrivateKey,
        tlsCertificate: Certificate,
        postQuantum: XWingMLKEM768X25519.PrivateKey?,
        hitOPRF: P384._VOPRF.PrivateKey = P384._VOPRF.PrivateKey()
    ) {
        self.hitOPRFKey = hitOPRF.rawRepresentation
        self.signing = signing
        self.keyAgreement = keyAgreement
        self.tlsKey = tlsKey
        self.tlsCertificate = tlsCertificate
        self.postQuantum = postQuantum
    }

    /// Generates fresh keys and a self-signed TLS certificate for a node.
    /// - Parameters:
    ///   - profile: the node's profile; the agency code becomes the certificate's common name.
    ///   - now: start of the certificate's validity.
    ///   - validity: how long the TLS certificate is valid.
    public static func generate(for profile: NodeProfile, now: Date, validity: TimeInterval = 5 * 365 * 86_400) throws -> NodeKeys {
        let tlsKey = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            CommonName(profile.agencyCode)
            OrganizationName(profile.name)
            CountryName(profile.jurisdiction)
        }
        var hosts: [GeneralName] = [.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))]
        if let host = URL(string: profile.endpoint)?.host, host != "localhost", host != "127.0.0.1" {
            hosts.append(.dnsName(host))
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(tlsKey.publicKey),
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(validity),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                // Self-signed and pinned: partners trust exactly this certificate as their only root for
                // this node, which TLS libraries accept only from a certificate marked as a CA.
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames(hosts)
            },
            issuerPrivateKey: .init(tlsKey)
        )
        return NodeKeys(
            signing: Curve25519.Signing.PrivateKey(),
            keyAgreement: Curve25519.KeyAgreement.PrivateKey(),
            tlsKey: tlsKey,
            tlsCertificate: certificate,
            postQuantum: try XWingMLKEM768X25519.PrivateKey.generate()
        )
    }

    /// The certificate in PEM form.
    public func tlsCertificatePEM() throws -> String {
        try tlsCertificate.serializeAsPEM().pemString
    }

    /// The public identity document for these keys.
    public func identityDocument(profile: NodeProfile) throws -> IdentityDocument {
        var serializer = DER.Serializer()
        try serializer.serialize(tlsCertificate)
        var document = IdentityDocument(
            profile: profile,
            signingKey: .init(
                algorithm: "Ed25519",
                publicKey: signing.publicKey.rawRepresentation.base64EncodedString(),
                fingerprint: Fingerprint.of(signing.publicKey.rawRepresentation)
            ),
            keyAgreementKey: .init(
                algorithm: "X25519",
                publicKey: keyAgreement.publicKey.rawRepresentation.base64EncodedString(),
                fingerprint: Fingerprint.of(keyAgreement.publicKey.rawRepresentation)
            ),
            tlsCertificate: .init(pem: try tlsCertificatePEM(), fingerprint: Fingerprint.of(serializer.serializedBytes))
        )
        document.auditVerifierKey = SignedNote.verifierKey(name: Checkpoint.auditOrigin(agencyCode: profile.agencyCode), publicKey: signing.publicKey)
        document.witnessVerifierKey = SignedNote.verifierKey(name: Checkpoint.witnessName(agencyCode: profile.agencyCode), type: SignedNote.cosignatureType, publicKey: signing.publicKey)
        if let postQuantum {
            let raw = postQuantum.publicKey.rawRepresentation
            document.postQuantumKeyAgreementKey = .init(algorithm: "X-Wing", publicKey: raw.base64EncodedString(), fingerprint: Fingerprint.of(raw))
        }
        return document
    }
}

/// Key fingerprints for people to compare out of band.
public enum Fingerprint {
    /// SHA-256 of the bytes as upper-case hex in groups of four characters, e.g. `3F2A 9C01 …`.
    public static func of(_ bytes: some DataProtocol) -> String {
        let hex = SHA256.hash(data: bytes).map { byte in
            let digits = Array("0123456789ABCDEF")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])  // checked: a byte widened to Int
        }.joined()
        var groups: [Substring] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let end = hex.index(index, offsetBy: 4)
            groups.append(hex[index..<end])
            index = end
        }
        return groups.joined(separator: " ")
    }
}
