import FluentKit
package import LiaisonCore
import SQLKit

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

final class LegalHoldModel: Model, @unchecked Sendable {
    static let schema = "legal_holds"
    @ID(custom: "id", generatedBy: .user) var id: String?
    @OptionalField(key: "case_ref") var caseRef: String?
    @OptionalField(key: "subject") var subject: String?
    @Field(key: "reason") var reason: String
    @Field(key: "until") var until: Date
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "released_by") var releasedBy: String?
    @OptionalField(key: "released_at") var releasedAt: Date?
    init() {}
}

struct AddRetention: AsyncMigration {
    var name: String { "0012-add-retention" }

    func prepare(on database: any Database) async throws {
        try await database.schema(MessageModel.schema).field("delete_at", .datetime).update()
        try await database.schema(LegalHoldModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("case_ref", .string).field("subject", .string).field("reason", .string, .required)
            .field("until", .datetime, .required).field("created_by", .string, .required).field("created_at", .datetime, .required)
            .field("released_by", .string).field("released_at", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(LegalHoldModel.schema).delete()
        try await database.schema(MessageModel.schema).deleteField("delete_at").update()
    }
}

/// A stored message whose retention period has ended (or ends soon).
package struct RetentionCandidate: Sendable, Equatable {
    package var messageID: String
    package var box: MessageRecord.Box
    package var subject: String
    package var caseRef: String?
    package var deleteAt: Date
    /// Partners that received it (delivered), to be told to erase their copies.
    package var recipients: [String]
}

/// What the retention sweep reads and changes: messages past their period, screening results to
/// anonymise, legal holds.
package struct RetentionStore: Sendable {
    let database: LiaisonDatabase

    package init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    /// Messages whose retention ends before `date`, soonest first. Rows stored before migration
    /// 0012 have no date: they count from their creation with `legacyDays`.
    package func messagesDue(before date: Date, legacyDays: Int, limit: Int = 10_000) async throws -> [RetentionCandidate] {
        let legacyCutoff = date.addingTimeInterval(-TimeInterval(legacyDays) * 86_400)
        let models = try await MessageModel.query(on: db)
            .group(.or) { group in
                group.filter(\.$deleteAt < date)
                group.group(.and) { legacy in legacy.filter(\.$deleteAt == nil).filter(\.$createdAt < legacyCutoff) }
            }
            .sort(\.$createdAt).limit(limit).all()
        var candidates: [RetentionCandidate] = []
        for model in models {
            let recipients = model.box == MessageRecord.Box.outbox.rawValue ? try await deliveredRecipients(of: model.id!) : []  // checked: a row loaded from the database has its primary key
            candidates.append(RetentionCandidate(
                messageID: model.id!, box: MessageRecord.Box(rawValue: model.box) ?? .inbox, subject: model.subject, caseRef: model.caseRef,  // checked: a row loaded from the database has its primary key
                deleteAt: model.deleteAt ?? model.createdAt.addingTimeInterval(TimeInterval(legacyDays) * 86_400), recipients: recipients
            ))
        }
        return candidates.sorted { $0.deleteAt < $1.deleteAt }
    }

    /// The partners a message of this node was delivered to.
    package func deliveredRecipients(of messageID: String) async throws -> [String] {
        try await DeliveryModel.query(on: db)
            .filter(\.$messageID == messageID).filter(\.$kind == DeliveryRecord.Kind.message.rawValue)
            .filter(\.$state == DeliveryRecord.State.delivered.rawValue).all().map(\.recipient).sorted()
    }

    /// Erases a message: the message, its deliveries and receipts, and attachment content no other
    /// message refers to; with its audit events, in one transaction.
    /// - Returns: whether there was anything to erase.
    @discardableResult
    package func erase(message id: String, audit: [AuditEvent], at now: Date) async throws -> Bool {
        try await database.transaction { tx in
            guard let model = try await MessageModel.find(id, on: tx) else { return false }
            let message = try MessageStore.record(model).message
            try await DeliveryModel.query(on: tx).filter(\.$messageID == id).delete()
            try await ReceivedEnvelopeModel.query(on: tx).filter(\.$messageID == id).delete()
            try await model.delete(on: tx)
            for attachment in message.attachments {
                let others = try await MessageModel.query(on: tx).filter(\.$documentJSON ~~ attachment.sha256).count()
                if others == 0 { try await BlobModel.query(on: tx).filter(\.$id == attachment.sha256).delete() }
            }
            try await AuditStore.record(audit, at: now, on: tx)
            return true
        }
    }

    /// Screening results screened before `date` that still carry names.
    package func screeningDue(before date: Date) async throws -> Int {
        try await ScreeningResultModel.query(on: db).filter(\.$screenedAt < date).filter(\.$matchedName != "").count()
    }

    /// Anonymises screening results screened before `date`: the query and the matched name go,
    /// the list, score, algorithm and decision stay. Their remembered clearances go with them.
    /// - Returns: how many results were anonymised.
    package func anonymiseScreening(before date: Date, audit: @escaping @Sendable (Int) -> AuditEvent, at now: Date) async throws -> Int {
        try await database.transaction { tx in
            let models = try await ScreeningResultModel.query(on: tx).filter(\.$screenedAt < date).filter(\.$matchedName != "").all()
            guard !models.isEmpty else { return 0 }
            for model in models {
                try await ScreeningClearanceModel.query(on: tx).filter(\.$resultID == model.id!).delete()  // checked: a row loaded from the database has its primary key
                model.queryJSON = Data("{}".utf8)
                model.inputKey = ""
                model.matchedName = ""
                model.explanationJSON = Data("{}".utf8)
                if model.reason != nil { model.reason = "(anonymised)" }
                try await model.save(on: tx)
            }
            try await AuditStore.record([audit(models.count)], at: now, on: tx)
            return models.count
        }
    }

    /// The evidence store on the same database (custody chains, for disposal).
    package var evidence: EvidenceStore { EvidenceStore(database: database) }

    /// Items of evidence registered before `date`, for review.
    package func evidenceRegistered(before date: Date) async throws -> [(id: String, caseRef: String, description: String, registeredAt: Date)] {
        try await EvidenceItemModel.query(on: db).filter(\.$registeredAt < date).sort(\.$registeredAt).all().map { model in
            let item = try JSON.decoder.decode(EvidenceItem.self, from: model.documentJSON)
            return (model.id!, model.caseRef, item.description, model.registeredAt)  // checked: a row loaded from the database has its primary key
        }
    }

    /// Anonymises decided approvals and data subjects' requests decided before `date`: the held
    /// message and the subject's name, identifiers, details and findings go; the decision stays.
    /// - Returns: how many records were anonymised.
    package func anonymiseDecided(before date: Date, audit: @escaping @Sendable (Int) -> AuditEvent, at now: Date) async throws -> Int {
        try await database.transaction { tx in
            var count = 0
            for model in try await ApprovalModel.query(on: tx).filter(\.$state != ApprovalRecord.State.pending.rawValue).filter(\.$decidedAt < date).all()
            where model.payloadJSON != Data("{}".utf8) {
                model.payloadJSON = Data("{}".utf8)
                model.summary = "(anonymised)"
                model.justification = "(anonymised)"
                try await model.save(on: tx)
                count += 1
            }
            for model in try await SubjectRequestModel.query(on: tx).filter(\.$state == SubjectRequest.State.decided.rawValue).all() {
                var request = try JSON.decoder.decode(SubjectRequest.self, from: model.documentJSON)
                guard let decided = request.decision?.decidedAt, decided < date, request.name != "(anonymised)" else { continue }
                request.name = "(anonymised)"
                request.birthDate = nil
                request.identifiers = []
                request.details = ""
                model.documentJSON = try JSON.encoder.encode(request)
                model.findingsJSON = nil
                try await model.save(on: tx)
                count += 1
            }
            if count > 0 { try await AuditStore.record([audit(count)], at: now, on: tx) }
            return count
        }
    }

    // MARK: Legal holds

    package func holds(includeEnded: Bool = false, at now: Date) async throws -> [LegalHold] {
        let all = try await LegalHoldModel.query(on: db).sort(\.$createdAt, .descending).all().map(Self.hold)
        return includeEnded ? all : all.filter { $0.isActive(at: now) }
    }

    package func hold(_ id: String) async throws -> LegalHold? {
        try await LegalHoldModel.find(id, on: db).map(Self.hold)
    }

    package func place(_ hold: LegalHold, audit: AuditEvent, at now: Date) async throws {
        try await database.transaction { tx in
            let model = LegalHoldModel()
            model.id = hold.id
            model.caseRef = hold.caseRef
            model.subject = hold.subject
            model.reason = hold.reason
            model.until = hold.until
            model.createdBy = hold.createdBy
            model.createdAt = hold.createdAt
            try await model.create(on: tx)
            try await AuditStore.record([audit], at: now, on: tx)
        }
    }

    /// - Throws: ``LiaisonError`` `.notFound`, or `.conflict` when already released.
    package func release(_ id: String, by user: String, audit: AuditEvent, at now: Date) async throws -> LegalHold {
        try await database.transaction { tx in
            let released = try await tx.compareAndSet(
                table: LegalHoldModel.schema, id: id, column: "released_at", expected: nil, values: [("released_by", user), ("released_at", now)]
            )
            guard let model = try await LegalHoldModel.find(id, on: tx) else { throw LiaisonError(.notFound, "No legal hold \(id).") }
            guard released else { throw LiaisonError(.conflict, "Legal hold \(id) was already released by \(model.releasedBy ?? "someone").") }
            try await AuditStore.record([audit], at: now, on: tx)
            return Self.hold(model)
        }
    }

    static func hold(_ model: LegalHoldModel) -> LegalHold {
        var hold = LegalHold(
            id: model.id!, caseRef: model.caseRef, subject: model.subject, reason: model.reason, until: model.until,  // checked: a row loaded from the database has its primary key
            createdBy: model.createdBy, createdAt: model.createdAt
        )
        hold.releasedBy = model.releasedBy
        hold.releasedAt = model.releasedAt
        return hold
    }
}
