import HTTPTypes
import Hummingbird

/// The headers a modern web application sends with every response (OWASP Secure Headers Project),
/// on both listeners, errors included. Pages add their own `Content-Security-Policy`; every other
/// response — JSON, attachments, problems — gets the strictest one, so that a file a partner sent
/// as `text/html` cannot run script in the node's origin even when opened directly.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headers: [(HTTPField.Name, String)] {
        [
            (.init("X-Content-Type-Options")!, "nosniff"),  // checked: constant, valid header names
            (.init("Referrer-Policy")!, "no-referrer"),  // checked: constant, valid header names
            (.init("X-Frame-Options")!, "DENY"),  // checked: constant, valid header names
            (.init("Cross-Origin-Opener-Policy")!, "same-origin"),  // checked: constant, valid header names
            (.init("Cross-Origin-Resource-Policy")!, "same-origin"),  // checked: constant, valid header names
            (.init("Permissions-Policy")!, "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),  // checked: constant, valid header names
        ]
    }

    static var contentSecurityPolicy: HTTPField.Name { .init("Content-Security-Policy")! }  // checked: a constant, valid header name

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for (name, value) in Self.headers where response.headers[name] == nil {
            response.headers[name] = value
        }
        if response.headers[Self.contentSecurityPolicy] == nil {
            response.headers[Self.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'; sandbox"
        }
        return response
    }
}
