import Foundation
import Hummingbird
import LiaisonCrypto
import LiaisonSafeguards
import LiaisonStore

/// The federation side of hit/no-hit: partners' queries, blinded rounds and follow-up requests.
/// Every body is an envelope signed by a pinned partner; the answer is sealed back to it.
struct HitFederationEndpoint {
    let partners: HitFederation
    let followUps: HitFollowUps
    let configuration: NodeConfiguration

    /// A query envelope: up to 10,000 queries or blinded elements.
    static let maximumQueryBytes = 32 * 1024 * 1024

    func register(on routes: RouteTable) {
        routes.on(.get, "/federation/v1/hits/key", access: .anonymous, surface: .federation) { _, _ in
            try JSONBody.response(try await partners.signedKey())
        }
        routes.on(.post, "/federation/v1/hits/queries", access: .anonymous, surface: .federation) { request, _ in
            let envelope = try await JSONBody.decode(Envelope.self, from: request, limit: Self.maximumQueryBytes)
            return try JSONBody.response(try await partners.answer(envelope))
        }
        routes.on(.post, "/federation/v1/hits/buckets", access: .anonymous, surface: .federation) { request, _ in
            let envelope = try await JSONBody.decode(Envelope.self, from: request, limit: Self.maximumQueryBytes)
            return try JSONBody.response(try await partners.buckets(envelope))
        }
        for path in ["/federation/v1/hits/follow-ups", "/federation/v1/hits/follow-ups/status"] {
            routes.on(.post, path, access: .anonymous, surface: .federation) { request, _ in
                let envelope = try await JSONBody.decode(Envelope.self, from: request, limit: configuration.maxBodyBytes)
                return try JSONBody.response(try await followUps.receive(envelope))
            }
        }
    }
}
