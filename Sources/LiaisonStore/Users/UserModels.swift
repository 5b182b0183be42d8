import FluentSQL
import SQLKit
import FluentKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

final class UserModel: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    @Field(key: "username") var username: String
    @Field(key: "role") var role: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "failed_attempts") var failedAttempts: Int
    @OptionalField(key: "locked_until") var lockedUntil: Date?
    @Field(key: "created_at") var createdAt: Date
    /// When the user's access authorisation ends by itself (migration 0015); `nil`: no end date.
    @OptionalField(key: "valid_until") var validUntil: Date?
    /// Tokens carry the generation they were issued in; revoking them moves it on (migration 0028).
    @Field(key: "token_generation") var tokenGeneration: Int

    init() {}
}

/// The generation of a user's tokens (migration 0028): raised by "sign out everywhere", by an
/// administrator's revocation and by a new password, so that every token issued before stops
/// working at once.
struct AddTokenGeneration: AsyncMigration {
    var name: String { "0028-add-token-generation" }

    func prepare(on database: any Database) async throws {
        try await database.schema(UserModel.schema).field("token_generation", .int, .required, .sql(.default(0))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(UserModel.schema).deleteField("token_generation").update()
    }
}

struct AddUserValidity: AsyncMigration {
    var name: String { "0015-add-user-validity" }

    func prepare(on database: any Database) async throws {
        try await database.schema(UserModel.schema).field("valid_until", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(UserModel.schema).deleteField("valid_until").update()
    }
}

final class WebSessionModel: Model, @unchecked Sendable {
    static let schema = "web_sessions"

    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "user_id") var userID: UUID
    @Field(key: "csrf_token") var csrfToken: String
    @Field(key: "expires_at") var expiresAt: Date
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

struct CreateUsers: AsyncMigration {
    var name: String { "0001-create-users" }

    func prepare(on database: any Database) async throws {
        try await database.schema(UserModel.schema)
            .id()
            .field("username", .string, .required)
            .field("role", .string, .required)
            .field("password_hash", .string, .required)
            .field("failed_attempts", .int, .required)
            .field("locked_until", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "username")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(UserModel.schema).delete()
    }
}

struct CreateWebSessions: AsyncMigration {
    var name: String { "0002-create-web-sessions" }

    func prepare(on database: any Database) async throws {
        try await database.schema(WebSessionModel.schema)
            .id()
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .required, .references(UserModel.schema, .id, onDelete: .cascade))
            .field("csrf_token", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(WebSessionModel.schema).delete()
    }
}
