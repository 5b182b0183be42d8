import Hummingbird
import Logging
import LiaisonSafeguards

/// Resolves the caller's credentials — a bearer token or a session cookie — into a principal on
/// the request context. It never rejects a request by itself: each route's ``AccessRule`` decides.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = LiaisonRequestContext

    static let sessionCookie = "liaison_session"

    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer", let principal = await authenticator.principal(bearer: String(parts[1])) {
                context.principal = principal
                context.credential = .bearerToken
            }
        } else if let cookie = request.cookies[Self.sessionCookie], let (principal, csrf, tokenHash) = try await authenticator.session(token: cookie.value) {
            context.principal = principal
            context.credential = .session(csrfToken: csrf, tokenHash: tokenHash)
        }
        if let principal = context.principal {
            context.logger[metadataKey: "user"] = "\(principal.username)"
        }
        return try await next(request, context)
    }
}
