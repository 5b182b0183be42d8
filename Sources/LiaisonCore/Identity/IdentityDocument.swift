/// The public identity of a node, the document that partners exchange out of band and compare by
/// fingerprint before trusting each other. It carries no secret.
///
/// The format is documented in `docs/identity.md`.
public struct IdentityDocument: Codable, Sendable, Hashable {
    /// A public key with its algorithm and fingerprint.
    public struct PublicKey: Codable, Sendable, Hashable {
        /// `Ed25519`, `X25519` or `P-256`.
        public var algorithm: String
        /// The raw public key (Ed25519, X25519: 32 bytes) or the DER certificate, base64.
        public var publicKey: String
        /// SHA-256 of the raw key bytes, upper-case hex in groups of four, for reading aloud.
        public var fingerprint: String

        public init(algorithm: String, publicKey: String, fingerprint: String) {
            self.algorithm = algorithm
            self.publicKey = publicKey
            self.fingerprint = fingerprint
        }
    }

    /// The node's TLS certificate, PEM, and the SHA-256 fingerprint of its DER form.
    public struct Certificate: Codable, Sendable, Hashable {
        public var pem: String
        public var fingerprint: String

        public init(pem: String, fingerprint: String) {
            self.pem = pem
            self.fingerprint = fingerprint
        }
    }

    /// Version of this document's format.
    public var format: String = "liaison-identity/1"
    public var agencyCode: String
    public var name: String
    public var jurisdiction: String
    public var endpoint: String
    /// Signs envelopes, receipts, checkpoints and API tokens.
    public var signingKey: PublicKey
    /// Receives end-to-end encrypted envelopes (HPKE, RFC 9180).
    public var keyAgreementKey: PublicKey
    /// Pinned by partners for node-to-node TLS.
    public var tlsCertificate: Certificate
    /// X-Wing (ML-KEM-768 with X25519) key for post-quantum envelopes, when the node has one.
    public var postQuantumKeyAgreementKey: PublicKey?
    /// The C2SP vkey (c2sp.org/signed-note) that verifies the node's audit checkpoints:
    /// `liaison/<agency code>/audit+<key ID>+<base64(0x01 ‖ Ed25519 signing key)>`.
    public var auditVerifierKey: String?
    /// The C2SP vkey (type 0x04, c2sp.org/tlog-cosignature) of the node's cosignatures on its
    /// partners' checkpoints: `liaison/<agency code>/witness+<key ID>+<base64(0x04 ‖ key)>`.
    public var witnessVerifierKey: String?

    public init(
        profile: NodeProfile,
        signingKey: PublicKey,
        keyAgreementKey: PublicKey,
        tlsCertificate: Certificate
    ) {
        self.agencyCode = profile.agencyCode
        self.name = profile.name
        self.jurisdiction = profile.jurisdiction
        self.endpoint = profile.endpoint
        self.signingKey = signingKey
        self.keyAgreementKey = keyAgreementKey
        self.tlsCertificate = tlsCertificate
    }
}
