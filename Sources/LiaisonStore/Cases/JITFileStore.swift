import FluentKit
package import LiaisonCore
import SQLKit

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// One chunk of a file shared in a JIT space, checked against its author's signed manifest
/// before it is stored.
final class JITFileChunkModel: Model, @unchecked Sendable {
    static let schema = "jit_file_chunks"
    /// `<file>|<index>`.
    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "space_id") var spaceID: String
    @Field(key: "file_id") var fileID: String
    /// The agency whose member uploaded the file.
    @Field(key: "author") var author: String
    @Field(key: "idx") var index: Int
    @Field(key: "sha256") var sha256: String
    @Field(key: "size") var size: Int
    @Field(key: "content") var content: Data
    @Field(key: "stored_at") var storedAt: Date
    init() {}
}

/// The disposition applied to a space when its period ended.
final class JITDispositionModel: Model, @unchecked Sendable {
    static let schema = "jit_dispositions"
    @ID(custom: "space_id", generatedBy: .user) var id: String?
    @Field(key: "disposition") var disposition: String
    @Field(key: "applied_at") var appliedAt: Date
    init() {}
}

/// JIT files in chunks and dispositions (migration 0023).
struct CreateJITFiles: AsyncMigration {
    var name: String { "0023-create-jit-files" }

    func prepare(on database: any Database) async throws {
        try await database.schema(JITFileChunkModel.schema)
            .field("id", .string, .identifier(auto: false)).field("space_id", .string, .required).field("file_id", .string, .required)
            .field("author", .string, .required).field("idx", .int, .required).field("sha256", .string, .required).field("size", .int, .required)
            .field("content", .data, .required).field("stored_at", .datetime, .required)
            .create()
        try await (database as? any SQLDatabase)?.raw("CREATE INDEX jit_file_chunks_by_space ON jit_file_chunks (space_id, author)").run()
        try await database.schema(JITDispositionModel.schema)
            .field("space_id", .string, .identifier(auto: false)).field("disposition", .string, .required).field("applied_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(JITDispositionModel.schema).delete()
        try await database.schema(JITFileChunkModel.schema).delete()
    }
}

/// The content of JIT files, chunk by chunk, and the dispositions applied at the end.
extension JITStore {
    /// Stores a chunk once (the same chunk stored again is kept once).
    package func saveChunk(space: String, file: String, author: String, index: Int, sha256: String, content: Data, at now: Date) async throws {
        let id = "\(file)|\(index)"
        guard try await JITFileChunkModel.find(id, on: try database.database) == nil else { return }
        let model = JITFileChunkModel()
        model.id = id
        model.spaceID = space
        model.fileID = file
        model.author = author
        model.index = index
        model.sha256 = sha256
        model.size = content.count
        model.content = content
        model.storedAt = now
        do {
            try await database.writing { try await model.create(on: $0) }
        } catch {
            if try await JITFileChunkModel.find(id, on: try database.database) == nil { throw error }
        }
    }

    /// A chunk's content with the SHA-256 it was stored under.
    package func chunk(file: String, index: Int) async throws -> (sha256: String, content: Data)? {
        try await JITFileChunkModel.find("\(file)|\(index)", on: try database.database).map { ($0.sha256, $0.content) }
    }

    /// The indexes of a file's chunks this node holds.
    package func chunkIndexes(file: String) async throws -> Set<Int> {
        let rows = try await database.database.sql.raw("SELECT idx FROM \(ident: JITFileChunkModel.schema) WHERE file_id = \(bind: file)").all()
        return Set(try rows.map { try $0.decode(column: "idx", as: Int.self) })
    }

    /// Erases a file's chunks (an upload that was refused or abandoned).
    package func deleteChunks(file: String) async throws {
        try await database.writing { try await JITFileChunkModel.query(on: $0).filter(\.$fileID == file).delete() }
    }

    /// The bytes of file content a space holds.
    package func storedBytes(space: String) async throws -> Int {
        let row = try await database.database.sql.raw("SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS total FROM \(ident: JITFileChunkModel.schema) WHERE space_id = \(bind: space)").first()
        return try row?.decode(column: "total", as: Int.self) ?? 0
    }

    /// When a space's disposition was applied, if it was.
    package func disposition(space: String) async throws -> (disposition: String, appliedAt: Date)? {
        try await JITDispositionModel.find(space, on: try database.database).map { ($0.disposition, $0.appliedAt) }
    }

    /// Applies a space's disposition once, in one transaction with its audit event: with
    /// `eraseOthers`, the contributions of other members (except the kinds in `keeping`) and the
    /// content of their files are erased, so that each member keeps its own.
    /// - Returns: how many contributions were erased, or `nil` when it had been applied already.
    @discardableResult
    package func applyDisposition(
        space: String, disposition: String, eraseOthers: Bool, own: String, keeping: [String], audit: [AuditEvent], at now: Date
    ) async throws -> Int? {
        try await database.transaction { tx in
            guard try await JITDispositionModel.find(space, on: tx) == nil else { return nil }
            var erased = 0
            if eraseOthers {
                let doomed = try await JITContributionModel.query(on: tx).filter(\.$spaceID == space).filter(\.$author != own).filter(\.$kind !~ keeping).all()
                erased = doomed.count
                for model in doomed { try await model.delete(on: tx) }
                try await JITFileChunkModel.query(on: tx).filter(\.$spaceID == space).filter(\.$author != own).delete()
            }
            let model = JITDispositionModel()
            model.id = space
            model.disposition = disposition
            model.appliedAt = now
            try await model.create(on: tx)
            try await AuditStore.record(audit, at: now, on: tx)
            return erased
        }
    }

    /// A space's contributions of the given kinds.
    package func contributions(space: String, kinds: [String]) async throws -> [StoredJITContribution] {
        try await JITContributionModel.query(on: try database.database).filter(\.$spaceID == space).filter(\.$kind ~~ kinds).sort(\.$author).sort(\.$sequence).all()
            .map { StoredJITContribution(id: $0.id!, author: $0.author, sequence: $0.sequence, document: $0.document, signature: $0.signature) }  // checked: a row loaded from the database has its primary key
    }
}
