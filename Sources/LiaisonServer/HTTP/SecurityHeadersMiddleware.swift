import HTTPTypes
import Hummingbird

/// The headers a modern web application sends with every response (OWASP Secure Headers Project),
/// on both listeners, errors included. Pages add their own `Content-Security-Policy`; every other
/// response — JSON, attachments, problems — gets the strictest one, so that a file a partner sent
/// as `text/html` cannot run script in the node's origin even when opened directly.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Whether the listener serves HTTPS: browsers are then told to use nothing else for a year
    /// (RFC 6797 HTTP Strict Transport Security).
    var strictTransportSecurity = false

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
        if strictTransportSecurity {
            response.headers[HTTPField.Name("Strict-Transport-Security")!] = "max-age=31536000; includeSubDomains"  // checked: a constant, valid header name
        }
        if response.headers[Self.contentSecurityPolicy] == nil {
            response.headers[Self.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'; sandbox"
        }
        return response
    }
}
