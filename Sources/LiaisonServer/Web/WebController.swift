import Foundation
import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore
import NIOCore

/// The browser UI: sign-in, dashboard, sign-out. Works without JavaScript; every form carries a
/// CSRF token (double-submit cookie before sign-in, the session's token after).
struct WebController {
    let renderer: PageRenderer
    let authenticator: Authenticator
    let users: UserStore
    let federation: FederationStore
    let configuration: NodeConfiguration
    let stylesheet: ByteBuffer
    let cookies: CookieNames
    /// The JIT spaces, for the reminders on the dashboard.
    var jits: JITService?
    /// The instruments, whose deadlines the dashboard announces.
    var instruments: InstrumentService?
    /// The instrument form editor's live validation script.
    var formScript = ByteBuffer()

    struct LoginForm: Decodable {
        var username: String?
        var password: String?
        var csrf: String?
    }

    struct CSRFForm: Decodable {
        var csrf: String?
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/", access: .anonymous, surface: .web) { _, context in
            Response(status: .seeOther, headers: [.location: context.principal == nil ? "/login" : "/dashboard"])
        }
        routes.on(.get, "/static/style.css", access: .anonymous, surface: .web) { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"], body: .init(byteBuffer: stylesheet))
        }
        // The form editor's live validation (progressive: the form works without it).
        routes.on(.get, "/static/instrument-form.js", access: .anonymous, surface: .web) { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=3600"], body: .init(byteBuffer: formScript))
        }
        routes.on(.get, "/login", access: .anonymous, surface: .web) { request, context in
            if context.principal != nil { return Response(status: .seeOther, headers: [.location: "/dashboard"]) }
            return loginPage(request: request, context: context)
        }
        routes.on(.post, "/login", access: .anonymous, surface: .web) { request, context in
            try await login(request: request, context: context)
        }
        routes.on(.post, "/logout", access: .anyRole, surface: .web) { request, context in
            try await logout(request: request, context: context)
        }
        routes.on(.get, "/dashboard", access: .anyRole, surface: .web) { request, context in
            try await dashboard(request: request, context: context)
        }
    }

    private func loginPage(request: Request, context: LiaisonRequestContext, status: HTTPResponse.Status = .ok, message: String? = nil, username: String = "") -> Response {
        let csrf = Authenticator.randomToken()
        var headers = HTTPFields()
        headers[.setCookie] = Cookie(name: cookies.loginCSRF, value: csrf, path: "/login", secure: configuration.secureCookies, httpOnly: true, sameSite: .strict).description
        var values: [String: Any] = ["loginCSRF": csrf, "username": username]
        if let message { values["message"] = message }
        return renderer.page("login", title: { $0["login_title"] ?? "Liaison" }, request: request, context: context, status: status, values: values, headers: headers)
    }

    private func login(request: Request, context: LiaisonRequestContext) async throws -> Response {
        let form = try await readForm(LoginForm.self, request: request)
        let text = renderer.strings.strings(renderer.strings.language(for: request.headers[.acceptLanguage]))
        guard let csrf = form.csrf, let cookie = request.cookies[cookies.loginCSRF], Self.constantTimeEqual(csrf, cookie.value) else {
            return loginPage(request: request, context: context, status: .forbidden, message: text["login_expired"], username: form.username ?? "")
        }
        do {
            let user = try await authenticator.login(username: form.username ?? "", password: form.password ?? "", client: context.clientAddress)
            let session = try await authenticator.startSession(for: user)
            var response = Response(status: .seeOther, headers: [.location: "/dashboard"])
            response.setCookie(Cookie(
                name: cookies.session, value: session.token, expires: session.expiresAt, path: "/",
                secure: configuration.secureCookies, httpOnly: true, sameSite: .strict
            ))
            response.setCookie(Cookie(name: cookies.loginCSRF, value: "", maxAge: 0, path: "/login", secure: configuration.secureCookies, httpOnly: true, sameSite: .strict))
            return response
        } catch let error as LiaisonError where error.code == .unauthenticated || error.code == .locked {
            let locked = error.code == .locked
            return loginPage(
                request: request, context: context, status: locked ? .tooManyRequests : .unauthorized,
                message: locked ? text["login_locked"] : text["login_failed"], username: form.username ?? ""
            )
        }
    }

    struct LogoutForm: Decodable {
        var csrf: String?
        /// "1": sign out on every device (every session and API token of the user ends).
        var everywhere: String?
    }

    private func logout(request: Request, context: LiaisonRequestContext) async throws -> Response {
        guard case .session(_, let tokenHash) = context.credential else {
            throw LiaisonError(.notASession, "Sign-out applies to browser sessions; API tokens simply expire.")
        }
        let form = try await readForm(LogoutForm.self, request: request)
        try FormReader(maxBodyBytes: configuration.maxBodyBytes).checkCSRF(form.csrf, context: context)
        if form.everywhere == "1", let principal = context.principal {
            // Every session and token of this user, on every device, ends here.
            try await authenticator.revoke(username: principal.username, endingAccess: false, actor: AuditTrail.actor(context))
        } else {
            try await authenticator.endSession(tokenHash: tokenHash)
        }
        var response = Response(status: .seeOther, headers: [.location: "/login"])
        response.setCookie(Cookie(name: cookies.session, value: "", maxAge: 0, path: "/", secure: configuration.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    private func dashboard(request: Request, context: LiaisonRequestContext) async throws -> Response {
        guard let principal = context.principal else { return Response(status: .seeOther, headers: [.location: "/login"]) }
        let identity = renderer.identity
        let text = renderer.strings.strings(renderer.strings.language(for: request.headers[.acceptLanguage]))
        var values: [String: Any] = [
            "roleDescription": text["role_\(principal.role.rawValue)"] ?? principal.role.rawValue,
            "identity": [
                "agencyCode": identity.agencyCode, "name": identity.name, "jurisdiction": identity.jurisdiction,
                "endpoint": identity.endpoint, "signing": identity.signingKey.fingerprint,
                "agreement": identity.keyAgreementKey.fingerprint, "tls": identity.tlsCertificate.fingerprint,
            ],
        ]
        let now = configuration.clock.now()
        let partners = try await federation.partners().map { partner -> [String: String] in
            ["agencyCode": partner.identity.agencyCode, "name": partner.identity.name, "jurisdiction": partner.identity.jurisdiction, "fingerprint": partner.identity.signingKey.fingerprint]
        }
        if !partners.isEmpty { values["partners"] = ["list": partners] }
        let agreements = try await federation.agreements().map { record -> [String: String] in
            let agreement = record.agreement
            return [
                "id": agreement.id, "parties": agreement.parties.joined(separator: ", "),
                "status": text["agreement_status_\(agreement.status(at: now, revoked: record.isRevoked).rawValue)"] ?? "",
                "validUntil": agreement.validUntil.formatted(.iso8601), "purposes": agreement.purposes.joined(separator: ", "),
            ]
        }
        if !agreements.isEmpty { values["agreements"] = ["list": agreements] }
        var work: [[String: Any]] = []
        if let instruments, AccessRule.instrumentHandlers.admittedRoles.contains(principal.role) {
            // Deadlines of instruments: 24 hours (2 hours for an hour-deadline) before, and once passed.
            work += try await instruments.reminders(principal: principal).map { reminder -> [String: Any] in
                ["text": "\(reminder.reference): \(text["clock_\(reminder.clock.rawValue.replacingOccurrences(of: "-", with: "_"))"] ?? reminder.clock.rawValue)",
                 "href": "/instruments/\(reminder.id)", "due": "\(CasePages.day(reminder.deadline)) \(CasePages.time(reminder.deadline))", "overdue": reminder.overdue,
                 "kind": text["instrument_reminder"] ?? "Deadline"]
            }
        }
        if let jits, AccessRule.caseHandlers.admittedRoles.contains(principal.role) {
            work += try await jits.reminders(principal: principal).map { reminder -> [String: Any] in
                ["text": "\(reminder.team): \(reminder.title)", "href": "/jits/\(reminder.space)", "due": CasePages.lastDay(reminder.due), "overdue": reminder.overdue,
                 "kind": text["jit_reminder_\(reminder.kind.rawValue)"] ?? reminder.kind.rawValue]
            }
        }
        if !work.isEmpty { values["work"] = ["items": work] }
        if principal.role == .administrator {
            let list = try await users.list().map { user -> [String: String] in
                ["username": user.username, "role": user.role.rawValue, "createdAt": user.createdAt.formatted(.iso8601)]
            }
            values["users"] = ["list": list]
        }
        return renderer.page("dashboard", title: { $0["dashboard_title"] ?? "Liaison" }, request: request, context: context, values: values)
    }

    private func readForm<T: Decodable>(_ type: T.Type, request: Request) async throws -> T {
        try await FormReader(maxBodyBytes: configuration.maxBodyBytes).read(type, from: request)
    }

    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8), b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
