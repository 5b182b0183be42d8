import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCore
import LiaisonMatching
import LiaisonSafeguards
import LiaisonStore
import NIOFoundationCompat

/// Hit/no-hit routes: reference data (import, count, remove) and local searches.
struct HitController {
    let service: HitService
    let partners: HitFederation
    let followUps: HitFollowUps

    /// Who loads and removes reference data.
    /// Largest search body (JSON): 10,000 queries of a few hundred bytes.
    static let maximumSearchBytes = 16 * 1024 * 1024
    static let maximumQueries = 10_000

    struct Counts: Encodable {
        var category: String
        var records: Int
    }

    struct ImportView: Encodable {
        var report: HitImportReport
        var warnings: [String]
    }

    struct SearchView: Encodable {
        var answers: [HitAnswer]
    }

    struct PartnerSearchView: Encodable {
        var results: [PartnerHitResult]
    }

    struct DecisionRequest: Codable {
        enum Decision: String, Codable { case approve, refuse }
        var decision: Decision
        var reason: String
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v1/hits", access: .caseHandlers.adding(.administrator), surface: .api) { _, _ in
            let counts = try await service.counts()
            return try JSONBody.response(HitCategory.allCases.map { Counts(category: $0.rawValue, records: counts[$0] ?? 0) })
        }
        routes.on(.post, "/api/v1/hits/:category/import", access: .referenceDataManagers, surface: .api) { request, context in
            let category = try HitCategory.parse(try context.parameters.require("category"))
            let contentType = request.headers[.contentType]?.lowercased() ?? ""
            guard ["text/csv", "application/x-ndjson", "application/jsonl", "text/plain"].contains(where: contentType.hasPrefix) else {
                throw LiaisonError(.unsupportedMediaType, "Send the file as text/csv or application/x-ndjson (got '\(contentType.isEmpty ? "none" : contentType)').")
            }
            let replaceAll = try Self.flag(request.uri.queryParameters.get("replaceAll"), name: "replaceAll")
            let body = try await ScreeningController.collect(request, limit: HitService.maximumFileBytes)
            let (report, warnings) = try await service.importFile(String(decoding: body, as: UTF8.self), category: category, replaceAll: replaceAll,
                                                                  actor: AuditTrail.actor(context))
            return try JSONBody.response(ImportView(report: report, warnings: warnings))
        }
        routes.on(.delete, "/api/v1/hits/:category/:reference", access: .referenceDataManagers, surface: .api) { _, context in
            let category = try HitCategory.parse(try context.parameters.require("category"))
            try await service.remove(category: category, reference: try context.parameters.require("reference"), actor: AuditTrail.actor(context))
            return Response(status: .noContent)
        }
        routes.on(.post, "/api/v1/hits/:category/search", access: .caseHandlers, surface: .api) { request, context in
            let category = try HitCategory.parse(try context.parameters.require("category"))
            let started = ContinuousClock.now
            let (queries, body) = try await Self.queries(request, category: category, service: service)
            let parsed = ContinuousClock.now - started
            let timed = try await service.timedSearch(queries, category: category, actor: AuditTrail.actor(context),
                                                      role: context.principal?.role.rawValue, purpose: body["purpose"] as? String)
            var response = try JSONBody.response(SearchView(answers: timed.answers))
            // W3C Server Timing: what the node spent reading the queries, matching them and
            // recording the audit events, so that a client can tell the search from the rest.
            response.headers[Self.serverTiming] = [("parse", parsed), ("search", timed.matching), ("audit", timed.recording)]
                .map { "\($0.0);dur=\(Self.milliseconds($0.1))" }.joined(separator: ", ")
            return response
        }
    }

    /// The requester's side of partner searches and follow-ups.
    func registerPartnerRoutes(on routes: RouteTable) {
        routes.on(.post, "/api/v1/hits/:category/partner-search", access: .caseHandlers, surface: .api) { request, context in
            let category = try HitCategory.parse(try context.parameters.require("category"))
            let (queries, body) = try await Self.queries(request, category: category, service: service)
            let recipients = (body["partners"] as? [Any])?.compactMap { $0 as? String } ?? []
            let fields = try ["purpose", "legalBasis"].map { name in
                guard let value = body[name] as? String, !value.allSatisfy(\.isWhitespace) else {
                    throw LiaisonError(.invalidInput, "\(name): required for a partner search")
                }
                return value
            }
            guard body["blinded"] == nil || body["blinded"] is Bool else { throw LiaisonError(.invalidInput, "blinded: true or false") }
            let results = try await partners.search(queries, category: category, partners: recipients, purpose: fields[0], legalBasis: fields[1],
                                                     caseRef: body["caseRef"] as? String, blinded: body["blinded"] as? Bool ?? false,
                                                     principal: context.principal, actor: AuditTrail.actor(context))
            return try JSONBody.response(PartnerSearchView(results: results))
        }
        routes.on(.get, "/api/v1/hits/follow-ups", access: .caseHandlers, surface: .api) { request, _ in
            let direction = request.uri.queryParameters.get("direction")
            guard direction.map({ ["incoming", "outgoing"].contains($0) }) ?? true else {
                throw LiaisonError(.invalidInput, "direction: incoming or outgoing")
            }
            return try JSONBody.response(try await followUps.list(direction: direction.map { String($0) }))
        }
        routes.on(.post, "/api/v1/hits/follow-ups", access: .caseHandlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(HitFollowUps.Request.self, from: request, limit: 64 * 1024)
            return try JSONBody.response(try await followUps.request(body, principal: context.principal, actor: AuditTrail.actor(context)), status: .created)
        }
        routes.on(.get, "/api/v1/hits/follow-ups/:id", access: .caseHandlers, surface: .api) { _, context in
            try JSONBody.response(try await followUps.followUp(try context.parameters.require("id")))
        }
        routes.on(.post, "/api/v1/hits/follow-ups/:id/decision", access: AccessRule.judicialDeciders, surface: .api) { request, context in
            let body = try await JSONBody.decode(DecisionRequest.self, from: request, limit: 64 * 1024)
            return try JSONBody.response(try await followUps.decide(try context.parameters.require("id"), approve: body.decision == .approve, reason: body.reason,
                                                                    principal: context.principal, actor: AuditTrail.actor(context)))
        }
    }

    static let serverTiming = HTTPField.Name("Server-Timing")!  // checked: a valid field name

    /// A duration in milliseconds with three decimals, as Server-Timing writes it.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.3f", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }

    static func flag(_ text: String?, name: String) throws -> Bool {
        switch text {
        case nil, "false", "0": return false
        case "true", "1": return true
        default: throw LiaisonError(.invalidInput, "\(name): true or false")
        }
    }

    /// The queries of a search body: `{"queries": [{…}, …], "purpose": "…"}`, each query with
    /// the fields of the category's file layout; problems are numbered by query (1-based).
    static func queries(_ request: Request, category: HitCategory, service: HitService) async throws -> ([ReferenceRecord], [String: Any]) {
        let body = try await JSONBody.collect(request, limit: maximumSearchBytes)
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any], let list = object["queries"] as? [Any] else {
            throw LiaisonError(.invalidJSON, "Send {\"queries\": [{…}, …]}: an object with a list of queries.")
        }
        guard (1...maximumQueries).contains(list.count) else {
            throw LiaisonError(.invalidInput, "queries: 1 to \(maximumQueries) per request")
        }
        var lines: [String] = []
        for (number, query) in list.enumerated() {
            guard let query = query as? [String: Any], JSONSerialization.isValidJSONObject(query),
                  let line = try? JSONSerialization.data(withJSONObject: query) else {
                throw LiaisonError(.invalidInput, "queries[\(number)]: must be an object")
            }
            lines.append(String(decoding: line, as: UTF8.self))
        }
        do {
            return (try await service.queries(lines.joined(separator: "\n"), category: category), object)
        } catch let problems as LineProblems {
            // A line of the joined body is a query: name it by its place in the list.
            throw LineProblems(problems: problems.problems.map { LineProblem(line: $0.line - 1, message: $0.message) }).problem(item: "queries")
        }
    }
}
