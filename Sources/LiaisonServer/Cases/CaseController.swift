import Foundation
import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// A case as the API shows it: the case's members, its id and the date its review is due.
struct CaseView: Encodable {
    var record: CaseRecord

    enum Extra: String, CodingKey { case id, reviewDue, updatedAt }

    func encode(to encoder: any Encoder) throws {
        try record.item.encode(to: encoder)
        var container = encoder.container(keyedBy: Extra.self)
        try container.encode(record.id, forKey: .id)
        try container.encode(record.item.reviewDue, forKey: .reviewDue)
        try container.encode(record.updatedAt, forKey: .updatedAt)
    }
}

/// The cases API: list, open, read, change, close and reopen a case, and read its file.
struct CaseController {
    let cases: CaseService
    let configuration: NodeConfiguration

    struct Reason: Decodable { var reason: String }

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v1/cases", access: .caseHandlers, surface: .api) { request, context in
            let status = try Self.status(request.uri.queryParameters.get("status"))
            let list = try await cases.list(principal: context.principal, status: status, text: request.uri.queryParameters.get("q"))
            return try JSONBody.response(list.map(CaseView.init))
        }
        routes.on(.post, "/api/v1/cases", access: .caseHandlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(CaseService.Opening.self, from: request, limit: configuration.maxBodyBytes)
            return try JSONBody.response(CaseView(record: try await cases.open(body, principal: context.principal)), status: .created)
        }
        routes.on(.get, "/api/v1/cases/:reference", access: .caseHandlers, surface: .api) { _, context in
            try JSONBody.response(CaseView(record: try await cases.read(try context.parameters.require("reference"), principal: context.principal)))
        }
        routes.on(.patch, "/api/v1/cases/:reference", access: .caseHandlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(CaseService.Change.self, from: request, limit: configuration.maxBodyBytes)
            return try JSONBody.response(CaseView(record: try await cases.change(try context.parameters.require("reference"), body, principal: context.principal)))
        }
        routes.on(.post, "/api/v1/cases/:reference/close", access: .caseHandlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(Reason.self, from: request, limit: configuration.maxBodyBytes)
            return try JSONBody.response(CaseView(record: try await cases.close(try context.parameters.require("reference"), reason: body.reason, principal: context.principal)))
        }
        routes.on(.post, "/api/v1/cases/:reference/reopen", access: .supervisors, surface: .api) { request, context in
            let body = try await JSONBody.decode(Reason.self, from: request, limit: configuration.maxBodyBytes)
            return try JSONBody.response(CaseView(record: try await cases.reopen(try context.parameters.require("reference"), reason: body.reason, principal: context.principal)))
        }
        // Reading a case file consults personal data (the entities its messages name): logged
        // (Directive 2016/680 Art. 25).
        routes.on(.get, "/api/v1/cases/:reference/file", access: .caseHandlers, surface: .api, audited: .caseRead) { request, context in
            let limit = try Self.limit(request.uri.queryParameters.get("limit"))
            let file = try await cases.file(try context.parameters.require("reference"), principal: context.principal, text: request.uri.queryParameters.get("q"), limit: limit)
            return JSONBody.response(json: try file.json())
        }
    }

    static func status(_ text: String?) throws -> Case.Status? {
        guard let text, !text.isEmpty, text != "all" else { return nil }
        guard let status = Case.Status(rawValue: text) else { throw LiaisonError(.invalidInput, "status must be open, closed or all, not '\(text.prefix(40))'.") }
        return status
    }

    static func limit(_ text: String?) throws -> Int {
        guard let text else { return 10_000 }
        guard let limit = Int(text), (1...10_000).contains(limit) else {  // checked: parses text: nil when not a number
            throw LiaisonError(.invalidInput, "limit must be a whole number from 1 to 10000, not '\(text.prefix(40))'.")
        }
        return limit
    }
}
