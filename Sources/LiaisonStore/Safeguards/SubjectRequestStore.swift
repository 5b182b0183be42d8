import FluentKit
package import LiaisonCore

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

final class SubjectRequestModel: Model, @unchecked Sendable {
    static let schema = "subject_requests"
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "state") var state: String
    @Field(key: "received_at") var receivedAt: Date
    @Field(key: "due_at") var dueAt: Date
    /// The request with its decision (JSON).
    @Field(key: "document_json") var documentJSON: Data
    /// What the last search found (JSON), kept for the decision and the answer.
    @OptionalField(key: "findings_json") var findingsJSON: Data?
    init() {}
}

struct CreateSubjectRequests: AsyncMigration {
    var name: String { "0013-create-subject-requests" }

    func prepare(on database: any Database) async throws {
        try await database.schema(SubjectRequestModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("state", .string, .required).field("received_at", .datetime, .required).field("due_at", .datetime, .required)
            .field("document_json", .data, .required).field("findings_json", .data)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(SubjectRequestModel.schema).delete()
    }
}

/// Data subjects' requests, with what the searches found.
package struct SubjectRequestStore: Sendable {
    let database: LiaisonDatabase

    package init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    package func create(_ request: SubjectRequest, audit: AuditEvent, at now: Date) async throws {
        try await database.transaction { tx in
            let model = SubjectRequestModel()
            model.id = request.id
            model.state = request.state.rawValue
            model.receivedAt = request.receivedAt
            model.dueAt = request.dueAt
            model.documentJSON = try JSON.encoder.encode(request)
            try await model.create(on: tx)
            try await AuditStore.record([audit], at: now, on: tx)
        }
    }

    package func request(_ id: String) async throws -> (request: SubjectRequest, findings: Data?)? {
        guard let model = try await SubjectRequestModel.find(id, on: db) else { return nil }
        return (try JSON.decoder.decode(SubjectRequest.self, from: model.documentJSON), model.findingsJSON)
    }

    /// Requests, open ones first by deadline, then decided ones newest first.
    package func requests(limit: Int = 500) async throws -> [SubjectRequest] {
        let models = try await SubjectRequestModel.query(on: db).sort(\.$receivedAt, .descending).limit(limit).all()
        let requests = try models.map { try JSON.decoder.decode(SubjectRequest.self, from: $0.documentJSON) }
        return requests.filter { $0.state == .open }.sorted { $0.dueAt < $1.dueAt } + requests.filter { $0.state == .decided }
    }

    package func saveFindings(_ id: String, findings: Data, audit: AuditEvent, at now: Date) async throws {
        try await database.transaction { tx in
            guard let model = try await SubjectRequestModel.find(id, on: tx) else { throw LiaisonError(.notFound, "No subject request \(id).") }
            model.findingsJSON = findings
            try await model.save(on: tx)
            try await AuditStore.record([audit], at: now, on: tx)
        }
    }

    /// Records the decision.
    /// - Throws: ``LiaisonError`` `.notFound`, or `.conflict` when already decided.
    package func decide(_ id: String, _ decision: SubjectRequest.Decision, audit: AuditEvent, at now: Date) async throws -> SubjectRequest {
        try await database.transaction { tx in
            guard let model = try await SubjectRequestModel.find(id, on: tx) else { throw LiaisonError(.notFound, "No subject request \(id).") }
            var request = try JSON.decoder.decode(SubjectRequest.self, from: model.documentJSON)
            guard request.state == .open else { throw LiaisonError(.conflict, "Subject request \(id) was already decided (\(request.decision?.outcome.rawValue ?? "")).") }
            request.state = .decided
            request.decision = decision
            // Decided once, also when two officers decide at the same moment.
            guard try await tx.compareAndSet(
                table: SubjectRequestModel.schema, id: id, column: "state", expected: SubjectRequest.State.open.rawValue,
                values: [("state", request.state.rawValue), ("document_json", try JSON.encoder.encode(request))]
            ) else { throw LiaisonError(.conflict, "Subject request \(id) was already decided.") }
            try await AuditStore.record([audit], at: now, on: tx)
            return request
        }
    }
}
