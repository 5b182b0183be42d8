import Foundation
package import Hummingbird
import Logging
import LiaisonSafeguards
package import LiaisonCore
import NIOCore

/// An RFC 9457 problem details object, sent as `application/problem+json`.
///
/// Handlers throw it (or a ``LiaisonError``, which maps to one); ``ProblemMiddleware`` turns every
/// error into a problem response at the edge, so nothing reaches a client as a bare 500.
package struct Problem: Error, Codable, Sendable, Equatable {
    /// A URI naming the problem type, relative to the node: `/problems/<code>`.
    package var type: String
    package var title: String
    package var status: Int
    package var detail: String
    /// Machine-readable reason codes (policy decisions), when there are any.
    package var reasons: [String]?
    /// Every problem in an uploaded file, one per bad line (`line 7: iban: …`).
    package var errors: [String]?

    package init(_ status: HTTPResponse.Status, code: String, detail: String, reasons: [String]? = nil) {
        self.type = "/problems/\(code)"
        self.title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.reasons = reasons
    }

    /// The problem for a Liaison error: its code names the type, its kind chooses the status
    /// (``LiaisonError/Kind/httpStatus``, the one mapping).
    package init(_ error: LiaisonError) {
        self.init(error.code.kind.status, code: error.code.rawValue, detail: error.message, reasons: error.reasons)
        self.errors = error.errors
    }

    /// The problem as a small accessible HTML page, for browsers on the web UI.
    package func htmlResponse() -> Response {
        let escape = HTMLText.escape
        let html = """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) — Liaison</title>
            <link rel="stylesheet" href="/static/style.css"></head><body><main id="main"><h1>\(escape(title))</h1>
            <p role="alert" id="problem-detail">\(escape(detail))</p><p><a href="/dashboard">Dashboard</a></p></main></body></html>
            """
        return Response(status: .init(code: status), headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The response carrying this problem.
    package func response() -> Response {
        let encoder = JSON.encoder
        let body = (try? encoder.encode(self)) ?? Data(#"{"title":"Error"}"#.utf8)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == 401 { headers[.wwwAuthenticate] = #"Bearer realm="liaison""# }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension Problem {
    /// The error a partner's problem answer stands for: its type's last part is the code, its
    /// status the kind.
    var error: LiaisonError {
        let code = type.hasPrefix("/problems/") ? String(type.dropFirst("/problems/".count)) : type
        return LiaisonError(.init(code, .init(httpStatus: status)), detail, reasons: reasons, errors: errors)
    }
}

extension LiaisonError {
    /// The status the edge answers this error with.
    var status: HTTPResponse.Status { code.kind.status }
}

extension LiaisonError.Kind {
    /// ``httpStatus`` with its reason phrase (the problem's `title`); a test checks the two agree.
    var status: HTTPResponse.Status {
        switch self {
        case .invalid: .badRequest
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .unprocessable: .unprocessableContent
        case .tooManyRequests: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }
}

/// Turns every error thrown below it into an RFC 9457 problem response, and logs server faults.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error, request: request)
            if problem.status >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            }
            if Self.wantsHTML(request) { return problem.htmlResponse() }
            return problem.response()
        }
    }

    /// A browser on a web page gets the problem as a readable page rather than JSON.
    static func wantsHTML(_ request: Request) -> Bool {
        let path = request.uri.path
        return !path.hasPrefix("/api/") && !path.hasPrefix("/federation/") && (request.headers[.accept] ?? "").contains("text/html")
    }

    /// The problem for an error, `request` the one whose handling threw it (`nil` for one envelope of a batch).
    static func problem(for error: any Error, request: Request? = nil) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as HTTPError:
            switch (error.status, request) {
            case (.notFound, let request?):
                return Problem(.notFound, code: "not-found", detail: "No resource at \(request.method) \(request.uri.path).")
            case (.methodNotAllowed, let request?):
                return Problem(.methodNotAllowed, code: "method-not-allowed", detail: "\(request.method) is not allowed on \(request.uri.path).")
            case (.contentTooLarge, _):
                return Problem(.contentTooLarge, code: "body-too-large", detail: "The request body is larger than this node accepts.")
            default:
                return Problem(error.status, code: "http-\(error.status.code)", detail: error.body ?? error.status.reasonPhrase)
            }
        default:
            return Problem(LiaisonError.of(error))
        }
    }
}
