public import Crypto
public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, and C2SP tlog cosignatures
/// (https://c2sp.org/tlog-cosignature): the envelope of Liaison's audit checkpoints.
///
/// A note is UTF-8 text ending in a newline, a blank line, then one line per signature:
/// `— <key name> <base64(key ID ‖ signature)>`. The key ID is the first four bytes of
/// `SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)`.
public enum SignedNote {
    /// Signature type of a plain Ed25519 note signature (c2sp.org/signed-note).
    public static let ed25519Type: UInt8 = 0x01
    /// Signature type of a timestamped Ed25519 cosignature (c2sp.org/tlog-cosignature).
    public static let cosignatureType: UInt8 = 0x04
    /// U+2014 EM DASH and a space, which opens every signature line.
    static let signaturePrefix = "\u{2014} "

    /// One signature line of a note.
    public struct Signature: Sendable, Equatable {
        public var name: String
        /// Key ID (4 bytes) then the signature bytes.
        public var bytes: Data

        public init(name: String, bytes: Data) {
            self.name = name
            self.bytes = bytes
        }

        public var keyID: Data { bytes.prefix(4) }
        public var line: String { "\(SignedNote.signaturePrefix)\(name) \(bytes.base64EncodedString())\n" }
    }

    /// The four-byte key ID.
    public static func keyID(name: String, type: UInt8, publicKey: Curve25519.Signing.PublicKey) -> Data {
        Data(SHA256.hash(data: Data(name.utf8) + [0x0A, type] + publicKey.rawRepresentation).prefix(4))
    }

    /// The verifier key in C2SP vkey form: `<name>+<hex key ID>+<base64(type ‖ public key)>`.
    public static func verifierKey(name: String, type: UInt8 = ed25519Type, publicKey: Curve25519.Signing.PublicKey) -> String {
        let id = keyID(name: name, type: type, publicKey: publicKey).lowercaseHex
        return "\(name)+\(id)+\((Data([type]) + publicKey.rawRepresentation).base64EncodedString())"
    }

    /// A key name: non-empty, with no space, no `+` and no control character.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
    }

    /// Signs `text` (which must end in a newline) with an Ed25519 note signature.
    public static func sign(_ text: String, name: String, key: Curve25519.Signing.PrivateKey) throws -> Signature {
        let signature = try key.signature(for: Data(text.utf8))
        return Signature(name: name, bytes: keyID(name: name, type: ed25519Type, publicKey: key.publicKey) + signature)
    }

    /// The whole note: the text, a blank line, the signature lines.
    public static func format(text: String, signatures: [Signature]) -> String {
        text + "\n" + signatures.map(\.line).joined()
    }

    /// A note split into its text and signatures.
    public struct Parsed: Sendable, Equatable {
        public var text: String
        public var signatures: [Signature]

        public init(text: String, signatures: [Signature]) {
            self.text = text
            self.signatures = signatures
        }
    }

    /// Splits a note at its last blank line.
    /// - Throws: ``LiaisonError`` `.invalidInput` when it is not a well-formed note.
    public static func parse(_ note: String) throws(LiaisonError) -> Parsed {
        guard note.hasSuffix("\n") else { throw LiaisonError(.invalidInput, "a signed note ends with a newline") }
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard let blank = lines.lastIndex(of: ""), blank > lines.startIndex else {
            throw LiaisonError(.invalidInput, "a signed note has a blank line before its signatures")
        }
        let text = lines[..<blank].joined(separator: "\n") + "\n"
        var signatures: [Signature] = []
        for line in lines[(blank + 1)...] {
            guard line.hasPrefix(signaturePrefix) else { throw LiaisonError(.invalidInput, "a signature line starts with an em dash and a space") }
            let fields = line.dropFirst(signaturePrefix.count).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, isValidName(String(fields[0])), let bytes = Data(base64Encoded: String(fields[1])), bytes.count > 4 else {
                throw LiaisonError(.invalidInput, "a signature line is '— <name> <base64 key ID and signature>'")
            }
            signatures.append(Signature(name: String(fields[0]), bytes: bytes))
        }
        guard !signatures.isEmpty else { throw LiaisonError(.invalidInput, "a signed note carries at least one signature") }
        return Parsed(text: text, signatures: signatures)
    }
}

/// An Ed25519 note verifier, from a C2SP vkey.
public struct NoteVerifier: Sendable, Equatable {
    public let name: String
    public let type: UInt8
    public let publicKey: Curve25519.Signing.PublicKey
    public let keyID: Data

    public init(name: String, type: UInt8 = SignedNote.ed25519Type, publicKey: Curve25519.Signing.PublicKey) {
        self.name = name
        self.type = type
        self.publicKey = publicKey
        self.keyID = SignedNote.keyID(name: name, type: type, publicKey: publicKey)
    }

    /// Parses `<name>+<hex key ID>+<base64(type ‖ key)>`.
    /// - Throws: ``LiaisonError`` `.invalidInput` for anything else, or a key ID that does not match.
    public init(verifierKey: String) throws(LiaisonError) {
        let fields = verifierKey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, SignedNote.isValidName(String(fields[0])), fields[1].count == 8,
              let encoded = Data(base64Encoded: String(fields[2])), encoded.count == 33,
              encoded.first == SignedNote.ed25519Type || encoded.first == SignedNote.cosignatureType,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: encoded.dropFirst())
        else { throw LiaisonError(.invalidInput, "'\(verifierKey)' is not an Ed25519 verifier key (<name>+<key ID>+<base64 key>)") }
        self.init(name: String(fields[0]), type: encoded[encoded.startIndex], publicKey: key)
        guard keyID.lowercaseHex == fields[1].lowercased() else {
            throw LiaisonError(.invalidInput, "the key ID in verifier key '\(fields[0])' does not match its key")
        }
    }

    public var verifierKey: String { SignedNote.verifierKey(name: name, type: type, publicKey: publicKey) }

    public static func == (a: NoteVerifier, b: NoteVerifier) -> Bool { a.verifierKey == b.verifierKey }

    /// The signature on `note` by this key, if one verifies.
    public func verifies(_ parsed: SignedNote.Parsed) -> Bool {
        parsed.signatures.contains { signature in
            guard signature.name == name, signature.keyID == keyID else { return false }
            let bytes = signature.bytes.dropFirst(4)
            switch type {
            case SignedNote.ed25519Type:
                return publicKey.isValidSignature(bytes, for: Data(parsed.text.utf8))
            case SignedNote.cosignatureType:
                guard bytes.count == 72 else { return false }
                let time = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }  // checked: a byte widened
                return publicKey.isValidSignature(bytes.dropFirst(8), for: Data(Cosignature.message(text: parsed.text, time: time).utf8))
            default:
                return false
            }
        }
    }
}

/// A witness's timestamped cosignature on a checkpoint (c2sp.org/tlog-cosignature, `cosignature/v1`).
public enum Cosignature {
    /// What a witness signs: `cosignature/v1`, `time <seconds since the Unix epoch>`, then the checkpoint text.
    public static func message(text: String, time: UInt64) -> String {
        "cosignature/v1\ntime \(time)\n" + text
    }

    /// Cosigns a checkpoint's text at `time`.
    public static func sign(_ text: String, name: String, key: Curve25519.Signing.PrivateKey, time: UInt64) throws -> SignedNote.Signature {
        let signature = try key.signature(for: Data(message(text: text, time: time).utf8))
        var timestamp = Data(count: 8)
        for i in 0..<8 { timestamp[i] = UInt8(truncatingIfNeeded: time >> (56 - 8 * UInt64(i))) }  // checked: i is 0..<8
        return SignedNote.Signature(name: name, bytes: SignedNote.keyID(name: name, type: SignedNote.cosignatureType, publicKey: key.publicKey) + timestamp + signature)
    }
}

/// A tlog checkpoint (https://c2sp.org/tlog-checkpoint): the origin line, the tree size and the
/// base64 root hash, each on its own line, then optional extension lines.
public struct Checkpoint: Sendable, Equatable {
    public var origin: String
    public var size: UInt64
    public var root: Data
    public var extensions: [String]

    public init(origin: String, size: UInt64, root: Data, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// A Liaison node's audit log origin, which is also its checkpoint key name: `liaison/<agency code>/audit`.
    public static func auditOrigin(agencyCode: String) -> String { "liaison/\(agencyCode)/audit" }

    /// A Liaison node's name as a witness of its partners' logs: `liaison/<agency code>/witness`.
    public static func witnessName(agencyCode: String) -> String { "liaison/\(agencyCode)/witness" }

    /// The agency code in a Liaison audit origin, if it is one.
    public static func agencyCode(fromAuditOrigin origin: String) -> String? {
        let parts = origin.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "liaison", parts[2] == "audit", !parts[1].isEmpty else { return nil }
        return String(parts[1])
    }

    /// The note text that is signed.
    public var text: String {
        ([origin, String(size), root.base64EncodedString()] + extensions).map { $0 + "\n" }.joined()
    }

    /// Parses a checkpoint's text (the part of the note above the signatures).
    /// - Throws: ``LiaisonError`` `.invalidInput` when it is not a checkpoint.
    public init(text: String) throws(LiaisonError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard text.hasSuffix("\n"), lines.count >= 3, !lines[0].isEmpty,
              let size = CheckedInteger.logSize(lines[1]),
              let root = Data(base64Encoded: String(lines[2])), root.count == Merkle.hashSize,
              lines.dropFirst(3).allSatisfy({ !$0.isEmpty })
        else { throw LiaisonError(.invalidInput, "not a checkpoint: an origin line, a decimal tree size (at most \(CheckedInteger.maximumLogSize)) and a base64 SHA-256 root hash, each ending in a newline") }
        self.init(origin: String(lines[0]), size: size, root: root, extensions: lines.dropFirst(3).map(String.init))
    }
}

/// The body of a c2sp.org/tlog-witness `add-checkpoint` request: the size of the checkpoint the
/// witness last cosigned for this log, a consistency proof from it to the new checkpoint, a blank
/// line, then the new checkpoint's signed note.
///
/// ```
/// old 15
/// <base64 proof hash>
/// …
///
/// <checkpoint note>
/// ```
public struct AddCheckpointRequest: Sendable, Equatable {
    public var oldSize: UInt64
    public var proof: [Data]
    public var note: String

    public init(oldSize: UInt64, proof: [Data], note: String) {
        self.oldSize = oldSize
        self.proof = proof
        self.note = note
    }

    public var body: String {
        "old \(oldSize)\n" + proof.map { $0.base64EncodedString() + "\n" }.joined() + "\n" + note
    }

    /// Parses a request body.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming what is wrong.
    public init(body: String) throws(LiaisonError) {
        guard let split = body.firstRange(of: "\n\n") else {
            throw LiaisonError(.invalidInput, "an add-checkpoint request is 'old <size>', proof lines, a blank line and the checkpoint note")
        }
        let head = body[..<split.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = head.first, first.hasPrefix("old "), let size = CheckedInteger.logSize(first.dropFirst(4)) else {
            throw LiaisonError(.invalidInput, "an add-checkpoint request starts with 'old <decimal size>' (at most \(CheckedInteger.maximumLogSize))")
        }
        var proof: [Data] = []
        for (number, line) in head.dropFirst().enumerated() {
            guard let hash = Data(base64Encoded: String(line)), hash.count == Merkle.hashSize else {
                throw LiaisonError(.invalidInput, "proof line \(number + 1) is not a base64 SHA-256 hash")
            }
            proof.append(hash)
        }
        self.init(oldSize: size, proof: proof, note: String(body[split.upperBound...]))
    }
}
