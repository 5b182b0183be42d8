import Foundation
import Hummingbird
import LiaisonCore
import LiaisonMatching
import LiaisonSafeguards
import LiaisonStore
import MultipartKit

/// The hit/no-hit pages: search this node or partners, per category (/hits); import reference
/// data (data managers); follow-up requests in both directions with their deadlines and the
/// owner's decision (/hits/follow-ups).
struct HitPages {
    let renderer: PageRenderer
    let service: HitService
    let partners: HitFederation
    let followUps: HitFollowUps
    let federation: FederationStore
    let forms: FormReader

    struct SearchForm: Decodable {
        var csrf: String?
        var category: String?
        var reference: String?
        var profile: String?
        var type: String?
        var vin: String?
        var plate: String?
        var plateCountry: String?
        var name: String?
        var dateOfBirth: String?
        var nationality: String?
        var number: String?
        var issuingCountry: String?
        var iban: String?
        var address: String?
        /// `local`, or a partner's agency code (several may be ticked).
        var target: [String]?
        var purpose: String?
        var legalBasis: String?
        var caseRef: String?
        var blinded: String?
    }

    struct ImportForm: Decodable {
        var csrf: String?
        var category: String?
        var replaceAll: String?
        var file: EvidencePages.UploadedFile?
    }

    struct FollowUpForm: Decodable {
        var csrf: String?
        var partner: String?
        var category: String?
        var reference: String?
        var purpose: String?
        var legalBasis: String?
        var caseRef: String?
        var justification: String?
    }

    struct DecisionForm: Decodable {
        var csrf: String?
        var decision: String?
        var reason: String?
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/hits", access: AccessRule.caseHandlers.adding(.administrator), surface: .web) { request, context in
            // A search started from elsewhere (the money trail's "hit/no-hit first") arrives with its values.
            let query = request.uri.queryParameters
            let prefilled = SearchForm(
                csrf: nil, category: nil, reference: nil, profile: nil, type: nil, vin: nil, plate: nil, plateCountry: nil, name: nil, dateOfBirth: nil,
                nationality: nil, number: nil, issuingCountry: nil, iban: query.get("iban").map { String($0.prefix(40)) }, address: nil, target: nil,
                purpose: nil, legalBasis: nil, caseRef: query.get("caseRef").map { String($0.prefix(60)) }, blinded: nil)
            return try await searchPage(
                request: request, context: context, category: try category(query.get("category")),
                form: prefilled.iban != nil || prefilled.caseRef != nil ? prefilled : nil)
        }
        routes.on(.post, "/hits/search", access: AccessRule.caseHandlers, surface: .web) { request, context in
            let form = try await forms.read(SearchForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            let category = try category(form.category)
            do {
                return try await searchPage(request: request, context: context, category: category, results: try await search(form, category: category, context: context), form: form)
            } catch let error as LiaisonError {
                return try await searchPage(request: request, context: context, category: category, error: error.message, form: form, status: error.status)
            }
        }
        routes.on(.post, "/hits/import", access: AccessRule.referenceDataManagers, surface: .web) { request, context in
            let form = try await forms.readMultipart(ImportForm.self, from: request, limit: HitService.maximumFileBytes)
            try forms.checkCSRF(form.csrf, context: context)
            let category = try category(form.category)
            guard let part = form.file?.part, part.body.readableBytes > 0 else {
                return try await searchPage(request: request, context: context, category: category, error: "Choose the file to import.", status: .badRequest)
            }
            do {
                let (report, warnings) = try await service.importFile(String(decoding: part.body.readableBytesView, as: UTF8.self), category: category,
                                                                      replaceAll: form.replaceAll == "on", actor: AuditTrail.actor(context))
                let notice = (["\(category.rawValue): added \(report.added), updated \(report.updated), removed \(report.removed); \(report.total) held"] + warnings).joined(separator: " · ")
                return try await searchPage(request: request, context: context, category: category, notice: notice)
            } catch let problems as LineProblems {
                return try await searchPage(request: request, context: context, category: category, error: "Nothing imported: \(problems.problems.count) bad lines.",
                                            lineProblems: problems.problems.map(\.description), status: .badRequest)
            } catch let error as LiaisonError {
                return try await searchPage(request: request, context: context, category: category, error: error.message, status: error.status)
            }
        }
        routes.on(.get, "/hits/follow-ups", access: AccessRule.caseHandlers, surface: .web) { request, context in
            try await followUpsPage(request: request, context: context)
        }
        routes.on(.post, "/hits/follow-ups", access: AccessRule.caseHandlers, surface: .web) { request, context in
            let form = try await forms.read(FollowUpForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                _ = try await followUps.request(.init(partner: form.partner ?? "", category: form.category ?? "", reference: form.reference ?? "",
                                                      purpose: form.purpose ?? "", legalBasis: form.legalBasis ?? "", justification: form.justification ?? "",
                                                      caseRef: (form.caseRef ?? "").isEmpty ? nil : form.caseRef),
                                                principal: context.principal, actor: AuditTrail.actor(context))
                return Response(status: .seeOther, headers: [.location: "/hits/follow-ups"])
            } catch let error as LiaisonError {
                return try await followUpsPage(request: request, context: context, error: error.message, status: error.status)
            }
        }
        routes.on(.post, "/hits/follow-ups/:id/decision", access: AccessRule.judicialDeciders, surface: .web) { request, context in
            let form = try await forms.read(DecisionForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                guard let decision = form.decision, ["approve", "refuse"].contains(decision) else { throw LiaisonError(.invalidInput, "Choose approve or refuse.") }
                _ = try await followUps.decide(try context.parameters.require("id"), approve: decision == "approve", reason: form.reason ?? "",
                                               principal: context.principal, actor: AuditTrail.actor(context))
                return Response(status: .seeOther, headers: [.location: "/hits/follow-ups"])
            } catch let error as LiaisonError where error.code.kind != .notFound {
                return try await followUpsPage(request: request, context: context, error: error.message, status: error.status)
            }
        }
    }

    private func category(_ text: String?) throws -> HitCategory {
        guard let text, !text.isEmpty else { return .dna }
        return try HitCategory.parse(text)
    }

    private func csrf(_ context: LiaisonRequestContext) -> String {
        if case .session(let token, _) = context.credential { token } else { "" }
    }

    /// One query from the form's fields for `category`.
    private func query(_ form: SearchForm, category: HitCategory) async throws -> ReferenceRecord {
        var fields: [String: String] = [:]
        let given: [(String, String?)] = [
            ("reference", form.reference), ("type", form.type), ("vin", form.vin), ("plate", form.plate), ("plateCountry", form.plateCountry),
            ("name", form.name), ("dateOfBirth", form.dateOfBirth), ("nationality", form.nationality), ("number", form.number),
            ("issuingCountry", form.issuingCountry), ("iban", form.iban), ("address", form.address),
        ]
        for (name, value) in given { if let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty { fields[name] = value } }
        if category != .document, category != .dna { fields["type"] = nil }
        var loci: [String: [String]]?
        if category == .dna {
            var typed: [String: [String]] = [:]
            for part in (form.profile ?? "").split(whereSeparator: { $0 == ";" || $0.isNewline }) {
                let pieces = part.split(separator: "=", maxSplits: 1)
                guard pieces.count == 2 else { throw LiaisonError(.invalidInput, "profile: write each locus as LOCUS=allele,allele; '\(part.trimmingCharacters(in: .whitespaces))' is not") }
                typed[pieces[0].trimmingCharacters(in: .whitespaces)] = pieces[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
            loci = typed
        }
        return try await service.query(fields, loci: loci, category: category)
    }

    private func search(_ form: SearchForm, category: HitCategory, context: LiaisonRequestContext) async throws -> [[String: Any]] {
        let query = try await query(form, category: category)
        let targets = form.target ?? ["local"]
        var sections: [[String: Any]] = []
        if targets.contains("local") {
            let answers = try await service.search([query], category: category, actor: AuditTrail.actor(context), role: context.principal?.role.rawValue,
                                                   purpose: form.purpose)
            sections.append(["source": "this node", "status": "answered", "answers": answers.map { answerRow($0, partner: nil, category: category, form: form) }])
        }
        let remote = targets.filter { $0 != "local" }
        if !remote.isEmpty {
            let results = try await partners.search([query], category: category, partners: remote, purpose: form.purpose ?? "", legalBasis: form.legalBasis ?? "",
                                                    caseRef: (form.caseRef ?? "").isEmpty ? nil : form.caseRef, blinded: form.blinded == "on",
                                                    principal: context.principal, actor: AuditTrail.actor(context))
            for result in results {
                var section: [String: Any] = ["source": result.partner, "status": result.status.rawValue,
                                              "answers": result.answers.map { answerRow($0, partner: result.partner, category: category, form: form) }]
                if let detail = result.detail { section["detail"] = detail }
                sections.append(section)
            }
        }
        return sections
    }

    private func answerRow(_ answer: HitAnswer, partner: String?, category: HitCategory, form: SearchForm) -> [String: Any] {
        [
            "outcome": answer.outcome.rawValue,
            "matches": answer.matches.map { match -> [String: Any] in
                var row: [String: Any] = ["reference": match.reference, "quality": match.quality.rawValue, "summary": HitFormatting.summary(match)]
                if let partner {
                    row["followUp"] = ["partner": partner, "category": category.rawValue, "reference": match.reference, "purpose": form.purpose ?? "",
                                       "legalBasis": form.legalBasis ?? "", "caseRef": form.caseRef ?? ""]
                }
                return row
            },
        ]
    }

    private func searchPage(request: Request, context: LiaisonRequestContext, category: HitCategory, results: [[String: Any]]? = nil, error: String? = nil,
                            notice: String? = nil, lineProblems: [String] = [], form: SearchForm? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let counts = try await service.counts()
        var values: [String: Any] = [
            "csrf": csrf(context),
            "category": category.rawValue,
            "categories": HitCategory.allCases.map { item -> [String: Any] in
                var row: [String: Any] = ["name": item.rawValue, "records": counts[item] ?? 0]
                if item == category { row["current"] = true }
                return row
            },
            "partners": try await federation.partners().map { ["code": $0.identity.agencyCode, "name": $0.identity.name] },
        ]
        values["is_\(category.rawValue)"] = true
        if category.isExactIdentifier { values["blindable"] = true }
        if let principal = context.principal {
            if AccessRule.caseHandlers.admittedRoles.contains(principal.role) { values["searches"] = true }
            if AccessRule.referenceDataManagers.admittedRoles.contains(principal.role) { values["manages"] = true }
        }
        if let form {
            let echoed: [(String, String?)] = [("reference", form.reference), ("profile", form.profile), ("vin", form.vin), ("plate", form.plate),
                                               ("plateCountry", form.plateCountry), ("name", form.name), ("dateOfBirth", form.dateOfBirth),
                                               ("nationality", form.nationality), ("number", form.number), ("issuingCountry", form.issuingCountry),
                                               ("iban", form.iban), ("address", form.address), ("purpose", form.purpose), ("legalBasis", form.legalBasis),
                                               ("caseRef", form.caseRef)]
            values["form"] = Dictionary(uniqueKeysWithValues: echoed.compactMap { name, value in value.flatMap { $0.isEmpty ? nil : (name, $0) } })
        }
        if let results { values["results"] = results }
        if let error { values["error"] = error }
        if let notice { values["notice"] = notice }
        if !lineProblems.isEmpty {
            values["lineProblems"] = lineProblems
            values["hasLineProblems"] = true
        }
        return renderer.page("hits", title: { $0["hits_title"] ?? "Liaison" }, request: request, context: context, status: status, values: values)
    }

    private func followUpsPage(request: Request, context: LiaisonRequestContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let decides = context.principal.map { AccessRule.judicialDeciders.admittedRoles.contains($0.role) } ?? false
        func row(_ followUp: FollowUp) -> [String: Any] {
            var row: [String: Any] = [
                "id": followUp.id, "requester": followUp.requester, "owner": followUp.owner, "category": followUp.category.rawValue,
                "reference": followUp.reference, "purpose": followUp.purpose, "justification": followUp.justification, "status": followUp.status.rawValue,
                "deadline": followUp.deadline.formatted(.iso8601), "requestedBy": followUp.requestedBy,
            ]
            if let reason = followUp.reason { row["reason"] = reason }
            if let by = followUp.decidedBy { row["decidedBy"] = by }
            if let message = followUp.messageId { row["messageId"] = message }
            if decides && followUp.status == .requested { row["decidable"] = true }
            return row
        }
        let all = try await followUps.list()
        var values: [String: Any] = [
            "csrf": csrf(context),
            "outgoing": all.filter { !isIncoming($0) }.map(row),
            "incoming": all.filter(isIncoming).map(row),
        ]
        if let error { values["error"] = error }
        return renderer.page("hit-follow-ups", title: { $0["hits_follow_ups_title"] ?? "Liaison" }, request: request, context: context, status: status, values: values)
    }

    private func isIncoming(_ followUp: FollowUp) -> Bool { followUp.owner == partners.ownAgencyCode }
}
