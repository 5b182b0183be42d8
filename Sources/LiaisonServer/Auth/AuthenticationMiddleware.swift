import Hummingbird
import LiaisonSafeguards

/// Resolves the caller's credentials — a bearer token or a session cookie — into a principal on
/// the request context. It never rejects a request by itself: each route's ``AccessRule`` decides.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = LiaisonRequestContext

    let authenticator: Authenticator
    let cookies: CookieNames

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer", let principal = await authenticator.principal(bearer: String(parts[1])) {
                context.principal = principal
                context.credential = .bearerToken
            }
        } else if let cookie = request.cookies[cookies.session], let (principal, csrf, tokenHash) = try await authenticator.session(token: cookie.value) {
            context.principal = principal
            context.credential = .session(csrfToken: csrf, tokenHash: tokenHash)
        }
        return try await next(request, context)
    }
}

/// Cookie names of one node. They carry the agency code because browsers scope cookies by host,
/// not port: several nodes on one host (the demo) would otherwise overwrite each other's sessions.
struct CookieNames: Sendable {
    let session: String
    let loginCSRF: String

    init(agencyCode: String) {
        let suffix = agencyCode.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        session = "liaison_session_" + String(suffix)
        loginCSRF = "liaison_login_csrf_" + String(suffix)
    }
}
