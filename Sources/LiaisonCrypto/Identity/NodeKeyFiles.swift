public import Crypto
import CryptoExtras
import _CryptoExtras
import SwiftASN1
public import LiaisonCore
import X509

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Reads and writes a node's keys in its `keys/` directory.
///
/// Layout (all files 0600, the directory 0700):
/// - `signing.key` — Ed25519 private key, PKCS#8 PEM
/// - `agreement.key` — X25519 private key, PKCS#8 PEM
/// - `tls.key` — P-256 private key, PKCS#8 PEM
/// - `hit-oprf.key` — P-384 VOPRF key for blinded hit/no-hit queries (RFC 9497), PKCS#8 PEM
/// - `tls.crt` — the self-signed certificate, PEM
public struct NodeKeyFiles: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    private func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Writes every key with owner-only permissions.
    public func write(_ keys: NodeKeys) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try writeSecret(keys.signing.pemRepresentation, to: "signing.key")
        try writeSecret(keys.keyAgreement.pemRepresentation, to: "agreement.key")
        try writeSecret(keys.tlsKey.pemRepresentation, to: "tls.key")
        try writeSecret(try keys.tlsCertificatePEM(), to: "tls.crt")
        if let postQuantum = keys.postQuantum {
            // The 32-byte seed and the public key's hash (swift-crypto's integrity-checked form), base64.
            try writeSecret(postQuantum.integrityCheckedRepresentation.base64EncodedString() + "\n", to: "pq-agreement.key")
        }
        try writeSecret(keys.hitOPRF.pemRepresentation, to: "hit-oprf.key")
    }

    private func writeSecret(_ text: String, to name: String) throws {
        let path = file(name).path
        // Create with 0600 from the start, so the key is never readable by others, not even briefly.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw LiaisonError(.configuration, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw LiaisonError(.configuration, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Loads the keys, refusing files that others can read.
    /// - Throws: ``LiaisonError`` `.configuration` naming the missing, unreadable, exposed or malformed file.
    public func load() throws(LiaisonError) -> NodeKeys {
        do {
            let signing = try Curve25519.Signing.PrivateKey(pemRepresentation: try readSecret("signing.key"))
            let agreement = try Curve25519.KeyAgreement.PrivateKey(pemRepresentation: try readSecret("agreement.key"))
            let tlsKey = try P256.Signing.PrivateKey(pemRepresentation: try readSecret("tls.key"))
            let certificate = try Certificate(pemEncoded: try readSecret("tls.crt"))
            var postQuantum: XWingMLKEM768X25519.PrivateKey?
            if FileManager.default.fileExists(atPath: file("pq-agreement.key").path) {
                let text = try readSecret("pq-agreement.key").filter { !$0.isWhitespace }
                guard let bytes = Data(base64Encoded: text) else {
                    throw LiaisonError(.configuration, "key file \(file("pq-agreement.key").path) is not base64; restore it from backup")
                }
                postQuantum = try XWingMLKEM768X25519.PrivateKey(integrityCheckedRepresentation: bytes)
            }
            // Nodes made before blinded hit/no-hit queries existed get their VOPRF key on first load.
            let hitOPRF: P384._VOPRF.PrivateKey
            if FileManager.default.fileExists(atPath: file("hit-oprf.key").path) {
                hitOPRF = try P384._VOPRF.PrivateKey(pemRepresentation: try readSecret("hit-oprf.key"))
            } else {
                hitOPRF = P384._VOPRF.PrivateKey()
                try writeSecret(hitOPRF.pemRepresentation, to: "hit-oprf.key")
            }
            return NodeKeys(signing: signing, keyAgreement: agreement, tlsKey: tlsKey, tlsCertificate: certificate, postQuantum: postQuantum, hitOPRF: hitOPRF)
        } catch let error as LiaisonError {
            throw error
        } catch {
            throw LiaisonError(.configuration, "the keys in \(directory.path) are malformed (\(error)); restore them from backup")
        }
    }

    private func readSecret(_ name: String) throws -> String {
        let path = file(name).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw LiaisonError(.configuration, "key file \(path) is missing; restore it from backup or run 'liaison init' on a new directory")
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw LiaisonError(.configuration, "cannot read key file \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw LiaisonError(.configuration, "key file \(path) is readable by others; run 'chmod 600 \(path)'")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw LiaisonError(.configuration, "cannot read key file \(path); check its owner and permissions")
        }
        return text
    }
}
