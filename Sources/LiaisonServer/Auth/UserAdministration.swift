public import Foundation
public import Hummingbird
public import LiaisonCore
public import LiaisonSafeguards
public import LiaisonStore

/// Adding users, shared by the API, the CLI and the demo so that the rules live in one place.
public struct UserAdministration: Sendable {
    let users: UserStore
    let bcryptCost: UInt8
    let clock: any WallClock

    public init(users: UserStore, bcryptCost: UInt8, clock: any WallClock) {
        self.users = users
        self.bcryptCost = bcryptCost
        self.clock = clock
    }

    /// Validates and adds a user.
    /// - Throws: ``LiaisonError`` `.invalidInput` for a bad username, role or password; `.conflict` for a taken name.
    @discardableResult
    /// - Parameter actor: who adds the user, for the audit log (`cli` at the node's console).
    public func add(username: String, role roleName: String, password: String, validUntil: Date? = nil, replacing: Bool = false, by actor: String = "cli") async throws -> UserRecord {
        try CredentialRules.validateUsername(username)
        guard let role = Role(parsing: roleName) else {
            throw LiaisonError(.invalidInput, "role '\(roleName)' is not one of: \(Role.wireNames)")
        }
        try CredentialRules.validatePassword(password)
        if let validUntil, validUntil <= clock.now() {
            throw LiaisonError(.invalidInput, "validUntil must be in the future")
        }
        let hash = try await Authenticator.hashPassword(password, cost: bcryptCost)
        let user = replacing
            ? try await users.upsert(username: username, role: role, passwordHash: hash, validUntil: validUntil, at: clock.now())
            : try await users.create(username: username, role: role, passwordHash: hash, validUntil: validUntil, at: clock.now())
        var details = ["role": role.rawValue]
        if let validUntil { details["validUntil"] = validUntil.formatted(.iso8601) }
        try await AuditStore(database: users.database).record(
            [AuditEvent(time: clock.now(), operation: .userAdded, actor: actor, subject: "user:\(user.username)", details: details)], at: clock.now()
        )
        return user
    }

    /// Ends every token and session of a user (and with `endingAccess` the authorisation), from the
    /// node's console: a running node honours it within a second.
    /// - Throws: ``LiaisonError`` `.notFound` for an unknown user.
    @discardableResult
    public func revoke(username: String, endingAccess: Bool, by actor: String = "cli") async throws -> UserRecord {
        let now = clock.now()
        guard let user = try await users.find(username: username.lowercased()), let revoked = try await users.revoke(userID: user.id, endingAccess: endingAccess, at: now) else {
            throw LiaisonError(.notFound, "no user named '\(username.prefix(64))'")
        }
        var details = ["tokenGeneration": "\(revoked.tokenGeneration)"]
        if endingAccess { details["accessEnded"] = now.formatted(.iso8601) }
        try await AuditStore(database: users.database).record(
            [AuditEvent(time: now, operation: .userRevoked, actor: actor, subject: "user:\(user.username)", details: details)], at: now)
        return revoked
    }
}
