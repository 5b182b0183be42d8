import Crypto
import Foundation
import LiaisonCore
import LiaisonCrypto
import Testing

@Suite("Envelope")
struct EnvelopeTests {
    let sender = Curve25519.Signing.PrivateKey()
    let recipient = Curve25519.KeyAgreement.PrivateKey()
    let payload = Data(#"{"subject":"Vehicle VIN WVWZZZ1JZXW000001","body":"Seen at the border"}"#.utf8)

    func header(suite: EnvelopeSuite = .x25519) -> EnvelopeHeader {
        EnvelopeHeader(id: UUIDv7.make(at: Date()).uuidString.lowercased(), kind: "message", sender: "XA-POL", recipient: "XB-CUS", createdAt: Date(timeIntervalSince1970: 1_790_000_000), suite: suite)
    }

    @Test("seal then open returns the payload and the header (X25519 and post-quantum X-Wing)", arguments: EnvelopeSuite.allCases)
    func roundTrip(suite: EnvelopeSuite) throws {
        let pq = try XWingMLKEM768X25519.PrivateKey.generate()
        let key: Envelope.RecipientKey = suite == .x25519 ? .x25519(recipient.publicKey) : .xwing(pq.publicKey)
        let envelope = try Envelope.seal(payload: payload, header: header(suite: suite), signingKey: sender, recipientKey: key)
        let opened = try envelope.open(senderKey: sender.publicKey, recipientKey: recipient, postQuantumKey: pq)
        #expect(opened.payload == payload)
        #expect(opened.header.suite == suite && opened.header.sender == "XA-POL")
        #expect(!envelope.ciphertext.contains("Vehicle"), "the payload is encrypted")
        // The JSON written directly reads back as the same envelope.
        #expect(try JSON.decoder.decode(Envelope.self, from: Data(envelope.json.utf8)) == envelope)
        #expect(try JSONSerialization.jsonObject(with: Data(envelope.json.utf8)) as? [String: String] == [
            "header": envelope.header, "encapsulatedKey": envelope.encapsulatedKey, "ciphertext": envelope.ciphertext, "signature": envelope.signature,
        ])
    }

    @Test("a tampered header, ciphertext or signature is refused before decryption")
    func tampering() throws {
        let envelope = try Envelope.seal(payload: payload, header: header(), signingKey: sender, recipientKey: .x25519(recipient.publicKey))
        var otherHeader = header()
        otherHeader.recipient = "XC-PRO"
        let forgedHeader = try JSONEncoder().encode(otherHeader).base64EncodedString()
        let flip: (String) -> String = { text in
            var bytes = Data(base64Encoded: text)!
            bytes[bytes.count / 2] ^= 0x01
            return bytes.base64EncodedString()
        }
        for variant in [
            Envelope(header: forgedHeader, encapsulatedKey: envelope.encapsulatedKey, ciphertext: envelope.ciphertext, signature: envelope.signature),
            Envelope(header: envelope.header, encapsulatedKey: envelope.encapsulatedKey, ciphertext: flip(envelope.ciphertext), signature: envelope.signature),
            Envelope(header: envelope.header, encapsulatedKey: flip(envelope.encapsulatedKey), ciphertext: envelope.ciphertext, signature: envelope.signature),
            Envelope(header: envelope.header, encapsulatedKey: envelope.encapsulatedKey, ciphertext: envelope.ciphertext, signature: flip(envelope.signature)),
        ] {
            let error = #expect(throws: LiaisonError.self) { try variant.open(senderKey: sender.publicKey, recipientKey: recipient) }
            #expect(error?.code == .unauthenticated)
        }
    }

    @Test("another sender's key, another recipient's key and malformed fields are refused")
    func wrongKeys() throws {
        let envelope = try Envelope.seal(payload: payload, header: header(), signingKey: sender, recipientKey: .x25519(recipient.publicKey))
        #expect(throws: LiaisonError.self) { try envelope.open(senderKey: Curve25519.Signing.PrivateKey().publicKey, recipientKey: recipient) }
        let wrongRecipient = #expect(throws: LiaisonError.self) { try envelope.open(senderKey: sender.publicKey, recipientKey: Curve25519.KeyAgreement.PrivateKey()) }
        #expect(wrongRecipient?.code == .invalidInput)
        let garbage = Envelope(header: "%%%", encapsulatedKey: "", ciphertext: "", signature: "")
        #expect(throws: LiaisonError.self) { try garbage.open(senderKey: sender.publicKey, recipientKey: recipient) }
        let truncated = Envelope(header: envelope.header, encapsulatedKey: envelope.encapsulatedKey, ciphertext: String(envelope.ciphertext.prefix(8)), signature: envelope.signature)
        #expect(throws: LiaisonError.self) { try truncated.open(senderKey: sender.publicKey, recipientKey: recipient) }
    }

    @Test("the inner signature lets a recipient prove the payload's author to a third party")
    func nonRepudiation() throws {
        // The inner signature is inside the ciphertext; a recipient verifies it with the public key only.
        let envelope = try Envelope.seal(payload: payload, header: header(), signingKey: sender, recipientKey: .x25519(recipient.publicKey))
        let opened = try envelope.open(senderKey: sender.publicKey, recipientKey: recipient)
        #expect(opened.payload == payload)
        #expect(!Envelope.verifyInnerSignature(Data(repeating: 0, count: 64), headerBytes: Data(base64Encoded: envelope.header)!, payload: payload, senderKey: sender.publicKey))
    }
}
