import FluentKit
public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A user account as the rest of the node sees it. The password hash never leaves the store
/// except for verification.
public struct UserRecord: Sendable, Equatable {
    public var id: UUID
    public var username: String
    public var role: Role
    public var passwordHash: String
    public var failedAttempts: Int
    public var lockedUntil: Date?
    public var createdAt: Date
    /// When the access authorisation ends by itself; `nil`: no end date.
    public var validUntil: Date? = nil
    /// Only tokens issued in this generation are honoured (see ``UserStore/revoke(userID:endingAccess:at:)``).
    public var tokenGeneration: Int = 0

    /// Whether the authorisation is in force at `date`.
    public func isAuthorised(at date: Date) -> Bool { validUntil.map { date < $0 } ?? true }
}

/// A signed-in browser session. The store keeps only the SHA-256 of the cookie's token.
public struct WebSessionRecord: Sendable, Equatable {
    public var id: UUID
    public var user: UserRecord
    public var csrfToken: String
    public var expiresAt: Date
}

/// Persistence of users and their browser sessions.
public struct UserStore: Sendable {
    package let database: LiaisonDatabase

    public init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    /// Creates a user.
    /// - Throws: ``LiaisonError`` `.conflict` when the username is taken.
    @discardableResult
    public func create(username: String, role: Role, passwordHash: String, validUntil: Date? = nil, at now: Date) async throws -> UserRecord {
        if try await UserModel.query(on: try db).filter(\.$username == username).first() != nil {
            throw LiaisonError(.conflict, "a user named '\(username)' already exists")
        }
        let model = UserModel()
        model.id = UUIDv7.make(at: now)
        model.username = username
        model.role = role.rawValue
        model.passwordHash = passwordHash
        model.failedAttempts = 0
        model.createdAt = now
        model.validUntil = validUntil
        model.tokenGeneration = 0
        try await database.writing { try await model.create(on: $0) }
        return try Self.record(model)
    }

    /// Replaces a user's password and role, clearing any lock; creates the user if absent.
    @discardableResult
    public func upsert(username: String, role: Role, passwordHash: String, validUntil: Date? = nil, at now: Date) async throws -> UserRecord {
        guard let model = try await UserModel.query(on: try db).filter(\.$username == username).first() else {
            return try await create(username: username, role: role, passwordHash: passwordHash, validUntil: validUntil, at: now)
        }
        model.validUntil = validUntil
        model.role = role.rawValue
        model.passwordHash = passwordHash
        model.failedAttempts = 0
        model.lockedUntil = nil
        // A new password or role ends what the old one signed in to.
        model.tokenGeneration += 1
        let id = try model.requireID()
        try await database.writing { database in
            try await model.update(on: database)
            try await WebSessionModel.query(on: database).filter(\.$userID == id).delete()
        }
        return try Self.record(model)
    }

    /// Ends every token and browser session of a user at once ("sign out everywhere"), and with
    /// `endingAccess` the user's access authorisation too (an account that is no longer needed).
    /// - Returns: the user as it now stands, or `nil` when there is no such user.
    @discardableResult
    public func revoke(userID: UUID, endingAccess: Bool = false, at now: Date) async throws -> UserRecord? {
        guard let model = try await UserModel.find(userID, on: try db) else { return nil }
        model.tokenGeneration += 1
        if endingAccess, model.validUntil.map({ $0 > now }) ?? true { model.validUntil = now }
        try await database.writing { database in
            try await model.update(on: database)
            try await WebSessionModel.query(on: database).filter(\.$userID == userID).delete()
        }
        return try Self.record(model)
    }

    public func find(username: String) async throws -> UserRecord? {
        try await UserModel.query(on: try db).filter(\.$username == username).first().map(Self.record)
    }

    public func find(id: UUID) async throws -> UserRecord? {
        try await UserModel.find(id, on: try db).map(Self.record)
    }

    public func list() async throws -> [UserRecord] {
        try await UserModel.query(on: try db).sort(\.$username).all().map(Self.record)
    }

    /// Records a failed login and the lock it earns.
    public func recordFailure(userID: UUID, lockedUntil: Date?) async throws {
        guard let model = try await UserModel.find(userID, on: try db) else { return }
        model.failedAttempts += 1
        model.lockedUntil = lockedUntil
        try await database.writing { try await model.update(on: $0) }
    }

    /// Clears failures after a successful login.
    public func recordSuccess(userID: UUID) async throws {
        guard let model = try await UserModel.find(userID, on: try db), model.failedAttempts != 0 || model.lockedUntil != nil else { return }
        model.failedAttempts = 0
        model.lockedUntil = nil
        try await database.writing { try await model.update(on: $0) }
    }

    // MARK: Web sessions

    public func createSession(userID: UUID, tokenHash: String, csrfToken: String, expiresAt: Date, at now: Date) async throws {
        let model = WebSessionModel()
        model.id = UUIDv7.make(at: now)
        model.tokenHash = tokenHash
        model.userID = userID
        model.csrfToken = csrfToken
        model.expiresAt = expiresAt
        model.createdAt = now
        try await database.writing { try await model.create(on: $0) }
    }

    /// The live session with this token hash, if any; expired sessions are removed on sight.
    public func session(tokenHash: String, at now: Date) async throws -> WebSessionRecord? {
        guard let model = try await WebSessionModel.query(on: try db).filter(\.$tokenHash == tokenHash).first() else { return nil }
        guard model.expiresAt > now else {
            try await database.writing { try await model.delete(on: $0) }
            return nil
        }
        guard let user = try await find(id: model.userID), user.isAuthorised(at: now) else { return nil }
        return WebSessionRecord(id: try model.requireID(), user: user, csrfToken: model.csrfToken, expiresAt: model.expiresAt)
    }

    public func deleteSession(tokenHash: String) async throws {
        try await database.writing { try await WebSessionModel.query(on: $0).filter(\.$tokenHash == tokenHash).delete() }
    }

    static func record(_ model: UserModel) throws -> UserRecord {
        guard let role = Role(rawValue: model.role) else {
            throw LiaisonError(.configuration, "user '\(model.username)' has an unknown role '\(model.role)' in the database")
        }
        return UserRecord(
            id: try model.requireID(),
            username: model.username,
            role: role,
            passwordHash: model.passwordHash,
            failedAttempts: model.failedAttempts,
            lockedUntil: model.lockedUntil,
            createdAt: model.createdAt,
            validUntil: model.validUntil,
            tokenGeneration: model.tokenGeneration
        )
    }
}
