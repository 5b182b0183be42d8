import AsyncHTTPClient
import Hummingbird
import Foundation
import LiaisonCore
import LiaisonCrypto
import LiaisonStore
import NIOCore
import NIOSSL

/// The federation listener's check of a client certificate (mutual TLS): a request other than a
/// read comes from a client presenting the pinned TLS certificate of a partner.
struct PartnerCertificates: Sendable {
    let federation: FederationStore

    /// Whether `certificate` is the pinned TLS certificate of one of this node's partners.
    func isPartner(_ certificate: NIOSSLCertificate?) async -> Bool {
        guard let certificate, let der = try? certificate.toDERBytes() else { return false }
        let fingerprint = Fingerprint.of(der)
        guard let partners = try? await federation.partners() else { return false }
        return partners.contains { $0.identity.tlsCertificate.fingerprint == fingerprint }
    }
}

/// Refuses every request but a read on the federation listener from a client that presented no
/// partner certificate, before the body is read: a stranger cannot make the node buffer an
/// envelope batch (up to 72 MiB) or verify signatures for it. Anyone may still read the public
/// endpoints (the identity document, the newest checkpoint). The handshake itself takes any
/// certificate, so that a former partner hears why (a 403 its deliveries record) rather than a
/// TLS alert it would retry.
struct PartnerPeerMiddleware: RouterMiddleware {
    typealias Context = LiaisonRequestContext

    let partners: PartnerCertificates

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method != .get, request.method != .head {
            guard let certificate = try? await context.channel.nioSSL_peerCertificate().get() else {
                throw LiaisonError(.partnerCertificateRequired, "Requests to the federation listener come from a partner node presenting its pinned TLS certificate (mutual TLS).")
            }
            guard await partners.isPartner(certificate) else {
                throw LiaisonError(.notAPartner, "The client's TLS certificate is not that of a partner of this node: not a partner.")
            }
        }
        return try await next(request, context)
    }
}
