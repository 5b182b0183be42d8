public import Crypto
public import Foundation
public import JWTKit
public import LiaisonCore
public import LiaisonSafeguards
public import Synchronization

/// Claims of an API bearer token. Signed by the node's Ed25519 key (JWS `EdDSA`, RFC 8037).
struct AccessTokenClaims: JWTPayload {
    var sub: SubjectClaim
    var iss: IssuerClaim
    var aud: AudienceClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var username: String
    var role: String
    /// The user's token generation when issued; a token without one (issued before revocation
    /// existed) belongs to generation 0.
    var gen: Int?

    // Expiry is checked against the node's injected clock in ``APITokenAuthority/principal(bearer:)``.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Issues and verifies the node's API bearer tokens: JWTs signed with the node's Ed25519 key,
/// valid for a short lifetime, bound to this node as issuer and to the `liaison-api` audience.
///
/// Verification runs on every API request; `Benchmarks/` measures it against a bare Ed25519
/// signature check.
public struct APITokenAuthority: Sendable {
    public static let audience = "liaison-api"

    let keys: JWTKeyCollection
    let issuer: String
    let lifetime: Duration
    let clock: any WallClock

    /// - Parameters:
    ///   - signingKey: the node's Ed25519 signing key.
    ///   - issuer: the node's agency code, checked on verification.
    ///   - lifetime: how long an issued token is valid.
    ///   - clock: the time source for issuing and expiry.
    public init(signingKey: Curve25519.Signing.PrivateKey, issuer: String, lifetime: Duration, clock: any WallClock) async {
        self.keys = JWTKeyCollection()
        self.issuer = issuer
        self.lifetime = lifetime
        self.clock = clock
        await keys.add(eddsa: EdDSA.PrivateKey(backing: signingKey))
    }

    /// Issues a token for a user.
    /// - Returns: the compact JWS and its expiry.
    /// - Parameter notAfter: the end of the user's access authorisation: the token never outlives it.
    /// - Parameter generation: the user's token generation (``UserRecord/tokenGeneration``).
    public func issue(userID: String, username: String, role: Role, notAfter: Date? = nil, generation: Int = 0) async throws -> (token: String, expiresAt: Date) {
        let issuedAt = clock.now()
        let expiresAt = min(issuedAt.addingTimeInterval(TimeInterval(lifetime.components.seconds)), notAfter ?? .distantFuture)
        let claims = AccessTokenClaims(
            sub: .init(value: userID),
            iss: .init(value: issuer),
            aud: .init(value: [Self.audience]),
            iat: .init(value: issuedAt),
            exp: .init(value: expiresAt),
            username: username,
            role: role.rawValue,
            gen: generation
        )
        return (try await keys.sign(claims), expiresAt)
    }

    /// The principal of a valid, unexpired token issued by this node, or `nil`.
    ///
    /// A client sends the same token with every request until it expires, so the outcome of
    /// checking a token's signature is kept (``VerifiedTokens``): the same bytes verify the same
    /// way every time. Expiry is checked on every call.
    public func principal(bearer token: String) async -> Principal? {
        await verify(bearer: token)?.principal
    }

    /// The principal of a valid, unexpired token issued by this node and the user's token
    /// generation it was issued in (the caller checks it against the user's current one), or `nil`.
    public func verify(bearer token: String) async -> (principal: Principal, generation: Int)? {
        let now = clock.now()
        if let (principal, expiresAt, generation) = verified.lookUp(token) {
            return expiresAt > now ? (principal, generation) : nil
        }
        guard let (principal, expiresAt, issuedAt, generation) = await claims(bearer: token) else { return nil }
        // A token issued in the future was not issued by this node's clock: refused (a minute's
        // skew allowed between replicas).
        guard issuedAt <= now.addingTimeInterval(Self.allowedSkew) else { return nil }
        verified.keep(token, principal: principal, expiresAt: expiresAt, generation: generation, now: now)
        return expiresAt > now ? (principal, generation) : nil
    }

    /// How far in the future a token's `iat` may lie (clocks of replicas differ a little).
    static let allowedSkew: TimeInterval = 60

    /// Checks a token's signature, issuer, audience and role — every time, without the kept
    /// outcomes (the benchmark's measure of a first use).
    /// - Returns: the principal and the token's expiry, which the caller checks.
    public func verifiedClaims(bearer token: String) async -> (Principal, expiresAt: Date)? {
        await claims(bearer: token).map { ($0.principal, $0.expiresAt) }
    }

    private func claims(bearer token: String) async -> (principal: Principal, expiresAt: Date, issuedAt: Date, generation: Int)? {
        guard let claims = try? await keys.verify(token, as: AccessTokenClaims.self),
            claims.iss.value == issuer,
            claims.aud.value.contains(Self.audience),
            let role = Role(rawValue: claims.role)
        else { return nil }
        return (Principal(userID: claims.sub.value, username: claims.username, role: role), claims.exp.value, claims.iat.value, claims.gen ?? 0)
    }

    private let verified = VerifiedTokens()
}

/// Tokens whose signature this node has checked, with their principal and expiry. Only valid
/// tokens are kept, bounded in number; expired ones are dropped when the table is full.
final class VerifiedTokens: Sendable {
    private let entries = Mutex<[String: (principal: Principal, expiresAt: Date, generation: Int)]>([:])
    static let capacity = 4_096

    func lookUp(_ token: String) -> (Principal, Date, Int)? {
        entries.withLock { $0[token] }.map { ($0.principal, $0.expiresAt, $0.generation) }
    }

    func keep(_ token: String, principal: Principal, expiresAt: Date, generation: Int, now: Date) {
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                entries = entries.filter { $0.value.expiresAt > now }
                if entries.count >= Self.capacity { entries.removeAll() }
            }
            entries[token] = (principal, expiresAt, generation)
        }
    }
}
