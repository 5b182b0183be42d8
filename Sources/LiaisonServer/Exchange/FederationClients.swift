import AsyncHTTPClient
import Hummingbird
import Foundation
import LiaisonCore
import LiaisonCrypto
import LiaisonStore
import NIOCore
import NIOSSL

/// HTTP clients for talking to partners, one per partner: each trusts only that partner's pinned
/// TLS certificate, and keeps its connections for reuse.
actor FederationClients {
    private var clients: [String: (pin: String, endpoint: String, client: HTTPClient)] = [:]
    /// Plain HTTP to partners whose endpoint is on 127.0.0.1 (`--insecure-loopback`).
    let insecureLoopback: Bool
    /// This node's TLS certificate and key, presented to partners (mutual TLS): a partner's
    /// federation listener reads no request body from a client without a partner's certificate.
    let certificate: (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey)?

    /// - Parameters:
    ///   - tlsCertificatePEM: the certificate to present as a client, with `tlsKeyPEM` its key.
    init(insecureLoopback: Bool, tlsCertificatePEM: String? = nil, tlsKeyPEM: String? = nil) throws {
        self.insecureLoopback = insecureLoopback
        if let tlsCertificatePEM, let tlsKeyPEM {
            certificate = (
                [try NIOSSLCertificate(bytes: Array(tlsCertificatePEM.utf8), format: .pem)],
                try NIOSSLPrivateKey(bytes: Array(tlsKeyPEM.utf8), format: .pem)
            )
        } else {
            certificate = nil
        }
    }

    /// The client for a partner, made on first use or when its pinned identity changed.
    /// - Returns: the client and the partner's base URL.
    func client(for partner: PartnerRecord) throws -> (HTTPClient, String) {
        let identity = partner.identity
        let endpoint = identity.endpoint.hasSuffix("/") ? String(identity.endpoint.dropLast()) : identity.endpoint
        if let existing = clients[identity.agencyCode], existing.pin == identity.tlsCertificate.fingerprint, existing.endpoint == endpoint {
            return (existing.client, endpoint)
        }
        if let stale = clients.removeValue(forKey: identity.agencyCode) {
            stale.client.shutdown { _ in }
        }
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        // As many connections as deliveries in flight: with fewer, deliveries queue for a connection.
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: DeliveryService.connectionsPerPartner)
        if endpoint.hasPrefix("https://") {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv12
            // Pinning: the partner's own certificate is the only trust root for this client.
            tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(identity.tlsCertificate.pem.utf8), format: .pem)])
            tls.certificateVerification = .fullVerification
            if let certificate {
                tls.certificateChain = certificate.chain.map { .certificate($0) }
                tls.privateKey = .privateKey(certificate.key)
            }
            configuration.tlsConfiguration = tls
        } else {
            guard insecureLoopback, let host = URL(string: endpoint)?.host, host == "127.0.0.1" || host == "localhost" else {
                throw LiaisonError(.configuration, "\(identity.agencyCode)'s endpoint \(endpoint) is not https; plain HTTP is allowed only to 127.0.0.1 with --insecure-loopback")
            }
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        clients[identity.agencyCode] = (identity.tlsCertificate.fingerprint, endpoint, client)
        return (client, endpoint)
    }

    func shutdown() async {
        for (_, entry) in clients {
            try? await entry.client.shutdown()
        }
        clients = [:]
    }
}

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
