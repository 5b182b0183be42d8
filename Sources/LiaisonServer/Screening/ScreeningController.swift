package import Foundation
package import Hummingbird
package import LiaisonCore
package import LiaisonMatching
package import LiaisonSafeguards
package import LiaisonStore
package import NIOCore

/// Screening routes: lists (import, browse, national edits), screening (single and batch),
/// adjudication and designations.
package struct ScreeningController {
    let service: ScreeningService
    let store: ScreeningStore
    let configuration: NodeConfiguration

    /// Who screens and adjudicates: the roles that handle case information.
    static let screeners = AccessRule.caseHandlers
    /// Who designates, overrides and withdraws: a legal decision.
    /// Largest list file accepted (the full OFAC SDN set is about 4 MB, the UN XML about 2 MB).
    static let maximumListBytes = 256 * 1024 * 1024
    /// Largest batch accepted by the API (CSV); the CLI has no limit.
    static let maximumBatchBytes = 16 * 1024 * 1024

    struct ScreenRequest: Codable {
        var name: String
        var dob: String?
        var country: String?
        var type: String?
        var identifiers: [String]?
        /// Only these lists; every list if absent.
        var lists: [String]?
        /// Report candidates from this score (0.5–1); the node's default if absent.
        var threshold: Double?
    }

    struct AdjudicationRequest: Codable {
        var decision: ScreeningService.Decision
        var reason: String
    }

    struct EntryRequest: Codable {
        var type: String?
        var names: [String]
        var birthDates: [String]?
        var countries: [String]?
        var identifiers: [String]?
    }

    struct ReasonRequest: Codable { var reason: String }
    struct ResponseRequest: Codable { var response: String }

    struct EntryView: Encodable {
        var id: String
        var active: Bool
        var entry: ListedParty
        var details: [String: [String]]
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v1/lists", access: Self.screeners.adding(.administrator), surface: .api) { _, _ in
            try JSONBody.response(try await store.lists())
        }
        routes.on(.post, "/api/v1/lists/:name/import", access: .referenceDataManagers, surface: .api) { request, context in
            let name = try context.parameters.require("name")
            guard let format = ScreeningService.Format(rawValue: request.uri.queryParameters.get("format") ?? "") else {
                throw LiaisonError(.invalidInput, "format: one of \(ScreeningService.Format.allCases.map(\.rawValue).joined(separator: ", ")) (query parameter)")
            }
            let body = try await Self.collect(request, limit: Self.maximumListBytes)
            let files = try Self.files(body, format: format)
            return try JSONBody.response(try await service.importList(name: name, format: format, files: files, actor: AuditTrail.actor(context)))
        }
        routes.on(.get, "/api/v1/lists/:name/entries", access: Self.screeners.adding(.administrator), surface: .api) { request, context in
            let name = try context.parameters.require("name")
            guard try await store.list(name) != nil else { throw LiaisonError(.notFound, "No list \(name).") }
            var limit = 1000
            if let text = request.uri.queryParameters.get("limit") {
                guard let value = Int(text), (1...100_000).contains(value) else {  // checked: parses text: nil when not a number
                    throw LiaisonError(.invalidInput, "limit: a number from 1 to 100000")
                }
                limit = value
            }
            let decoder = JSON.decoder
            let rows = try await store.entries(lists: [name], activeOnly: false).prefix(limit)
            return try JSONBody.response(try rows.map {
                EntryView(id: $0.id, active: $0.record.active, entry: try decoder.decode(ListedParty.self, from: $0.record.entry),
                          details: (try? decoder.decode([String: [String]].self, from: $0.record.details)) ?? [:])
            })
        }
        routes.on(.put, "/api/v1/lists/:name/entries/:id", access: .referenceDataManagers, surface: .api) { request, context in
            let body = try await JSONBody.decode(EntryRequest.self, from: request, limit: configuration.maxBodyBytes)
            let party = try Self.party(id: try context.parameters.require("id"), body)
            return try JSONBody.response(try await service.editNational(list: try context.parameters.require("name"), upsert: party, delete: nil, actor: AuditTrail.actor(context)))
        }
        routes.on(.delete, "/api/v1/lists/:name/entries/:id", access: .referenceDataManagers, surface: .api) { _, context in
            let name = try context.parameters.require("name"), id = try context.parameters.require("id")
            guard try await store.entry(list: name, id: id) != nil else { throw LiaisonError(.notFound, "No entry \(id) on \(name).") }
            return try JSONBody.response(try await service.editNational(list: name, upsert: nil, delete: id, actor: AuditTrail.actor(context)))
        }
        routes.on(.post, "/api/v1/screening", access: Self.screeners, surface: .api) { request, context in
            let body = try await JSONBody.decode(ScreenRequest.self, from: request, limit: 64 * 1024)
            let query = try ScreeningService.query(name: body.name, birthDate: body.dob, country: body.country, kind: body.type, identifiers: body.identifiers ?? [])
            let threshold = try ScreeningService.threshold(body.threshold)
            return try JSONBody.response(try await service.screen(query, lists: body.lists.map(Set.init), threshold: threshold, actor: AuditTrail.actor(context)))
        }
        routes.on(.post, "/api/v1/screening/batch", access: Self.screeners, surface: .api) { request, context in
            let threshold = try ScreeningService.threshold(text: request.uri.queryParameters.get("threshold"))
            let body = try await Self.collect(request, limit: Self.maximumBatchBytes)
            let rows = try ScreeningBatch.rows(String(decoding: body, as: UTF8.self))
            let lines = try await ScreeningBatch.run(rows, service: service, threshold: threshold, actor: AuditTrail.actor(context))
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson"],
                            body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n") + "\n")))
        }
        routes.on(.get, "/api/v1/screening/results", access: Self.screeners, surface: .api) { request, _ in
            let status = try request.uri.queryParameters.get("status").map { text in
                guard let status = ScreeningResultRecord.Status(rawValue: text) else {
                    throw LiaisonError(.invalidInput, "status: potential, confirmed or false-positive")
                }
                return status
            }
            return try JSONBody.response(try await store.results(status: status).map(ResultView.init))
        }
        routes.on(.post, "/api/v1/screening/results/:id/adjudication", access: Self.screeners, surface: .api) { request, context in
            let body = try await JSONBody.decode(AdjudicationRequest.self, from: request, limit: 64 * 1024)
            let record = try await service.adjudicate(try context.parameters.require("id"), decision: body.decision, reason: body.reason,
                                                      actor: AuditTrail.actor(context), role: context.principal?.role.rawValue)
            return try JSONBody.response(ResultView(record))
        }
        routes.on(.get, "/api/v1/designations", access: Self.screeners, surface: .api) { _, _ in
            try JSONBody.response(try await service.designations())
        }
        routes.on(.post, "/api/v1/designations", access: .judicialDeciders, surface: .api) { request, context in
            let body = try await JSONBody.decode(ScreeningService.DesignationRequest.self, from: request, limit: 64 * 1024)
            return try JSONBody.response(try await service.designate(body, actor: AuditTrail.actor(context)), status: .created)
        }
        routes.on(.post, "/api/v1/designations/:id/response", access: .judicialDeciders.adding(.liaisonOfficer), surface: .api) { request, context in
            let body = try await JSONBody.decode(ResponseRequest.self, from: request, limit: 1024 * 1024)
            return try JSONBody.response(try await service.respond(try context.parameters.require("id"), response: body.response, actor: AuditTrail.actor(context)))
        }
        routes.on(.post, "/api/v1/designations/:id/override", access: .judicialDeciders, surface: .api) { request, context in
            let body = try await JSONBody.decode(ReasonRequest.self, from: request, limit: 64 * 1024)
            return try JSONBody.response(try await service.override(try context.parameters.require("id"), reason: body.reason, actor: AuditTrail.actor(context)))
        }
        routes.on(.post, "/api/v1/designations/:id/withdrawal", access: .judicialDeciders, surface: .api) { request, context in
            let body = try await JSONBody.decode(ReasonRequest.self, from: request, limit: 64 * 1024)
            return try JSONBody.response(try await service.withdraw(try context.parameters.require("id"), reason: body.reason, actor: AuditTrail.actor(context)))
        }
    }

    /// A stored result as the API shows it.
    struct ResultView: Encodable {
        var id: String
        var screenedAt: Date
        var actor: String
        var query: ScreeningQuery?
        var list: String
        var listVersion: Int
        var entryId: String
        var matchedName: String
        var score: Double
        var status: ScreeningResultRecord.Status
        var algorithm: String
        var parameters: MatchingParameters?
        var explanation: MatchExplanation?
        var decidedBy: String?
        var decidedAt: Date?
        var reason: String?

        init(_ record: ScreeningResultRecord) {
            let decoder = JSON.decoder
            id = record.id
            screenedAt = record.screenedAt
            actor = record.actor
            query = try? decoder.decode(ScreeningQuery.self, from: record.query)
            list = record.list
            listVersion = record.listVersion
            entryId = record.entryID
            matchedName = record.matchedName
            score = record.score
            status = record.status
            algorithm = record.algorithm
            parameters = try? decoder.decode(MatchingParameters.self, from: record.parameters)
            explanation = try? decoder.decode(MatchExplanation.self, from: record.explanation)
            decidedBy = record.decidedBy
            decidedAt = record.decidedAt
            reason = record.reason
        }
    }

    static func party(id: String, _ body: EntryRequest) throws -> ListedParty {
        guard (1...128).contains(id.count), !id.contains("/") else { throw LiaisonError(.invalidInput, "id: 1 to 128 characters, no '/'") }
        let kind = PartyKind(listValue: body.type ?? "person")
        for date in body.birthDates ?? [] { _ = try ScreeningService.birthDate(date) }
        let countries = try (body.countries ?? []).map { text in
            guard let code = Countries.code(for: text) else { throw LiaisonError(.invalidInput, "countries: '\(text)' is not a country") }
            return code
        }
        return ListedParty(id: id, kind: kind, names: body.names, birthDates: body.birthDates ?? [], countries: countries, identifiers: body.identifiers ?? [])
    }

    static func collect(_ request: Request, limit: Int) async throws -> Data {
        do {
            return Data(try await request.body.collect(upTo: limit).readableBytesView)
        } catch {
            throw LiaisonError(.bodyTooLarge, "The body is larger than \(limit) bytes.")
        }
    }

    /// The files of an import body: a ZIP (OFAC's CSV files together) or one file.
    package static func files(_ body: Data, format: ScreeningService.Format) throws -> [String: Data] {
        guard !body.isEmpty else { throw LiaisonError(.invalidInput, "the body is empty; send the list file") }
        if body.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            let entries: [String: Data]
            do { entries = try EvidencePackageBuilder.unzip(body) } catch { throw LiaisonError(.invalidInput, "the ZIP cannot be read: \(error)") }
            guard !entries.isEmpty else { throw LiaisonError(.invalidInput, "the ZIP holds no files") }
            var files: [String: Data] = [:]
            for (path, data) in entries { files[(path as NSString).lastPathComponent.lowercased()] = data }
            return files
        }
        return format == .ofacCSV ? ["sdn.csv": body] : ["list": body]
    }
}

extension AccessRule {
    /// The rule's roles plus `role`.
    func adding(_ role: Role) -> AccessRule {
        switch self {
        case .roles(let roles): .roles(roles.union([role]))
        default: self
        }
    }
}
