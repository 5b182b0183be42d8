package import Hummingbird
package import LiaisonSafeguards
package import NIOCore

/// Per-request state: the authenticated principal, if any, and how it authenticated.
package struct LiaisonRequestContext: RequestContext, RemoteAddressRequestContext {
    /// How the caller proved who they are.
    package enum Credential: Sendable, Equatable {
        case bearerToken
        /// A browser session; forms must echo this CSRF token.
        case session(csrfToken: String, tokenHash: String)
    }

    package var coreContext: CoreRequestContextStorage
    package var principal: Principal?
    package var credential: Credential?

    /// The peer of the connection (for limits per client; never written to the audit log).
    package var remoteAddress: SocketAddress?
    /// The connection, for its TLS peer certificate on the federation listener.
    let channel: any Channel

    package init(source: Source) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.channel = source.channel
    }

    /// The client's IP address, for limits per client.
    var clientAddress: String? { remoteAddress?.ipAddress }
}
