public import LiaisonCore
public import Logging

/// Everything `buildApplication(configuration:)` needs to build a node's server.
public struct NodeConfiguration: Sendable {
    /// The node's data directory (see ``NodeDirectory``).
    public var dataDirectory: String
    /// The thresholds typology detection runs with on this node, unless the node's directory holds
    /// a `finance-typologies.json` (which wins).
    public var typologies = TypologyParameters()
    /// Address to listen on. Loopback unless the operator says otherwise.
    public var host: String = "127.0.0.1"
    /// Port to listen on; 0 picks a free one (tests).
    public var port: Int = 8080
    /// Port of the federation listener (TLS with the node's certificate), where partners deliver
    /// envelopes; `nil` runs no listener. 0 picks a free one (tests).
    public var federationPort: Int?
    /// Plain HTTP between nodes on 127.0.0.1 only (`--insecure-loopback`): the federation listener
    /// serves without TLS and partners with http:// loopback endpoints are reached without it.
    public var insecureLoopback = false
    /// The longest wait between two delivery attempts to a partner that is down.
    public var maximumRetryDelay: Duration = .seconds(300)
    /// Overrides the database URL stored at `init` (`--database-url`, `LIAISON_DATABASE_URL`).
    public var databaseURL: String?
    /// Largest request body accepted, in bytes; larger bodies get 413.
    public var maxBodyBytes: Int = 1 << 20
    /// bcrypt cost for new password hashes (2^cost rounds). 12 takes ~250 ms here; tests lower it.
    public var bcryptCost: UInt8 = 12
    /// Lifetime of an API bearer token.
    public var tokenLifetime: Duration = .seconds(15 * 60)
    /// Lifetime of a browser session.
    public var sessionLifetime: Duration = .seconds(8 * 3600)
    /// Back-off after failed logins.
    public var loginThrottle = LoginThrottle()
    /// Mark cookies `Secure`. On by default; the plain-HTTP loopback demo turns it off because
    /// browsers drop Secure cookies sent over http://127.0.0.1.
    public var secureCookies: Bool = true
    /// The longest time between two audit checkpoints while the log grows (issue: at least every 10 s).
    public var checkpointInterval: Duration = .seconds(10)
    /// How often the retention sweep runs (it also runs at start).
    public var retentionSweepInterval: Duration = .seconds(3600)
    /// How often the audit log is scanned for anomalous access.
    public var anomalyScanInterval: Duration = .seconds(3600)
    /// How often each JIT space catches up from the other members.
    public var jitCatchUpInterval: Duration = .seconds(300)
    /// The largest file a member may upload to a JIT space, and the file content one space may hold.
    public var jitMaximumFileBytes = 1 << 30
    public var jitMaximumSpaceBytes = 20 << 30
    /// Hit/no-hit queries (or blinded identifiers) each partner may send per minute.
    public var hitQueriesPerMinute = 600
    /// The staff listener's TLS certificate chain and private key (PEM files): with both set, the
    /// API and the web UI are served over HTTPS with HSTS, and no reverse proxy is needed.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// A connection that sends nothing for this long is closed (a slow or stalled client cannot
    /// hold a socket for ever), on both listeners.
    public var connectionIdleTimeout: Duration = .seconds(30)
    /// Time source for tokens, sessions and lockouts.
    public var clock: any WallClock = SystemWallClock()
    public var logLevel: Logger.Level = .info

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }
}
