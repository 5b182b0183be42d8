import FluentKit
package import LiaisonCore
import SQLKit

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// A JIT space: the agreement's signed document as the proposer sent it.
final class JITSpaceModel: Model, @unchecked Sendable {
    static let schema = "jit_spaces"
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "name") var name: String
    /// The agreement's canonical JSON, base64 (``SignedJITAgreement/document``).
    @Field(key: "document") var document: String
    @Field(key: "proposed_by") var proposedBy: String
    @Field(key: "stored_at") var storedAt: Date
    init() {}
}

/// A party's signature of a JIT agreement, verified before it is stored.
final class JITSignatureModel: Model, @unchecked Sendable {
    static let schema = "jit_signatures"
    /// `<space>|<agency>`: one signature a party.
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "space_id") var spaceID: String
    @Field(key: "agency") var agency: String
    @Field(key: "signature") var signature: String
    @Field(key: "stored_at") var storedAt: Date
    init() {}
}

/// A contribution as its author's node signed it, verified before it is stored.
final class JITContributionModel: Model, @unchecked Sendable {
    static let schema = "jit_contributions"
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "space_id") var spaceID: String
    @Field(key: "author") var author: String
    @Field(key: "sequence") var sequence: Int
    @Field(key: "kind") var kind: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "document") var document: String
    @Field(key: "signature") var signature: String
    @Field(key: "stored_at") var storedAt: Date
    init() {}
}

/// JIT spaces, their signatures and contributions (migration 0022).
struct CreateJITSpaces: AsyncMigration {
    var name: String { "0022-create-jit-spaces" }

    func prepare(on database: any Database) async throws {
        try await database.schema(JITSpaceModel.schema)
            .field("id", .string, .identifier(auto: false)).field("name", .string, .required).field("document", .string, .required)
            .field("proposed_by", .string, .required).field("stored_at", .datetime, .required)
            .create()
        try await database.schema(JITSignatureModel.schema)
            .field("id", .string, .identifier(auto: false)).field("space_id", .string, .required).field("agency", .string, .required)
            .field("signature", .string, .required).field("stored_at", .datetime, .required)
            .create()
        try await database.schema(JITContributionModel.schema)
            .field("id", .string, .identifier(auto: false)).field("space_id", .string, .required).field("author", .string, .required)
            .field("sequence", .int, .required).field("kind", .string, .required).field("created_at", .datetime, .required)
            .field("document", .string, .required).field("signature", .string, .required).field("stored_at", .datetime, .required)
            .unique(on: "space_id", "author", "sequence")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(JITContributionModel.schema).delete()
        try await database.schema(JITSignatureModel.schema).delete()
        try await database.schema(JITSpaceModel.schema).delete()
    }
}

/// A stored contribution, signed as its author sent it.
package struct StoredJITContribution: Sendable, Equatable {
    package var id: String
    package var author: String
    package var sequence: Int
    package var document: String
    package var signature: String
}

/// JIT spaces: what each member node holds of a space — the agreement, the signatures, every
/// member's contributions. Everything stored here was verified first; the store only keeps it,
/// once.
package struct JITStore: Sendable {
    let database: LiaisonDatabase

    package init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }

    /// Stores an agreement's document once (a second copy of the same space is ignored).
    /// - Returns: whether it was new.
    @discardableResult
    package func saveSpace(id: String, name: String, document: String, proposedBy: String, audit: [AuditEvent], at now: Date) async throws -> Bool {
        try await database.transaction { tx in
            if let existing = try await JITSpaceModel.find(id, on: tx) {
                guard existing.document == document else { throw LiaisonError(.conflict, "JIT space \(id) exists with another agreement.") }
                return false
            }
            let model = JITSpaceModel()
            model.id = id
            model.name = name
            model.document = document
            model.proposedBy = proposedBy
            model.storedAt = now
            try await model.create(on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
            return true
        }
    }

    /// The spaces this node holds: id, name, document.
    package func spaces() async throws -> [(id: String, name: String, document: String)] {
        try await JITSpaceModel.query(on: try db).sort(\.$storedAt, .descending).all().map { ($0.id!, $0.name, $0.document) }  // checked: a row loaded from the database has its primary key
    }

    package func space(_ id: String) async throws -> (name: String, document: String)? {
        try await JITSpaceModel.find(id, on: try db).map { ($0.name, $0.document) }
    }

    /// Stores a verified signature once.
    /// - Returns: whether it was new.
    @discardableResult
    package func saveSignature(space: String, agency: String, signature: String, audit: [AuditEvent], at now: Date) async throws -> Bool {
        try await database.transaction { tx in
            guard try await JITSignatureModel.find("\(space)|\(agency)", on: tx) == nil else { return false }
            let model = JITSignatureModel()
            model.id = "\(space)|\(agency)"
            model.spaceID = space
            model.agency = agency
            model.signature = signature
            model.storedAt = now
            try await model.create(on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
            return true
        }
    }

    /// Agency → signature.
    package func signatures(space: String) async throws -> [String: String] {
        Dictionary(try await JITSignatureModel.query(on: try db).filter(\.$spaceID == space).all().map { ($0.agency, $0.signature) }) { first, _ in first }
    }

    /// Stores a verified contribution once.
    /// - Returns: whether it was new.
    /// - Throws: ``LiaisonError`` `.conflict` when the author's position holds another contribution
    ///   (an author that signs two versions of one position is not to be trusted, and nothing is
    ///   replaced).
    @discardableResult
    package func saveContribution(
        space: String, id: String, author: String, sequence: Int, kind: String, createdAt: Date, document: String, signature: String,
        audit: [AuditEvent], at now: Date
    ) async throws -> Bool {
        try await database.transaction { tx in
            if let existing = try await JITContributionModel.query(on: tx).filter(\.$spaceID == space).filter(\.$author == author).filter(\.$sequence == sequence).first() {
                guard existing.id == id, existing.document == document else {
                    throw LiaisonError(.conflict, "\(author)'s contribution \(sequence) in space \(space) is already another one.")
                }
                return false
            }
            let model = JITContributionModel()
            model.id = id
            model.spaceID = space
            model.author = author
            model.sequence = sequence
            model.kind = kind
            model.createdAt = createdAt
            model.document = document
            model.signature = signature
            model.storedAt = now
            try await model.create(on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
            return true
        }
    }

    /// The highest sequence stored for each author of a space.
    package func highest(space: String) async throws -> [String: Int] {
        let rows = try await db.sql.raw("""
            SELECT author, MAX(sequence) AS highest FROM \(ident: JITContributionModel.schema) WHERE space_id = \(bind: space) GROUP BY author
            """).all()
        var highest: [String: Int] = [:]
        for row in rows { highest[try row.decode(column: "author", as: String.self)] = try row.decode(column: "highest", as: Int.self) }
        return highest
    }

    /// A space's contributions in (author, sequence) order; with `after`, only those past each
    /// author's given sequence.
    package func contributions(space: String, after: [String: Int] = [:], limit: Int = 100_000) async throws -> [StoredJITContribution] {
        try await JITContributionModel.query(on: try db).filter(\.$spaceID == space).sort(\.$author).sort(\.$sequence).all()
            .filter { $0.sequence > (after[$0.author] ?? 0) }
            .prefix(limit)
            .map { StoredJITContribution(id: $0.id!, author: $0.author, sequence: $0.sequence, document: $0.document, signature: $0.signature) }  // checked: a row loaded from the database has its primary key
    }
}
