import FluentKit
package import LiaisonCore

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

final class ApprovalModel: Model, @unchecked Sendable {
    static let schema = "policy_approvals"
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "kind") var kind: String
    @Field(key: "summary") var summary: String
    @Field(key: "requester") var requester: String
    @Field(key: "requester_role") var requesterRole: String
    @Field(key: "requested_at") var requestedAt: Date
    @Field(key: "due_at") var dueAt: Date
    @Field(key: "approver_role") var approverRole: String
    @Field(key: "reasons_json") var reasonsJSON: Data
    @Field(key: "justification") var justification: String
    @OptionalField(key: "case_ref") var caseRef: String?
    @Field(key: "purpose") var purpose: String
    @Field(key: "recipients") var recipients: String
    @Field(key: "payload_json") var payloadJSON: Data
    @Field(key: "state") var state: String
    @OptionalField(key: "decided_by") var decidedBy: String?
    @OptionalField(key: "decided_at") var decidedAt: Date?
    @OptionalField(key: "decision_reason") var decisionReason: String?
    @OptionalField(key: "outcome") var outcome: String?
    init() {}
}

final class SafeguardsSettingModel: Model, @unchecked Sendable {
    static let schema = "safeguards_settings"
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "value_json") var valueJSON: Data
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "updated_by") var updatedBy: String
    init() {}
}

struct CreateSafeguards: AsyncMigration {
    var name: String { "0011-create-safeguards" }

    func prepare(on database: any Database) async throws {
        try await database.schema(ApprovalModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("kind", .string, .required).field("summary", .string, .required)
            .field("requester", .string, .required).field("requester_role", .string, .required)
            .field("requested_at", .datetime, .required).field("due_at", .datetime, .required)
            .field("approver_role", .string, .required).field("reasons_json", .data, .required)
            .field("justification", .string, .required).field("case_ref", .string).field("purpose", .string, .required)
            .field("recipients", .string, .required).field("payload_json", .data, .required)
            .field("state", .string, .required).field("decided_by", .string).field("decided_at", .datetime)
            .field("decision_reason", .string).field("outcome", .string)
            .create()
        try await database.schema(SafeguardsSettingModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("value_json", .data, .required).field("updated_at", .datetime, .required).field("updated_by", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(SafeguardsSettingModel.schema).delete()
        try await database.schema(ApprovalModel.schema).delete()
    }
}

/// A request held back by the safeguards until the approver decides.
package struct ApprovalRecord: Sendable, Equatable {
    package enum State: String, Sendable, CaseIterable { case pending, approved, refused }

    package var id: String
    /// What is held: `message` (a disclosure to partners).
    package var kind: String
    /// One line for lists: the message subject.
    package var summary: String
    /// `user:<name>`.
    package var requester: String
    package var requesterRole: Role
    package var requestedAt: Date
    /// When the approval becomes overdue.
    package var dueAt: Date
    package var approverRole: Role
    /// The decision point's reasons, as JSON (`[{"code","sentence"}]`).
    package var reasons: Data
    package var justification: String
    package var caseRef: String?
    package var purpose: String
    package var recipients: [String]
    /// The held operation, as JSON, released unchanged on approval.
    package var payload: Data
    package var state: State = .pending
    package var decidedBy: String?
    package var decidedAt: Date?
    package var decisionReason: String?
    /// What the release produced (`message:<id>`), or why it failed.
    package var outcome: String?

    package init(
        id: String, kind: String, summary: String, requester: String, requesterRole: Role, requestedAt: Date, dueAt: Date, approverRole: Role,
        reasons: Data, justification: String, caseRef: String?, purpose: String, recipients: [String], payload: Data
    ) {
        self.id = id
        self.kind = kind
        self.summary = summary
        self.requester = requester
        self.requesterRole = requesterRole
        self.requestedAt = requestedAt
        self.dueAt = dueAt
        self.approverRole = approverRole
        self.reasons = reasons
        self.justification = justification
        self.caseRef = caseRef
        self.purpose = purpose
        self.recipients = recipients
        self.payload = payload
    }

    /// Pending past its due time.
    package func isOverdue(at now: Date) -> Bool { state == .pending && now >= dueAt }
}

/// Approvals held by the safeguards, and the node's safeguards configuration.
package struct SafeguardsStore: Sendable {
    let database: LiaisonDatabase

    package init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    // MARK: Configuration

    /// The stored configuration document, or `nil` while the node runs on the defaults.
    package func configuration() async throws -> Data? {
        try await database.cached("safeguards-configuration") {
            try await SafeguardsSettingModel.find("configuration", on: try database.database)?.valueJSON
        }
    }

    /// Replaces the configuration document, with its audit event.
    package func saveConfiguration(_ document: Data, by actor: String, audit: AuditEvent, at now: Date) async throws {
        try await database.transaction { tx in
            let model = try await SafeguardsSettingModel.find("configuration", on: tx) ?? SafeguardsSettingModel()
            model.id = "configuration"
            model.valueJSON = document
            model.updatedAt = now
            model.updatedBy = actor
            try await model.save(on: tx)
            try await AuditStore.record([audit], at: now, on: tx)
        }
        database.invalidate("safeguards-configuration")
    }

    // MARK: Approvals

    /// Stores a held request with its audit events.
    package func hold(_ record: ApprovalRecord, audit: [AuditEvent], at now: Date) async throws {
        try await database.transaction { tx in
            let model = ApprovalModel()
            model.id = record.id
            model.kind = record.kind
            model.summary = record.summary
            model.requester = record.requester
            model.requesterRole = record.requesterRole.rawValue
            model.requestedAt = record.requestedAt
            model.dueAt = record.dueAt
            model.approverRole = record.approverRole.rawValue
            model.reasonsJSON = record.reasons
            model.justification = record.justification
            model.caseRef = record.caseRef
            model.purpose = record.purpose
            model.recipients = record.recipients.joined(separator: ",")
            model.payloadJSON = record.payload
            model.state = record.state.rawValue
            try await model.create(on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
        }
    }

    package func approval(_ id: String) async throws -> ApprovalRecord? {
        try await ApprovalModel.find(id, on: db).map(Self.record)
    }

    /// Approvals, newest first, filtered by state and requester.
    package func approvals(state: ApprovalRecord.State? = nil, requester: String? = nil, limit: Int = 200) async throws -> [ApprovalRecord] {
        var query = try ApprovalModel.query(on: db).sort(\.$requestedAt, .descending).sort(\.$id, .descending).limit(limit)
        if let state { query = query.filter(\.$state == state.rawValue) }
        if let requester { query = query.filter(\.$requester == requester) }
        return try await query.all().map(Self.record)
    }

    /// Records the approver's decision.
    /// - Throws: ``LiaisonError`` `.notFound`, or `.conflict` when it was already decided.
    package func decide(_ id: String, approved: Bool, by user: String, reason: String, audit: AuditEvent, at now: Date) async throws -> ApprovalRecord {
        try await database.transaction { tx in
            let decided = try await tx.compareAndSet(
                table: ApprovalModel.schema, id: id, column: "state", expected: ApprovalRecord.State.pending.rawValue,
                values: [("state", (approved ? ApprovalRecord.State.approved : .refused).rawValue), ("decided_by", user), ("decided_at", now), ("decision_reason", reason)]
            )
            guard let model = try await ApprovalModel.find(id, on: tx) else { throw LiaisonError(.notFound, "No approval \(id).") }
            guard decided else {
                throw LiaisonError(.conflict, "Approval \(id) was already decided (\(model.state)) by \(model.decidedBy ?? "someone").")
            }
            try await AuditStore.record([audit], at: now, on: tx)
            return Self.record(model)
        }
    }

    /// Notes what releasing an approved request produced.
    package func setOutcome(_ id: String, _ outcome: String) async throws {
        try await database.writing { db in
            guard let model = try await ApprovalModel.find(id, on: db) else { return }
            model.outcome = outcome
            try await model.save(on: db)
        }
    }

    static func record(_ model: ApprovalModel) -> ApprovalRecord {
        var record = ApprovalRecord(
            id: model.id!, kind: model.kind, summary: model.summary, requester: model.requester,  // checked: a row loaded from the database has its primary key
            requesterRole: Role(rawValue: model.requesterRole) ?? .investigator, requestedAt: model.requestedAt, dueAt: model.dueAt,
            approverRole: Role(rawValue: model.approverRole) ?? .supervisor, reasons: model.reasonsJSON, justification: model.justification,
            caseRef: model.caseRef, purpose: model.purpose, recipients: model.recipients.split(separator: ",").map(String.init), payload: model.payloadJSON
        )
        record.state = ApprovalRecord.State(rawValue: model.state) ?? .pending
        record.decidedBy = model.decidedBy
        record.decidedAt = model.decidedAt
        record.decisionReason = model.decisionReason
        record.outcome = model.outcome
        return record
    }
}
