import Crypto
import Foundation
import LiaisonCore
import LiaisonCrypto
import Testing

@Suite("Node keys")
struct NodeKeysTests {
    let profile = try! NodeProfile(agencyCode: "XA-POL", name: "Aldoria Police", jurisdiction: "XA", endpoint: "https://node.example:8443")

    @Test("keys survive a write and load, and the identity document is stable")
    func roundTrip() throws {
        let keys = try NodeKeys.generate(for: profile, now: Date())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        let files = NodeKeyFiles(directory: directory)
        try files.write(keys)
        let loaded = try files.load()
        #expect(loaded.signing.publicKey.rawRepresentation == keys.signing.publicKey.rawRepresentation)
        #expect(loaded.keyAgreement.publicKey.rawRepresentation == keys.keyAgreement.publicKey.rawRepresentation)
        #expect(try loaded.identityDocument(profile: profile) == keys.identityDocument(profile: profile))
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
    }

    @Test("writing refuses to overwrite existing key files")
    func noOverwrite() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        let files = NodeKeyFiles(directory: directory)
        try files.write(try NodeKeys.generate(for: profile, now: Date()))
        #expect(throws: LiaisonError.self) { try files.write(try NodeKeys.generate(for: profile, now: Date())) }
    }

    @Test("the identity's signing key verifies the node's signatures")
    func signingKeyPublished() throws {
        let keys = try NodeKeys.generate(for: profile, now: Date())
        let identity = try keys.identityDocument(profile: profile)
        let published = try Curve25519.Signing.PublicKey(rawRepresentation: try #require(Data(base64Encoded: identity.signingKey.publicKey)))
        let signature = try keys.signing.signature(for: Data("checkpoint".utf8))
        #expect(published.isValidSignature(signature, for: Data("checkpoint".utf8)))
        #expect(identity.signingKey.fingerprint == Fingerprint.of(published.rawRepresentation))
    }

    @Test("fingerprints are SHA-256 in upper-case hex groups of four")
    func fingerprintFormat() {
        // SHA-256("abc") = ba7816bf 8f01cfea 4141...
        let fingerprint = Fingerprint.of(Array("abc".utf8))
        #expect(fingerprint.hasPrefix("BA78 16BF 8F01 CFEA 4141"))
        #expect(fingerprint.split(separator: " ").count == 16)
    }

    @Test("the TLS certificate names the agency and is valid for loopback and the endpoint host")
    func certificate() throws {
        let keys = try NodeKeys.generate(for: profile, now: Date())
        let description = String(describing: keys.tlsCertificate)
        #expect(description.contains("XA-POL"))
        #expect(description.contains("node.example"))
        #expect(description.contains("127.0.0.1") || description.contains("localhost"))
    }
}
