import Crypto
import Foundation
import HummingbirdBcrypt
import JWTKit
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore
import NIOPosix

/// Claims of an API bearer token. Signed by the node's Ed25519 key (JWS `EdDSA`, RFC 8037).
struct AccessTokenClaims: JWTPayload {
    var sub: SubjectClaim
    var iss: IssuerClaim
    var aud: AudienceClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var username: String
    var role: String

    // Expiry is checked against the node's injected clock in ``Authenticator/principal(bearer:)``.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Signs users in: verifies passwords with back-off, issues API tokens and browser sessions, and
/// resolves either back to a ``Principal``.
struct Authenticator: Sendable {
    static let audience = "liaison-api"

    let users: UserStore
    let keys: JWTKeyCollection
    let issuer: String
    let configuration: NodeConfiguration

    init(users: UserStore, signingKey: Curve25519.Signing.PrivateKey, issuer: String, configuration: NodeConfiguration) async {
        self.users = users
        self.issuer = issuer
        self.configuration = configuration
        self.keys = JWTKeyCollection()
        await keys.add(eddsa: EdDSA.PrivateKey(backing: signingKey))
    }

    private var now: Date { configuration.clock.now() }

    /// Hashes a password with bcrypt off the event loops.
    static func hashPassword(_ password: String, cost: UInt8) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// A fixed hash to verify against when the user does not exist, so that the response time does
    /// not tell an attacker which usernames exist.
    private static let decoyHash = Bcrypt.hash("decoy-password-for-timing", cost: 10)

    /// Checks a username and password.
    /// - Throws: ``LiaisonError`` `.locked` during a back-off period, `.unauthenticated` for wrong credentials.
    func login(username: String, password: String) async throws -> UserRecord {
        let user = try await users.find(username: username.lowercased())
        if let user, let until = user.lockedUntil, until > now {
            throw LiaisonError(.locked, "Too many failed sign-in attempts; try again after \(until.formatted(.iso8601)).")
        }
        let hash = user?.passwordHash ?? Self.decoyHash
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
        guard let user, matches else {
            if let user {
                let lock = configuration.loginThrottle.lockedUntil(failures: user.failedAttempts + 1, at: now)
                try await users.recordFailure(userID: user.id, lockedUntil: lock)
            }
            throw LiaisonError(.unauthenticated, "The username or password is wrong.")
        }
        try await users.recordSuccess(userID: user.id)
        return user
    }

    /// Issues a bearer token for the user.
    func issueToken(for user: UserRecord) async throws -> (token: String, expiresAt: Date) {
        let issuedAt = now
        let expiresAt = issuedAt.addingTimeInterval(TimeInterval(configuration.tokenLifetime.components.seconds))
        let claims = AccessTokenClaims(
            sub: .init(value: user.id.uuidString.lowercased()),
            iss: .init(value: issuer),
            aud: .init(value: [Self.audience]),
            iat: .init(value: issuedAt),
            exp: .init(value: expiresAt),
            username: user.username,
            role: user.role.rawValue
        )
        return (try await keys.sign(claims), expiresAt)
    }

    /// The principal of a valid, unexpired token signed by this node, or `nil`.
    func principal(bearer token: String) async -> Principal? {
        guard let claims = try? await keys.verify(token, as: AccessTokenClaims.self),
            claims.iss.value == issuer,
            claims.aud.value.contains(Self.audience),
            claims.exp.value > now,
            let role = Role(rawValue: claims.role)
        else { return nil }
        return Principal(userID: claims.sub.value, username: claims.username, role: role)
    }

    // MARK: Browser sessions

    /// Starts a browser session.
    /// - Returns: the cookie token (only its hash is stored) and the session's CSRF token.
    func startSession(for user: UserRecord) async throws -> (token: String, csrfToken: String, expiresAt: Date) {
        let token = Self.randomToken()
        let csrf = Self.randomToken()
        let expiresAt = now.addingTimeInterval(TimeInterval(configuration.sessionLifetime.components.seconds))
        try await users.createSession(userID: user.id, tokenHash: Self.hash(token), csrfToken: csrf, expiresAt: expiresAt, at: now)
        return (token, csrf, expiresAt)
    }

    /// The principal and CSRF token of a live session, or `nil`.
    func session(token: String) async throws -> (Principal, csrfToken: String, tokenHash: String)? {
        let tokenHash = Self.hash(token)
        guard let session = try await users.session(tokenHash: tokenHash, at: now) else { return nil }
        let user = session.user
        return (Principal(userID: user.id.uuidString.lowercased(), username: user.username, role: user.role), session.csrfToken, tokenHash)
    }

    func endSession(tokenHash: String) async throws {
        try await users.deleteSession(tokenHash: tokenHash)
    }

    /// 256 random bits, base64url without padding.
    static func randomToken() -> String {
        let key = SymmetricKey(size: .bits256)
        return key.withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
