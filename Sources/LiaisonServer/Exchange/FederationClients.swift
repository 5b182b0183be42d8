import AsyncHTTPClient
import Foundation
import LiaisonCore
import LiaisonCrypto
import LiaisonStore
import NIOCore
import NIOSSL
import ServiceLifecycle

/// HTTP clients for talking to partners, one per partner: each trusts only that partner's pinned
/// TLS certificate, and keeps its connections for reuse. A lifecycle service of its own, listed
/// before the jobs that use it, so that it shuts the clients down after them.
actor FederationClients: Service {
    private var clients: [String: (pin: String, endpoint: String, client: HTTPClient)] = [:]
    /// Set once the clients are shut down: no new one is made after that.
    private var closed = false
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
        guard !closed else { throw LiaisonError(.unavailable, "the node is stopping; nothing more is sent to partners") }
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
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: OutboxDelivery.connectionsPerPartner)
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

    /// Runs until the node shuts down gracefully, then shuts every client down.
    func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    func shutdown() async {
        closed = true
        for (_, entry) in clients {
            try? await entry.client.shutdown()
        }
        clients = [:]
    }
}
