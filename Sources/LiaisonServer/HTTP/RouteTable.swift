public import Hummingbird
import LiaisonCore
public import LiaisonSafeguards

/// One operation of the node: method, path, and the roles that may call it.
public struct RouteSpec: Sendable, Hashable, CustomStringConvertible {
    /// Where the route belongs: the JSON API, the browser UI, or the operational probes.
    public enum Surface: String, Sendable, Hashable {
        case api, web, probe
        /// Node-to-node endpoints on the federation listener, authenticated by signatures.
        case federation
    }

    public let method: HTTPRequest.Method
    /// Hummingbird path syntax (`/api/v1/users/:id`).
    public let path: String
    public let access: AccessRule
    public let surface: Surface

    /// The path in OpenAPI syntax (`/api/v1/users/{id}`).
    public var openAPIPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
        }.joined(separator: "/")
    }

    public var description: String { "\(method) \(path)" }
}

/// Registers routes on the router together with their declared access rule, and enforces that
/// rule before the handler runs. A route cannot be added without a rule: deny by default.
final class RouteTable {
    typealias Handler = @Sendable (Request, LiaisonRequestContext) async throws -> Response

    let router: Router<LiaisonRequestContext>
    /// Where refusals by the access policy, and the operations routes name, are recorded.
    let audit: AuditTrail?
    private(set) var specs: [RouteSpec] = []

    init(router: Router<LiaisonRequestContext>, audit: AuditTrail?) {
        self.router = router
        self.audit = audit
    }

    /// Adds a route.
    /// - Parameters:
    ///   - access: who may call it; checked by ``AccessPolicy`` before `handler` runs.
    ///   - surface: API routes answer 401/403 problems; web routes send anonymous users to the login page.
    ///   - audited: the operation to record in the audit log each time the route is called, with
    ///     the user, the path and the outcome (Directive 2016/680 Art. 25: consultation and disclosure).
    func on(_ method: HTTPRequest.Method, _ path: String, access: AccessRule, surface: RouteSpec.Surface, audited operation: AuditOperation? = nil, use handler: @escaping Handler) {
        let spec = RouteSpec(method: method, path: path, access: access, surface: surface)
        precondition(!specs.contains { $0.method == method && $0.path == path }, "route \(spec) registered twice")  // checked: at start-up, while routes are registered
        specs.append(spec)
        let audit = self.audit
        router.on(RouterPath(path), method: method) { request, context in
            switch AccessPolicy.decide(principal: context.principal, rule: access) {
            case .permit:
                // A web form changes state only with the browser session's CSRF token, which a bearer
                // token does not have: refused here, before any byte of the body is read or parsed.
                if surface == .web, access != .anonymous, method != .get, method != .head, context.credential == .bearerToken {
                    throw LiaisonError(.csrf, "Web forms are sent from a browser session; use the API (/api/v1) with a bearer token.")
                }
                guard let operation, let audit else { return try await handler(request, context) }
                func record(_ outcome: AuditEvent.Outcome, _ details: [String: String]) async {
                    await audit.record(audit.event(
                        operation, outcome, actor: AuditTrail.actor(context), role: context.principal?.role.rawValue,
                        subject: request.uri.path, details: details
                    ))
                }
                do {
                    let response = try await handler(request, context)
                    await record(response.status.code < 400 ? .success : .failure, ["status": "\(response.status.code)"])
                    return response
                } catch {
                    let problem = ProblemMiddleware<LiaisonRequestContext>.problem(for: error, request: request)
                    await record(problem.status == 403 ? .denied : .failure, ["status": "\(problem.status)", "problem": problem.type])
                    throw error
                }
            case .deny(let reasons), .needsApproval(_, let reasons):
                if let principal = context.principal, let audit {
                    await audit.record(audit.event(
                        .accessDenied, .denied, actor: "user:\(principal.username)", role: principal.role.rawValue,
                        subject: "\(method) \(request.uri.path)", details: ["reasons": reasons.map(\.code.rawValue).joined(separator: ",")]
                    ))
                }
                if context.principal == nil {
                    if surface == .web {
                        return Response(status: .seeOther, headers: [.location: "/login"])
                    }
                    throw LiaisonError(.unauthenticated, reasons.map(\.sentence).joined(separator: " "), reasons: reasons.map(\.code.rawValue))
                }
                throw LiaisonError(.forbidden, reasons.map(\.sentence).joined(separator: " "), reasons: reasons.map(\.code.rawValue))
            }
        }
    }
}
