public import Hummingbird
public import LiaisonSafeguards
public import NIOCore

/// Per-request state: the authenticated principal, if any, and how it authenticated.
public struct LiaisonRequestContext: RequestContext, RemoteAddressRequestContext {
    /// How the caller proved who they are.
    public enum Credential: Sendable, Equatable {
        case bearerToken
        /// A browser session; forms must echo this CSRF token.
        case session(csrfToken: String, tokenHash: String)
    }

    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public var credential: Credential?

    /// The peer of the connection (for limits per client; never written to the audit log).
    public var remoteAddress: SocketAddress?
    /// The connection, for its TLS peer certificate on the federation listener.
    let channel: any Channel

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.channel = source.channel
    }

    /// The client's IP address, for limits per client.
    var clientAddress: String? { remoteAddress?.ipAddress }
}
