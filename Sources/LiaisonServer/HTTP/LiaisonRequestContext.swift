public import Hummingbird
public import LiaisonSafeguards

/// Per-request state: the authenticated principal, if any, and how it authenticated.
public struct LiaisonRequestContext: RequestContext {
    /// How the caller proved who they are.
    public enum Credential: Sendable, Equatable {
        case bearerToken
        /// A browser session; forms must echo this CSRF token.
        case session(csrfToken: String, tokenHash: String)
    }

    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public var credential: Credential?

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }
}
