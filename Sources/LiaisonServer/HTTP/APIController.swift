package import Foundation
package import Hummingbird
package import LiaisonCore
package import LiaisonSafeguards
package import LiaisonStore

/// The node's JSON API: tokens, identity, users, and the OpenAPI document.
struct APIController {
    let authenticator: Authenticator
    let users: UserStore
    let identity: IdentityDocument
    let openAPIDocument: ByteBuffer
    let configuration: NodeConfiguration

    struct TokenRequest: Decodable {
        var username: String
        var password: String
    }

    struct TokenResponse: Encodable {
        var token: String
        var expiresAt: Date
    }

    struct NewUser: Decodable {
        var username: String
        var role: String
        var password: String
        /// When the access authorisation ends by itself.
        var validUntil: Date?
    }

    struct Revocation: Decodable {
        /// Also end the user's access authorisation now (an account no longer needed).
        var endAccess: Bool?
    }

    struct UserView: Encodable {
        var id: String
        var username: String
        var role: String
        var createdAt: Date
        var validUntil: Date?
        /// Tokens issued in an earlier generation are no longer honoured.
        var tokenGeneration: Int

        init(_ user: UserRecord) {
            id = user.id.uuidString.lowercased()
            username = user.username
            role = user.role.rawValue
            createdAt = user.createdAt
            validUntil = user.validUntil
            tokenGeneration = user.tokenGeneration
        }
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v1/openapi.json", access: .anonymous, surface: .api) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: openAPIDocument))
        }

        routes.on(.post, "/api/v1/auth/token", access: .anonymous, surface: .api) { request, context in
            let body = try await JSONBody.decode(TokenRequest.self, from: request, limit: configuration.maxBodyBytes)
            let user = try await authenticator.login(username: body.username, password: body.password, client: context.clientAddress)
            let (token, expiresAt) = try await authenticator.issueToken(for: user)
            return try JSONBody.response(TokenResponse(token: token, expiresAt: expiresAt))
        }

        routes.on(.get, "/api/v1/node", access: .anyRole, surface: .api) { _, _ in
            try JSONBody.response(identity)
        }

        routes.on(.post, "/api/v1/auth/revocation", access: .anyRole, surface: .api) { _, context in
            guard let principal = context.principal else { throw LiaisonError(.unauthenticated, "Sign in first.") }
            let user = try await authenticator.revoke(username: principal.username, endingAccess: false, actor: AuditTrail.actor(context))
            return try JSONBody.response(UserView(user))
        }
        routes.on(.post, "/api/v1/users/:username/revocation", access: .administrators, surface: .api) { request, context in
            let body = try await JSONBody.decode(Revocation.self, from: request, limit: configuration.maxBodyBytes)
            let user = try await authenticator.revoke(
                username: try context.parameters.require("username"), endingAccess: body.endAccess ?? false, actor: AuditTrail.actor(context))
            return try JSONBody.response(UserView(user))
        }
        routes.on(.get, "/api/v1/users", access: .administrators, surface: .api) { _, _ in
            try JSONBody.response(try await users.list().map(UserView.init))
        }

        routes.on(.post, "/api/v1/users", access: .administrators, surface: .api) { request, context in
            let body = try await JSONBody.decode(NewUser.self, from: request, limit: configuration.maxBodyBytes)
            let user = try await UserAdministration(users: users, bcryptCost: configuration.bcryptCost, clock: configuration.clock)
                .add(username: body.username, role: body.role, password: body.password, validUntil: body.validUntil, by: AuditTrail.actor(context))
            return try JSONBody.response(UserView(user), status: .created)
        }
    }
}
