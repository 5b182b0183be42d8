import AsyncHTTPClient
import Foundation
import HTTPTypes
import LiaisonCore
import LiaisonCrypto
import LiaisonStore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Sealing envelopes to partners and opening theirs: the checks every envelope from a partner
/// passes (addressed to this node, sent by a pinned partner, signed by its key, not from the
/// future, not stale) before its payload is read.
struct PartnerEnvelopes: Sendable {
    let ownAgencyCode: String
    let keys: NodeKeys
    let federation: FederationStore
    let clock: any WallClock

    /// Verifies and decrypts an envelope from a partner.
    /// - Parameter maximumAge: older envelopes are refused as stale.
    /// - Throws: ``LiaisonError`` 400 (wrong recipient, stale), 403 (unknown partner); ``LiaisonError`` for a bad signature or malformed envelope.
    func open(_ envelope: Envelope, maximumAge: TimeInterval) async throws -> (header: EnvelopeHeader, payload: Data, partner: PartnerRecord) {
        let received = try envelope.received()
        let claimed = try received.claimedHeader
        guard claimed.recipient == ownAgencyCode else {
            throw LiaisonError(.wrongRecipient, "The envelope is addressed to \(claimed.recipient), not to \(ownAgencyCode).")
        }
        guard let partner = try await federation.partner(claimed.sender) else {
            throw LiaisonError(.unknownPartner, "\(claimed.sender) is not a partner of \(ownAgencyCode).")
        }
        let partnerKeys = try PartnerKeys.of(partner.identity)
        // Both signatures are checked before anything is decrypted; the dates are checked on the
        // verified header before anything is read or stored.
        let opened = try received.open(senderKey: partnerKeys.signing, recipientKey: keys.keyAgreement, postQuantumKey: keys.postQuantum)
        let header = opened.header
        let now = clock.now()
        guard header.createdAt <= now.addingTimeInterval(MessageService.allowedClockSkew) else {
            throw LiaisonError(.staleEnvelope, "The envelope is dated in the future (\(header.createdAt.formatted(.iso8601))).")
        }
        guard header.createdAt >= now.addingTimeInterval(-maximumAge) else {
            throw LiaisonError(.staleEnvelope, "The envelope is older than \(maximumAge >= 86_400 ? "\(Int(maximumAge / 86_400)) days" : "\(Int(maximumAge / 60)) minutes") and is refused.")  // checked: the node's own setting
        }
        return (header, opened.payload, partner)
    }

    /// Seals a payload to a partner.
    /// - Parameter postQuantum: seal with X-Wing (the agreement asks for it).
    func seal(_ payload: Data, kind: String, to partner: PartnerRecord, postQuantum: Bool) throws -> Envelope {
        let partnerKeys = try PartnerKeys.of(partner.identity)
        let recipientKey: Envelope.RecipientKey
        if postQuantum {
            guard let key = partnerKeys.postQuantumKeyAgreement else {
                throw LiaisonError(.noPostQuantumKey, "The agreement requires post-quantum envelopes, but \(partner.identity.agencyCode)'s pinned identity has no X-Wing key; re-pin its current identity document.")
            }
            recipientKey = .xwing(key)
        } else {
            recipientKey = .x25519(partnerKeys.keyAgreement)
        }
        let now = clock.now()
        let header = EnvelopeHeader(id: UUIDv7.make(at: now).uuidString.lowercased(), kind: kind, sender: ownAgencyCode, recipient: partner.identity.agencyCode,
                                    createdAt: now, suite: postQuantum ? .xwing : .x25519)
        return try Envelope.seal(payload: payload, header: header, signingKey: keys.signing, recipientKey: recipientKey)
    }

    /// Seals a payload to a partner, posts it to `path` on its federation endpoint, and opens the
    /// sealed answer, which must be of `answerKind` and from that partner.
    /// - Throws: ``LiaisonError``: the partner's refusal (its problem's code and kind), or that it cannot be reached or answers wrongly.
    func exchange(_ payload: Data, kind: String, answerKind: String, to partner: PartnerRecord, path: String, postQuantum: Bool,
                  clients: FederationClients, maximumAnswerBytes: Int = 256 << 20) async throws -> Data {
        let envelope = try seal(payload, kind: kind, to: partner, postQuantum: postQuantum)
        let (client, endpoint) = try await clients.client(for: partner)
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSON.encoder.encode(envelope)))
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: maximumAnswerBytes)
        guard response.status == .ok else {
            if let problem = try? JSON.decoder.decode(Problem.self, from: Data(buffer: body)) { throw problem.error }
            throw LiaisonError(.unavailable, "\(partner.identity.agencyCode) answered \(response.status.code)")
        }
        let opened = try await open(try JSON.decoder.decode(Envelope.self, from: Data(buffer: body)), maximumAge: 300)
        guard opened.header.sender == partner.identity.agencyCode, opened.header.kind == answerKind else {
            throw LiaisonError(.invalidInput, "\(partner.identity.agencyCode)'s answer is of the wrong kind")
        }
        return opened.payload
    }
}
