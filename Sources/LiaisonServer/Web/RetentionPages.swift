import Foundation
import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// The retention page: what is due for deletion within 30 days, the legal holds in force, and
/// for supervisors and judicial authorities the forms to place and release a hold.
struct RetentionPages {
    let renderer: PageRenderer
    let sweeper: RetentionSweeper
    let forms: FormReader
    let clock: any WallClock

    struct HoldForm: Decodable {
        var csrf: String?
        var caseRef: String?
        var reason: String?
        var until: String?
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/retention", access: AccessRule.retentionReaders, surface: .web) { request, context in
            try await page(request: request, context: context)
        }
        routes.on(.post, "/retention/holds", access: AccessRule.judicialDeciders, surface: .web) { request, context in
            let form = try await forms.read(HoldForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                guard let until = CalendarDay.end(of: form.until ?? "") else {
                    throw LiaisonError(.invalidInput, "until: give the last day of the hold as YYYY-MM-DD.")
                }
                _ = try await sweeper.placeHold(
                    caseRef: form.caseRef ?? "", subject: nil, reason: form.reason ?? "", until: until,
                    actor: AuditTrail.actor(context), role: context.principal?.role
                )
                return Response(status: .seeOther, headers: [.location: "/retention"])
            } catch let error as LiaisonError {
                return try await page(request: request, context: context, error: error.message, status: error.status)
            }
        }
        routes.on(.post, "/retention/holds/:id/release", access: AccessRule.judicialDeciders, surface: .web) { request, context in
            let form = try await forms.read(HoldForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                _ = try await sweeper.releaseHold(try context.parameters.require("id"), actor: AuditTrail.actor(context), role: context.principal?.role)
                return Response(status: .seeOther, headers: [.location: "/retention"])
            } catch let error as LiaisonError where error.code.kind != .notFound {
                return try await page(request: request, context: context, error: error.message, status: error.status)
            }
        }
    }

    private func page(request: Request, context: LiaisonRequestContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let report = try await sweeper.report(withinDays: 30)
        let holds = AccessRule.judicialDeciders.admittedRoles.contains(context.principal?.role ?? .oversight)
        var values: [String: Any] = [
            "items": report.items.map { item -> [String: Any] in
                var row: [String: Any] = [
                    "id": item.id, "subject": item.subject, "due": item.deleteAt.formatted(.iso8601), "overdue": item.overdue,
                    "recipients": item.recipients.joined(separator: ", "),
                ]
                if let caseRef = item.caseRef { row["caseRef"] = caseRef }
                if let hold = item.heldBy { row["heldBy"] = hold }
                return row
            },
            "hasItems": !report.items.isEmpty, "screeningDue": report.screeningResultsDue,
            "holds": report.holds.map { hold -> [String: Any] in
                ["id": hold.id, "target": hold.caseRef.map { "case \($0)" } ?? hold.subject ?? "", "reason": hold.reason, "until": hold.until.formatted(.iso8601), "by": hold.createdBy]
            },
            "hasHolds": !report.holds.isEmpty, "placesHolds": holds,
        ]
        if let error { values["error"] = error }
        if case .session(let csrf, _) = context.credential { values["csrf"] = csrf }
        return renderer.page("retention", title: { $0["retention_title"] ?? "Liaison" }, request: request, context: context, status: status, values: values)
    }
}
