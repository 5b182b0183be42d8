import Foundation
import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// The case pages: the list of the cases a user works on with the form to open one (/cases), and
/// a case's file (/cases/<reference>): what it is, its deadlines, the people named, its history
/// with a search, and for its lead or a supervisor the forms to change, close or reopen it.
struct CasePages {
    let renderer: PageRenderer
    let cases: CaseService
    let forms: FormReader

    /// The open and change forms: text fields as typed (lists one per line or comma-separated).
    struct CaseForm: Decodable {
        var csrf: String?
        var reference: String?
        var title: String?
        var summary: String?
        var offenceCategories: [String]?
        var lead: String?
        var team: String?
        var legalBasis: String?
        var retention: String?
        var partnerReferences: String?

        static func list(_ text: String?) -> [String] {
            (text ?? "").split(whereSeparator: { $0 == "," || $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        var opening: CaseService.Opening {
            .init(reference: reference, title: title ?? "", summary: summary, offenceCategories: offenceCategories ?? [], lead: lead,
                  team: Self.list(team), legalBasis: legalBasis ?? "", retention: retention, partnerReferences: Self.list(partnerReferences))
        }

        var change: CaseService.Change {
            .init(title: title, summary: summary, offenceCategories: offenceCategories ?? [], lead: lead, team: Self.list(team), legalBasis: legalBasis,
                  retention: retention, partnerReferences: Self.list(partnerReferences))
        }

        /// The values to show again after an error.
        var values: [String: Any] {
            ["reference": reference ?? "", "title": title ?? "", "summary": summary ?? "", "lead": lead ?? "", "team": team ?? "",
             "legalBasis": legalBasis ?? "", "retention": retention ?? "", "partnerReferences": partnerReferences ?? "",
             "offenceCategories": offenceCategories ?? []]
        }
    }

    struct ReasonForm: Decodable {
        var csrf: String?
        var reason: String?
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/cases", access: .caseHandlers, surface: .web) { request, context in
            try await list(request: request, context: context)
        }
        routes.on(.post, "/cases", access: .caseHandlers, surface: .web) { request, context in
            let form = try await forms.read(CaseForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                let record = try await cases.open(form.opening, principal: context.principal)
                return Response(status: .seeOther, headers: [.location: Self.path(record)])
            } catch let error as LiaisonError where error.code.kind != .forbidden {
                return try await list(request: request, context: context, form: form.values, error: error.message, status: error.status)
            }
        }
        // A case file names people: its reading is logged (Directive 2016/680 Art. 25).
        routes.on(.get, "/cases/:reference", access: .caseHandlers, surface: .web, audited: .caseRead) { request, context in
            try await show(request: request, context: context, reference: try context.parameters.require("reference"))
        }
        routes.on(.post, "/cases/:reference", access: .caseHandlers, surface: .web) { request, context in
            let form = try await forms.read(CaseForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            let reference = try context.parameters.require("reference")
            do {
                let record = try await cases.change(reference, form.change, principal: context.principal)
                return Response(status: .seeOther, headers: [.location: Self.path(record) + "?changed=1"])
            } catch let error as LiaisonError where ![.notFound].contains(error.code.kind) {
                return try await show(request: request, context: context, reference: reference, form: form.values, error: error.message, status: error.status)
            }
        }
        for (action, reopen) in [("close", false), ("reopen", true)] {
            routes.on(.post, "/cases/:reference/\(action)", access: reopen ? .supervisors : .caseHandlers, surface: .web) { request, context in
                let form = try await forms.read(ReasonForm.self, from: request)
                try forms.checkCSRF(form.csrf, context: context)
                let reference = try context.parameters.require("reference")
                do {
                    let record = reopen
                        ? try await cases.reopen(reference, reason: form.reason ?? "", principal: context.principal)
                        : try await cases.close(reference, reason: form.reason ?? "", principal: context.principal)
                    return Response(status: .seeOther, headers: [.location: Self.path(record) + "?\(action)d=1"])
                } catch let error as LiaisonError where ![.notFound].contains(error.code.kind) {
                    return try await show(request: request, context: context, reference: reference, reason: form.reason ?? "", error: error.message, status: error.status)
                }
            }
        }
    }

    /// A case's page: by its reference when that is safe in a path, else by its id.
    static func path(_ record: CaseRecord) -> String {
        let safe = (try? Case.validateReference(record.item.reference)) != nil
        return "/cases/\(safe ? record.item.reference : record.id)"
    }

    private func list(request: Request, context: LiaisonRequestContext, form: [String: Any] = [:], error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let statusFilter = request.uri.queryParameters.get("status").flatMap(Case.Status.init(rawValue:))
        let text = request.uri.queryParameters.get("q") ?? ""
        let shown = try await cases.list(principal: context.principal, status: request.uri.queryParameters.get("status") == "all" ? nil : statusFilter ?? .open, text: text)
        let strings = renderer.strings.strings(renderer.strings.language(for: request.headers[.acceptLanguage]))
        var values: [String: Any] = [
            "cases": shown.map { record -> [String: Any] in
                ["path": Self.path(record), "reference": record.item.reference, "title": record.item.title, "status": strings["case_status_\(record.item.status.rawValue)"] ?? record.item.status.rawValue,
                 "open": record.item.status == .open, "lead": record.item.lead.isEmpty ? (strings["case_no_lead"] ?? "—") : record.item.lead,
                 "categories": Self.words(record.item.offenceCategories, strings), "updated": Self.day(record.updatedAt)]
            },
            "hasCases": !shown.isEmpty, "q": text,
            "statusOpen": statusFilter == nil && request.uri.queryParameters.get("status") != "all" || statusFilter == .open,
            "statusClosed": statusFilter == .closed, "statusAll": request.uri.queryParameters.get("status") == "all",
        ]
        // Under their own key: the page's own `title` must not fill the form's.
        values["form"] = ["reference": "", "title": "", "summary": "", "team": "", "legalBasis": "", "partnerReferences": ""].merging(form.compactMapValues { $0 as? String }) { _, typed in typed }
        values["categoryChoices"] = Self.categoryChoices(selected: form["offenceCategories"] as? [String] ?? [], strings)
        values["retentionChoices"] = Self.retentionChoices(selected: form["retention"] as? String ?? RetentionClass.standard.rawValue, strings)
        if let error { values["error"] = error }
        if case .session(let csrf, _) = context.credential { values["csrf"] = csrf }
        return renderer.page("cases", title: { $0["cases_title"] ?? "Cases" }, request: request, context: context, status: status, values: values)
    }

    private func show(
        request: Request, context: LiaisonRequestContext, reference: String, form: [String: Any]? = nil, reason: String = "", error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let text = request.uri.queryParameters.get("q")
        // The history a page at a time, newest first (a long history in one page is slow to
        // read and to render); the deadlines and people come from everything up to this page.
        let page = min(max(0, request.uri.queryParameters.get("page").flatMap { Int($0) } ?? 0), Self.maximumPage)  // checked: parses text: nil when not a number
        var file = try await cases.file(reference, principal: context.principal, text: text, limit: (page + 1) * Self.pageSize)
        let older = file.truncated
        file.entries = Array(file.entries.dropFirst(page * Self.pageSize))
        let item = file.case
        let strings = renderer.strings.strings(renderer.strings.language(for: request.headers[.acceptLanguage]))
        let principal = context.principal
        let manages = principal.map { $0.role == .supervisor || (!item.lead.isEmpty && item.lead == $0.username) } ?? false
        var values: [String: Any] = [
            "reference": item.reference, "title": item.title, "summary": item.summary, "hasSummary": !item.summary.isEmpty,
            "path": "/cases/\((try? Case.validateReference(item.reference)) != nil ? item.reference : file.id)",
            "statusText": strings["case_status_\(item.status.rawValue)"] ?? item.status.rawValue, "open": item.status == .open,
            "lead": item.lead.isEmpty ? (strings["case_no_lead"] ?? "—") : item.lead, "team": item.team.joined(separator: ", "), "hasTeam": !item.team.isEmpty,
            "categories": Self.words(item.offenceCategories, strings), "legalBasis": item.legalBasis,
            "retentionText": strings["retention_class_\(item.retention.rawValue.replacingOccurrences(of: "-", with: "_"))"] ?? item.retention.rawValue,
            "partnerReferences": item.partnerReferences.joined(separator: ", "), "hasPartnerReferences": !item.partnerReferences.isEmpty,
            "opened": "\(Self.day(item.openedAt)) (\(item.openedBy))", "reviewDue": Self.day(item.reviewDue),
            "closed": item.closedAt.map { "\(Self.day($0)) (\(item.closedBy ?? "")): \(item.closingReason ?? "")" } ?? "", "isClosed": item.closedAt != nil,
            "deadlines": file.deadlines.map { deadline -> [String: Any] in
                ["due": Self.day(deadline.due), "what": deadline.what, "overdue": deadline.overdue, "link": deadline.subject.flatMap(Self.link) ?? ""]
            },
            "hasDeadlines": !file.deadlines.isEmpty,
            "entities": file.entities.map { entity -> [String: Any] in
                ["name": entity.name, "schema": entity.schema, "subjectCategory": strings["subject_\(entity.dataSubjectCategory)"] ?? entity.dataSubjectCategory,
                 "count": entity.messages.count]
            },
            "hasEntities": !file.entities.isEmpty,
            "entries": file.entries.map { entry -> [String: Any] in
                var row: [String: Any] = ["at": Self.iso(entry.at), "when": Self.day(entry.at), "what": entry.what, "actor": entry.actor,
                                          "label": entry.label ?? entry.subject ?? ""]
                if let state = entry.state, !state.isEmpty { row["state"] = state }
                if let link = entry.subject.flatMap(Self.link) { row["link"] = link }
                if Case.key(entry.reference) != Case.key(item.reference) { row["viaReference"] = entry.reference }
                return row
            },
            "hasEntries": !file.entries.isEmpty, "q": text ?? "", "searching": !(text ?? "").isEmpty,
            "truncated": file.truncated && page == Self.maximumPage,
            "hasOlder": older && page < Self.maximumPage, "olderPage": Self.pageLink(page + 1, text), "hasNewer": page > 0, "newerPage": Self.pageLink(max(0, page - 1), text),
            "manages": manages, "reopens": principal?.role == .supervisor && item.status == .closed, "reason": reason,
            "changed": request.uri.queryParameters.get("changed") != nil, "closedNow": request.uri.queryParameters.get("closed") != nil,
            "reopenedNow": request.uri.queryParameters.get("reopened") != nil,
            "newMessage": "/messages/new?caseRef=\(item.reference.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")",
        ]
        let shown = form ?? [
            "title": item.title, "summary": item.summary, "lead": item.lead, "team": item.team.joined(separator: ", "), "legalBasis": item.legalBasis,
            "partnerReferences": item.partnerReferences.joined(separator: ", "),
        ]
        values["form"] = shown
        values["categoryChoices"] = Self.categoryChoices(selected: form?["offenceCategories"] as? [String] ?? item.offenceCategories.map(\.rawValue), strings)
        values["retentionChoices"] = Self.retentionChoices(selected: form?["retention"] as? String ?? item.retention.rawValue, strings)
        if let error { values["error"] = error }
        if case .session(let csrf, _) = context.credential { values["csrf"] = csrf }
        return renderer.page("case", title: { _ in "\(item.reference) — \(item.title)" }, request: request, context: context, status: status, values: values)
    }

    /// History entries a page shows, and the last page (10,000 entries in all).
    static let pageSize = 500
    static let maximumPage = 19

    /// The query of another page of the history (`?page=N`, keeping the search).
    static func pageLink(_ page: Int, _ text: String?) -> String {
        var query = "page=\(page)"
        if let text, !text.isEmpty { query += "&q=" + (text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }
        return "?" + query + "#history"
    }

    /// A date as the pages show days (YYYY-MM-DD, UTC).
    static func day(_ date: Date) -> String { String(iso(date).prefix(10)) }
    /// A date as `yyyy-MM-ddTHH:mm:ssZ` (UTC), written directly: a case page shows thousands, and
    /// Foundation's format styles cost more than the rest of a row.
    static func iso(_ date: Date) -> String {
        guard CanonicalJSONWriter.writes(date) else { return date.formatted(.iso8601) }
        var writer = CanonicalJSONWriter(capacity: 24)
        writer.date(date)
        return String(decoding: writer.bytes.dropFirst().dropLast(), as: UTF8.self)
    }
    /// The last day a period ending (exclusively) at `end` includes: "until 2027-06-30" is stored
    /// as the start of 1 July (``CalendarDay/end(of:)``) and shown as 2027-06-30.
    static func lastDay(_ end: Date) -> String { day(end.addingTimeInterval(-1)) }
    /// The time of day in UTC, to the minute ("14:05 UTC").
    static func time(_ date: Date) -> String {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .current, from: date)
        return String(format: "%02d:%02d UTC", parts.hour ?? 0, parts.minute ?? 0)
    }

    /// The page of a linked record.
    static func link(_ subject: String) -> String? {
        guard let colon = subject.firstIndex(of: ":") else { return nil }
        let id = subject[subject.index(after: colon)...]
        switch subject[..<colon] {
        case "message": return "/messages/\(id)"
        case "evidence": return "/evidence/\(id)"
        case "approval": return "/approvals/\(id)"
        case "follow-up": return "/hits/follow-ups"
        case "legal-hold": return "/retention"
        default: return nil
        }
    }

    static func words(_ categories: [OffenceCategory], _ strings: [String: String]) -> String {
        categories.map { strings[categoryKey($0)] ?? $0.rawValue }.joined(separator: "; ")
    }

    static func categoryKey(_ category: OffenceCategory) -> String { "offence_\(category.rawValue.replacingOccurrences(of: "-", with: "_"))" }

    static func categoryChoices(selected: [String], _ strings: [String: String]) -> [[String: Any]] {
        OffenceCategory.allCases.map { ["value": $0.rawValue, "label": strings[categoryKey($0)] ?? $0.rawValue, "selected": selected.contains($0.rawValue)] }
    }

    static func retentionChoices(selected: String, _ strings: [String: String]) -> [[String: Any]] {
        RetentionClass.allCases.map {
            ["value": $0.rawValue, "label": strings["retention_class_\($0.rawValue.replacingOccurrences(of: "-", with: "_"))"] ?? $0.rawValue, "selected": $0.rawValue == selected]
        }
    }
}
