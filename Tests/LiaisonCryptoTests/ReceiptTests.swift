import Crypto
import Foundation
import LiaisonCore
import LiaisonCrypto
import Testing

@Suite("Receipts")
struct ReceiptTests {
    let issuer = Curve25519.Signing.PrivateKey()

    func receipts(_ count: Int) -> [Receipt] {
        (0..<count).map { index in
            Receipt(
                kind: .delivery, envelopeId: "env-\(index)", messageId: "msg-\(index)", sender: "XA-POL", issuer: "XB-CUS",
                at: Date(timeIntervalSince1970: 1_790_000_000 + Double(index)), ciphertextSHA256: String(repeating: "\(index % 10)", count: 64)
            )
        }
    }

    /// Every control character, quotes, backslashes, slashes, non-ASCII and astral characters.
    static let awkward = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self) + "\u{7f}/\"\\é😀\u{2028} plain / </script>"

    @Test(
        "receipts and envelope headers written directly are the wire encoder's bytes, whatever their strings and dates",
        arguments: [0, -0.5, 1_234_567_890.75, -12_212_553_601, 253_402_300_800, 1_796_000_000.999]
    )
    func wireJSON(time: TimeInterval) throws {
        let date = Date(timeIntervalSince1970: time)
        for nonce in [nil, "AAAA/+==", Self.awkward] {
            let receipt = Receipt(
                kind: nonce == nil ? .read : .delivery, envelopeId: Self.awkward, messageId: "m/1", sender: Self.awkward, issuer: "", at: date,
                ciphertextSHA256: Self.awkward, nonce: nonce
            )
            #expect(String(decoding: try receipt.wireJSON, as: UTF8.self) == String(decoding: try JSON.encoder.encode(receipt), as: UTF8.self))
        }
        for suite in EnvelopeSuite.allCases {
            var header = EnvelopeHeader(id: Self.awkward, kind: "message/1", sender: "XA-POL", recipient: Self.awkward, createdAt: date, suite: suite)
            #expect(String(decoding: try header.wireJSON, as: UTF8.self) == String(decoding: try JSON.encoder.encode(header), as: UTF8.self))
            header.format = Self.awkward
            #expect(String(decoding: try header.wireJSON, as: UTF8.self) == String(decoding: try JSON.encoder.encode(header), as: UTF8.self))
        }
    }

    @Test("a batch tree's head and proofs match the reference tree, for every size up to 40")
    func batchTree() {
        for size in 1...40 {
            let leaves = (0..<size).map { Merkle.leafHash(Data("leaf \($0)".utf8)) }
            let tree = MerkleBatch(leafHashes: leaves)
            #expect(tree.root == referenceRoot((0..<size).map { Data("leaf \($0)".utf8) }), "size \(size)")
            for index in 0..<size {
                #expect(MerkleVerifier.verifyInclusion(index: UInt64(index), size: UInt64(size), leafHash: leaves[index], proof: tree.proof(index), root: tree.root) == .verified)
            }
        }
    }

    @Test("each receipt of a batch verifies alone, names its own envelope, and the batch is signed once", arguments: [1, 2, 3, 7, 38])
    func batchVerifies(size: Int) throws {
        let signed = try SignedReceipt.batch(receipts(size), signingKey: issuer)
        #expect(signed.count == size)
        #expect(Set(signed.map(\.signature)).count == 1)
        var heads: Set<Data> = []
        for (index, receipt) in signed.enumerated() {
            let opened = try receipt.verified(issuerKey: issuer.publicKey)
            #expect(opened.envelopeId == "env-\(index)")
            #expect(opened.nonce.flatMap { Data(base64Encoded: $0) }?.count == 16)
            #expect(try receipt.verified(issuerKey: issuer.publicKey, verifiedHeads: &heads) == opened)
            // A stored receipt travels as JSON and still verifies.
            let json = try JSONEncoder().encode(receipt)
            #expect(try JSON.decoder.decode(SignedReceipt.self, from: json).verified(issuerKey: issuer.publicKey) == opened)
        }
        #expect(heads.count == 1)
    }

    @Test("a receipt moved to another place, another batch's proof, a forged receipt or another key is refused")
    func batchRefusals() throws {
        let signed = try SignedReceipt.batch(receipts(5), signingKey: issuer)
        let other = try SignedReceipt.batch(receipts(5), signingKey: issuer)
        func refused(_ receipt: SignedReceipt, key: Curve25519.Signing.PublicKey? = nil) -> Bool {
            var heads: Set<Data> = []
            return (try? receipt.verified(issuerKey: key ?? issuer.publicKey, verifiedHeads: &heads)) == nil
        }
        var moved = signed[1]
        moved.batch?.index = 2
        #expect(refused(moved))
        var mixed = signed[1]
        mixed.batch = other[1].batch
        #expect(refused(mixed))
        var forged = signed[1]
        var receipt = receipts(5)[3]
        receipt.nonce = "AAAAAAAAAAAAAAAAAAAAAA=="
        forged.receipt = try JSONEncoder().encode(receipt).base64EncodedString()
        #expect(refused(forged))
        var resized = signed[4]
        resized.batch?.size = 4
        #expect(refused(resized))
        #expect(refused(signed[0], key: Curve25519.Signing.PrivateKey().publicKey))
        // A head verified once does not vouch for a receipt with another signature over it.
        var heads: Set<Data> = []
        _ = try signed[0].verified(issuerKey: issuer.publicKey, verifiedHeads: &heads)
        var resigned = signed[1]
        resigned.signature = Data(repeating: 7, count: 64).base64EncodedString()
        #expect((try? resigned.verified(issuerKey: issuer.publicKey, verifiedHeads: &heads)) == nil)
    }

    @Test("a signed receipt's JSON, written directly, is the canonical encoder's bytes, alone or in a batch")
    func json() throws {
        for signed in try SignedReceipt.batch(receipts(3), signingKey: issuer) + [try SignedReceipt(receipts(1)[0], signingKey: issuer)] {
            #expect(signed.json == String(decoding: try JSON.canonicalEncoder.encode(signed), as: UTF8.self))
            #expect(try JSON.decoder.decode(SignedReceipt.self, from: Data(signed.json.utf8)) == signed)
        }
    }

    @Test("a stored envelope's ciphertext hash is the same read from its own JSON or from an encoder's")
    func storedCiphertextHash() throws {
        let header = EnvelopeHeader(id: "e1", kind: "message", sender: "XA-POL", recipient: "XB-CUS", createdAt: Date(), suite: .x25519)
        for size in [0, 1, 100, 5_000] {
            let envelope = try Envelope.seal(
                payload: Data(repeating: 0xfb, count: size), header: header, signingKey: issuer, recipientKey: .x25519(Curve25519.KeyAgreement.PrivateKey().publicKey)
            )
            #expect(try Envelope.ciphertextSHA256(json: envelope.json) == envelope.ciphertextSHA256)
            // An encoder escapes the slashes of base64: the text is then decoded.
            let encoded = String(decoding: try JSONEncoder().encode(envelope), as: UTF8.self)
            #expect(try Envelope.ciphertextSHA256(json: encoded) == envelope.ciphertextSHA256)
        }
        #expect(throws: (any Error).self) { try Envelope.ciphertextSHA256(json: #"{"ciphertext":"#) }
    }

    @Test("a receipt signed alone has no batch and verifies as before")
    func single() throws {
        let signed = try SignedReceipt(receipts(1)[0], signingKey: issuer)
        #expect(signed.batch == nil)
        let opened = try signed.verified(issuerKey: issuer.publicKey)
        #expect(opened.nonce == nil)
        #expect(!String(decoding: Data(base64Encoded: signed.receipt)!, as: UTF8.self).contains("nonce"))
    }
}
