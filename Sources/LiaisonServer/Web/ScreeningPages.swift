import Foundation
import Hummingbird
import LiaisonCore
import LiaisonMatching
import LiaisonSafeguards
import LiaisonStore
import MultipartKit

/// The screening pages: screen a name and adjudicate its potential matches (/screening); the
/// lists and national-list editing (/screening/lists); designations and their due process
/// (/screening/designations).
struct ScreeningPages {
    let renderer: PageRenderer
    let service: ScreeningService
    let store: ScreeningStore
    let forms: FormReader

    struct ScreenForm: Decodable {
        var csrf: String?
        var name: String?
        var dob: String?
        var country: String?
        var type: String?
        var threshold: String?
    }

    struct AdjudicateForm: Decodable {
        var csrf: String?
        var decision: String?
        var reason: String?
    }

    struct EntryForm: Decodable {
        var csrf: String?
        var list: String?
        var id: String?
        var type: String?
        var names: String?
        var dob: String?
        var country: String?
    }

    struct ListImportForm: Decodable {
        var csrf: String?
        var name: String?
        var format: String?
        var file: EvidencePages.UploadedFile?
    }

    struct DesignateForm: Decodable {
        var csrf: String?
        var resultId: String?
        var list: String?
        var grounds: String?
        var notificationMethod: String?
        var responseWindowDays: String?
    }

    struct TextForm: Decodable {
        var csrf: String?
        var text: String?
    }

    func register(on routes: RouteTable) {
        let screeners = ScreeningController.screeners
        routes.on(.get, "/screening", access: screeners, surface: .web) { request, context in
            try await screeningPage(request: request, context: context)
        }
        routes.on(.post, "/screening", access: screeners, surface: .web) { request, context in
            let form = try await forms.read(ScreenForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                let query = try ScreeningService.query(name: form.name ?? "", birthDate: form.dob, country: form.country, kind: form.type)
                let threshold = try ScreeningService.threshold(text: form.threshold)
                let outcome = try await service.screen(query, threshold: threshold, actor: AuditTrail.actor(context))
                return try await screeningPage(request: request, context: context, form: form, outcome: outcome)
            } catch let error as LiaisonError {
                return try await screeningPage(request: request, context: context, form: form, error: error.message, status: error.status)
            }
        }
        routes.on(.post, "/screening/results/:id/adjudication", access: screeners, surface: .web) { request, context in
            let form = try await forms.read(AdjudicateForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                guard let decision = ScreeningService.Decision(rawValue: form.decision ?? "") else {
                    throw LiaisonError(.invalidInput, "Choose 'true match' or 'false positive'.")
                }
                _ = try await service.adjudicate(try context.parameters.require("id"), decision: decision, reason: form.reason ?? "",
                                                 actor: AuditTrail.actor(context), role: context.principal?.role.rawValue)
                return Response(status: .seeOther, headers: [.location: "/screening"])
            } catch let error as LiaisonError where error.code.kind != .notFound {
                return try await screeningPage(request: request, context: context, error: error.message, status: error.status)
            }
        }
        routes.on(.get, "/screening/lists", access: screeners.adding(.administrator), surface: .web) { request, context in
            try await listsPage(request: request, context: context)
        }
        routes.on(.post, "/screening/lists/import", access: AccessRule.referenceDataManagers, surface: .web) { request, context in
            let form = try await forms.readMultipart(ListImportForm.self, from: request, limit: ScreeningController.maximumListBytes)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                guard let format = ScreeningService.Format(rawValue: form.format ?? "") else {
                    throw LiaisonError(.invalidInput, "Choose the list's format: \(ScreeningService.Format.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                guard let part = form.file?.part, part.body.readableBytes > 0 else { throw LiaisonError(.invalidInput, "Choose the list file to import.") }
                let name = (form.name ?? "").trimmingCharacters(in: .whitespaces)
                let files = try ScreeningController.files(Data(part.body.readableBytesView), format: format)
                let listName = name.isEmpty ? format.defaultListName(path: EvidencePages.fileName(part) ?? "list") : name
                let report = try await service.importList(name: listName, format: format, files: files, actor: AuditTrail.actor(context))
                return try await listsPage(request: request, context: context, notice: report.summary)
            } catch let error as LiaisonError {
                return try await listsPage(request: request, context: context, error: "Nothing imported: \(error.message)", status: error.status)
            }
        }
        routes.on(.post, "/screening/lists/entries", access: AccessRule.referenceDataManagers, surface: .web) { request, context in
            let form = try await forms.read(EntryForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                let names = (form.names ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                let party = try ScreeningController.party(id: form.id ?? "", .init(
                    type: form.type, names: names, birthDates: form.dob.flatMap { $0.isEmpty ? nil : [$0] },
                    countries: form.country.flatMap { $0.isEmpty ? nil : [$0] }, identifiers: nil))
                _ = try await service.editNational(list: form.list ?? "", upsert: party, delete: nil, actor: AuditTrail.actor(context))
                return Response(status: .seeOther, headers: [.location: "/screening/lists"])
            } catch let error as LiaisonError {
                return try await listsPage(request: request, context: context, error: error.message, status: error.status)
            }
        }
        routes.on(.post, "/screening/lists/entries/removal", access: AccessRule.referenceDataManagers, surface: .web) { request, context in
            let form = try await forms.read(EntryForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                let list = form.list ?? "", id = form.id ?? ""
                guard try await store.entry(list: list, id: id) != nil else { throw LiaisonError(.invalidInput, "No entry \(id) on \(list).") }
                _ = try await service.editNational(list: list, upsert: nil, delete: id, actor: AuditTrail.actor(context))
                return Response(status: .seeOther, headers: [.location: "/screening/lists"])
            } catch let error as LiaisonError {
                return try await listsPage(request: request, context: context, error: error.message, status: error.status)
            }
        }
        routes.on(.get, "/screening/designations", access: screeners, surface: .web) { request, context in
            try await designationsPage(request: request, context: context)
        }
        routes.on(.post, "/screening/designations", access: AccessRule.judicialDeciders, surface: .web) { request, context in
            let form = try await forms.read(DesignateForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                guard let days = Int(form.responseWindowDays ?? "30") else { throw LiaisonError(.invalidInput, "responseWindowDays: a number of days") }  // checked: parses text: nil when not a number
                _ = try await service.designate(.init(
                    resultId: form.resultId ?? "", list: form.list ?? "", grounds: form.grounds ?? "",
                    notificationMethod: form.notificationMethod ?? "", notifiedAt: nil, responseWindowDays: days), actor: AuditTrail.actor(context))
                return Response(status: .seeOther, headers: [.location: "/screening/designations"])
            } catch let error as LiaisonError {
                return try await designationsPage(request: request, context: context, error: error.message, status: error.status)
            }
        }
        for action in ["response", "override", "withdrawal"] {
            let access = action == "response" ? AccessRule.judicialDeciders.adding(.liaisonOfficer) : AccessRule.judicialDeciders
            routes.on(.post, "/screening/designations/:id/\(action)", access: access, surface: .web) { request, context in
                let form = try await forms.read(TextForm.self, from: request)
                try forms.checkCSRF(form.csrf, context: context)
                let id = try context.parameters.require("id"), actor = AuditTrail.actor(context), text = form.text ?? ""
                do {
                    switch action {
                    case "response": _ = try await service.respond(id, response: text, actor: actor)
                    case "override": _ = try await service.override(id, reason: text, actor: actor)
                    default: _ = try await service.withdraw(id, reason: text, actor: actor)
                    }
                    return Response(status: .seeOther, headers: [.location: "/screening/designations"])
                } catch let error as LiaisonError where error.code.kind != .notFound {
                    return try await designationsPage(request: request, context: context, error: error.message, status: error.status)
                }
            }
        }
    }

    private func csrf(_ context: LiaisonRequestContext) -> String {
        if case .session(let token, _) = context.credential { token } else { "" }
    }

    private func matchRow(id: String, list: String, entry: String, matched: String, primary: String?, score: Double, summary: String,
                          status: ScreeningResultRecord.Status, query: String?) -> [String: Any] {
        var row: [String: Any] = ["id": id, "list": list, "entry": entry, "matched": matched, "score": String(format: "%.3f", score),
                                  "summary": summary, "status": status.rawValue]
        if status == .potential { row["open"] = true }
        if let primary, primary != matched { row["primary"] = primary }
        if let query { row["query"] = query }
        return row
    }

    private func screeningPage(request: Request, context: LiaisonRequestContext, form: ScreenForm? = nil, outcome: ScreeningService.Outcome? = nil,
                               error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        // What the user typed stays in the form, after an error and after a result.
        var values: [String: Any] = [
            "csrf": csrf(context), "defaultThreshold": String(format: "%.2f", MatchingParameters().threshold),
            "form": [
                "name": form?.name ?? "", "dob": form?.dob ?? "", "country": form?.country ?? "", "threshold": form?.threshold ?? "",
                "types": ["person", "organization", "vessel", "aircraft"].map { ["name": $0, "selected": $0 == form?.type] },
            ] as [String: Any],
        ]
        if let error { values["error"] = error }
        if let outcome {
            values["outcome"] = [
                "name": outcome.query.name, "count": outcome.matches.count, "algorithm": outcome.algorithm,
                "threshold": String(format: "%.2f", outcome.threshold),
                "matches": outcome.matches.map { matchRow(id: $0.id, list: $0.list, entry: $0.entryId, matched: $0.matchedName, primary: $0.primaryName,
                                                          score: $0.score, summary: $0.summary, status: $0.status, query: nil) },
                "cleared": outcome.cleared.map { ["list": $0.list, "entry": $0.entryId, "by": $0.clearedBy] },
            ] as [String: Any]
            if outcome.matches.isEmpty { values["noMatches"] = true }
        }
        let decoder = JSON.decoder
        let pending = try await store.results(status: .potential, limit: 50).map { record in
            matchRow(id: record.id, list: record.list, entry: record.entryID, matched: record.matchedName, primary: nil, score: record.score,
                     summary: (try? decoder.decode(MatchExplanation.self, from: record.explanation))?.summary ?? "", status: record.status,
                     query: (try? decoder.decode(ScreeningQuery.self, from: record.query))?.name)
        }
        values["pending"] = pending
        if !pending.isEmpty { values["hasPending"] = true }
        let decided = try await store.results(status: nil, limit: 50).filter { $0.status != .potential }.map { record -> [String: Any] in
            ["id": record.id, "matched": record.matchedName, "status": record.status.rawValue, "by": record.decidedBy ?? "", "reason": record.reason ?? ""]
        }
        values["decided"] = decided
        if !decided.isEmpty { values["hasDecided"] = true }
        return renderer.page("screening", title: { $0["screening_title"] ?? "Liaison" }, request: request, context: context, status: status, values: values)
    }

    private func listsPage(request: Request, context: LiaisonRequestContext, error: String? = nil, notice: String? = nil,
                           status: HTTPResponse.Status = .ok) async throws -> Response {
        let lists = try await store.lists()
        var values: [String: Any] = [
            "csrf": csrf(context),
            "lists": lists.map { ["name": $0.name, "kind": $0.kind.rawValue, "version": $0.version, "entries": $0.entries, "updated": $0.updatedAt.formatted(.iso8601)] },
        ]
        if let principal = context.principal, AccessRule.referenceDataManagers.admittedRoles.contains(principal.role) { values["manages"] = true }
        let decoder = JSON.decoder
        let national = Set(lists.filter { $0.kind == .national }.map(\.name))
        let entries = try await store.entries(lists: national.sorted(), activeOnly: false).map { row -> [String: Any] in
            let party = try? decoder.decode(ListedParty.self, from: row.record.entry)
            return ["list": row.list, "id": row.id, "names": party?.names.joined(separator: " · ") ?? "", "active": row.record.active ? "active" : "awaiting due process"]
        }
        values["national"] = entries
        if !entries.isEmpty { values["hasNational"] = true }
        if let error { values["error"] = error }
        if let notice { values["notice"] = notice }
        values["formats"] = ScreeningService.Format.allCases.map(\.rawValue)
        return renderer.page("screening-lists", title: { $0["screening_lists_title"] ?? "Liaison" }, request: request, context: context, status: status, values: values)
    }

    private func designationsPage(request: Request, context: LiaisonRequestContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let designations = try await service.designations().map { record -> [String: Any] in
            var row: [String: Any] = [
                "id": record.id, "subject": record.subject, "list": record.list, "status": record.status.rawValue, "grounds": record.grounds,
                "notified": record.notifiedAt.formatted(.iso8601), "method": record.notificationMethod,
                "windowEnds": record.windowEndsAt.formatted(.iso8601), "days": record.responseWindowDays,
            ]
            if record.status == .notified { row["pending"] = true }
            if let response = record.response { row["response"] = response }
            if let override = record.urgencyOverride { row["override"] = override }
            if let effective = record.effectiveAt { row["effective"] = effective.formatted(.iso8601) }
            if let reason = record.withdrawalReason { row["withdrawn"] = reason }
            return row
        }
        let confirmed = try await store.results(status: .confirmed, limit: 100).map { ["id": $0.id, "matched": $0.matchedName, "list": $0.list] }
        var values: [String: Any] = ["csrf": csrf(context), "designations": designations, "confirmed": confirmed]
        if !designations.isEmpty { values["hasDesignations"] = true }
        if !confirmed.isEmpty { values["hasConfirmed"] = true }
        if let principal = context.principal, AccessRule.judicialDeciders.admittedRoles.contains(principal.role) { values["designates"] = true }
        if let error { values["error"] = error }
        return renderer.page("designations", title: { $0["designations_title"] ?? "Liaison" }, request: request, context: context, status: status, values: values)
    }
}
