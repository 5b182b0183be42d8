import Crypto
import Foundation
import HummingbirdBcrypt
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore
import NIOPosix
import Synchronization

/// Signs users in: verifies passwords with back-off, issues API tokens and browser sessions, and
/// resolves either back to a ``Principal``.
struct Authenticator: Sendable {
    let users: UserStore
    let tokens: APITokenAuthority
    let configuration: NodeConfiguration
    let audit: AuditTrail
    let throttle: SignInThrottle
    private let decoy: DecoyHash

    init(users: UserStore, signingKey: Curve25519.Signing.PrivateKey, issuer: String, configuration: NodeConfiguration, audit: AuditTrail) async {
        self.users = users
        self.configuration = configuration
        self.audit = audit
        self.throttle = SignInThrottle(rules: configuration.loginThrottle)
        self.decoy = DecoyHash(cost: configuration.bcryptCost)
        self.tokens = await APITokenAuthority(signingKey: signingKey, issuer: issuer, lifetime: configuration.tokenLifetime, clock: configuration.clock)
    }

    private var now: Date { configuration.clock.now() }

    /// Hashes a password with bcrypt off the event loops.
    static func hashPassword(_ password: String, cost: UInt8) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Checks a username and password.
    ///
    /// A name that does not exist costs the same bcrypt verification as a real one (against a
    /// decoy hash of the node's cost) and locks after the same failures, so that neither the time
    /// nor a 429 tells an attacker which usernames exist.
    /// - Parameter client: the caller's address, for the limit on failures from one client.
    /// - Throws: ``LiaisonError`` `.locked` during a back-off period, `.unauthenticated` for wrong credentials.
    func login(username: String, password: String, client: String? = nil) async throws -> UserRecord {
        let name = username.lowercased()
        // The attempted name is kept only when it is well formed, so that a password typed into
        // the username field does not end up in the log.
        let actor = (try? CredentialRules.validateUsername(name)) != nil ? "user:\(name)" : "anonymous"
        if let until = throttle.clientLockedUntil(client, at: now) {
            await audit.record(audit.event(.login, .denied, actor: actor, details: ["reason": "too many failures from this client until \(until.formatted(.iso8601))"]))
            throw LiaisonError(.locked, "Too many failed sign-in attempts; try again after \(until.formatted(.iso8601)).")
        }
        let user = try await users.find(username: name)
        if let until = user.map({ $0.lockedUntil.flatMap { $0 > now ? $0 : nil } }) ?? throttle.unknownLockedUntil(name, at: now) {
            await audit.record(audit.event(.login, .denied, actor: actor, role: user?.role.rawValue, details: ["reason": "locked until \(until.formatted(.iso8601))"]))
            throw LiaisonError(.locked, "Too many failed sign-in attempts; try again after \(until.formatted(.iso8601)).")
        }
        let hash = if let user { user.passwordHash } else { try await decoy.hash() }
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
        guard let user, matches else {
            if let user {
                let lock = configuration.loginThrottle.lockedUntil(failures: user.failedAttempts + 1, at: now)
                try await users.recordFailure(userID: user.id, lockedUntil: lock)
            }
            throttle.recordFailure(client: client, unknownUsername: user == nil ? name : nil, at: now)
            await audit.record(audit.event(.login, .failure, actor: actor, details: ["reason": user == nil ? "unknown user" : "wrong password"]))
            throw LiaisonError(.unauthenticated, "The username or password is wrong.")
        }
        guard user.isAuthorised(at: now) else {
            await audit.record(audit.event(.login, .denied, actor: actor, role: user.role.rawValue, details: ["reason": "access authorisation ended \(user.validUntil!.formatted(.iso8601))"]))
            throw LiaisonError(.forbidden, "This account's access authorisation ended on \(user.validUntil!.formatted(.iso8601)); an administrator renews it.")
        }
        try await users.recordSuccess(userID: user.id)
        await audit.record(audit.event(.login, actor: actor, role: user.role.rawValue))
        return user
    }

    /// Issues a bearer token for the user.
    func issueToken(for user: UserRecord) async throws -> (token: String, expiresAt: Date) {
        try await tokens.issue(
            userID: user.id.uuidString.lowercased(), username: user.username, role: user.role, notAfter: user.validUntil, generation: user.tokenGeneration)
    }

    /// The principal of a valid, unexpired token signed by this node whose user still holds it:
    /// the user exists, is authorised, and has not revoked the token's generation. What a user
    /// holds is read from the database at most once a second per user (``Holders``), so that a
    /// revocation on another replica takes effect within a second, and on this one at once.
    func principal(bearer token: String) async -> Principal? {
        guard let (principal, generation) = await tokens.verify(bearer: token), let id = UUID(uuidString: principal.userID) else { return nil }
        let now = self.now
        let holder: Holders.Entry
        if let known = holders.lookUp(id) {
            holder = known
        } else {
            guard let user = try? await users.find(id: id) else { return nil }
            holder = Holders.Entry(generation: user.tokenGeneration, validUntil: user.validUntil, role: user.role, checkedAt: .now)
            holders.keep(id, holder)
        }
        guard holder.generation == generation, holder.role == principal.role, holder.validUntil.map({ now < $0 }) ?? true else { return nil }
        return principal
    }

    /// Ends every token and session of a user ("sign out everywhere"), and with `endingAccess` the
    /// user's access authorisation: audited, in force on this node at once.
    /// - Throws: ``LiaisonError`` `.notFound` for an unknown user.
    @discardableResult
    func revoke(username: String, endingAccess: Bool, actor: String) async throws -> UserRecord {
        guard let user = try await users.find(username: username.lowercased()),
              let revoked = try await users.revoke(userID: user.id, endingAccess: endingAccess, at: now)
        else { throw LiaisonError(.notFound, "No user named '\(username.prefix(64))'.") }
        holders.forget(user.id)
        var details = ["tokenGeneration": "\(revoked.tokenGeneration)"]
        if endingAccess { details["accessEnded"] = now.formatted(.iso8601) }
        await audit.record(audit.event(.userRevoked, actor: actor, subject: "user:\(user.username)", details: details))
        return revoked
    }

    private let holders = Holders()

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

/// What each user who presented a token held when last read: the token generation in force, the
/// end of the access authorisation and the role. Entries are trusted for a second.
final class Holders: Sendable {
    struct Entry: Sendable {
        var generation: Int
        var validUntil: Date?
        var role: Role
        /// When it was read, on the machine's monotonic clock (how fresh it is, not a business time).
        var checkedAt: ContinuousClock.Instant
    }

    private let entries = Mutex<[UUID: Entry]>([:])
    static let lifetime: Duration = .seconds(1)
    static let capacity = 10_000

    func lookUp(_ id: UUID) -> Entry? {
        entries.withLock { $0[id] }.flatMap { $0.checkedAt.duration(to: .now) < Self.lifetime ? $0 : nil }
    }

    func keep(_ id: UUID, _ entry: Entry) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll() }
            entries[id] = entry
        }
    }

    func forget(_ id: UUID) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }
}

/// A bcrypt hash of a random password at the node's cost, made once on first use (off the event
/// loops), to verify against when the user does not exist.
private final class DecoyHash: Sendable {
    let cost: UInt8
    private let made = Mutex<String?>(nil)

    init(cost: UInt8) {
        self.cost = cost
    }

    func hash() async throws -> String {
        if let hash = made.withLock({ $0 }) { return hash }
        let hash = try await Authenticator.hashPassword(Authenticator.randomToken(), cost: cost)
        made.withLock { $0 = $0 ?? hash }
        return hash
    }
}
