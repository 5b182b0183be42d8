import Foundation
import Hummingbird
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
import LiaisonStore
import Logging
import ServiceLifecycle

/// The retention API: the report, a sweep on demand, legal holds.
struct RetentionController {
    let sweeper: RetentionSweeper
    let configuration: NodeConfiguration

    struct HoldRequest: Decodable {
        var caseRef: String?
        var subject: String?
        var reason: String
        var until: Date
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v1/retention", access: .retentionReaders, surface: .api) { request, _ in
            let days = try Self.days(request.uri.queryParameters.get("days"))
            return try JSONBody.response(try await sweeper.report(withinDays: days))
        }
        routes.on(.post, "/api/v1/retention/sweep", access: .retentionSweepers, surface: .api) { _, _ in
            try JSONBody.response(try await sweeper.sweep())
        }
        routes.on(.get, "/api/v1/legal-holds", access: .retentionReaders, surface: .api) { request, _ in
            let all = request.uri.queryParameters.get("all") == "true"
            return try JSONBody.response(try await sweeper.store.holds(includeEnded: all, at: configuration.clock.now()))
        }
        routes.on(.post, "/api/v1/legal-holds", access: .judicialDeciders, surface: .api) { request, context in
            let body = try await JSONBody.decode(HoldRequest.self, from: request, limit: configuration.maxBodyBytes)
            let hold = try await sweeper.placeHold(
                caseRef: body.caseRef, subject: body.subject, reason: body.reason, until: body.until, actor: AuditTrail.actor(context), role: context.principal?.role
            )
            return try JSONBody.response(hold, status: .created)
        }
        routes.on(.post, "/api/v1/legal-holds/:id/release", access: .judicialDeciders, surface: .api) { _, context in
            try JSONBody.response(try await sweeper.releaseHold(try context.parameters.require("id"), actor: AuditTrail.actor(context), role: context.principal?.role))
        }
    }

    /// The look-ahead in days (default 30).
    static func days(_ text: String?) throws -> Int {
        guard let text else { return 30 }
        guard let days = Int(text), (0...3_650).contains(days) else {  // checked: parses text: nil when not a number
            throw LiaisonError(.invalidInput, "days must be a whole number from 0 to 3650, not '\(text)'.")
        }
        return days
    }
}
