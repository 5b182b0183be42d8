import AsyncHTTPClient
import Foundation
import LiaisonCore
import LiaisonStore
import NIOCore
import NIOSSL

/// HTTP clients for talking to partners, one per partner: each trusts only that partner's pinned
/// TLS certificate, and keeps its connections for reuse.
actor FederationClients {
    private var clients: [String: (pin: String, endpoint: String, client: HTTPClient)] = [:]
    /// Plain HTTP to partners whose endpoint is on 127.0.0.1 (`--insecure-loopback`).
    let insecureLoopback: Bool

    init(insecureLoopback: Bool) {
        self.insecureLoopback = insecureLoopback
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
