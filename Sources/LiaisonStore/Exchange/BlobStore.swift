import Crypto
import FluentKit
package import LiaisonCore

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

final class BlobModel: Model, @unchecked Sendable {
    static let schema = "blobs"

    /// Lower-case hex SHA-256 of the content.
    @ID(custom: "sha256", generatedBy: .user) var id: String?
    @Field(key: "content") var content: Data
    @Field(key: "size") var size: Int
    @Field(key: "stored_at") var storedAt: Date

    init() {}
}

struct CreateBlobs: AsyncMigration {
    var name: String { "0006-create-blobs" }

    func prepare(on database: any Database) async throws {
        try await database.schema(BlobModel.schema)
            .field("sha256", .string, .identifier(auto: false))
            .field("content", .data, .required)
            .field("size", .int, .required)
            .field("stored_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(BlobModel.schema).delete()
    }
}

/// Content-addressed attachment storage in the database (so that any replica can serve it).
package struct BlobStore: Sendable {
    let database: LiaisonDatabase

    package init(database: LiaisonDatabase) {
        self.database = database
    }

    /// Lower-case hex SHA-256.
    package static func address(of content: Data) -> String {
        SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined()
    }

    /// Stores content under its SHA-256 (storing the same content twice keeps one copy).
    /// - Returns: the address.
    @discardableResult
    package func put(_ content: Data, at now: Date) async throws -> String {
        let address = Self.address(of: content)
        let db = try database.database
        if try await BlobModel.find(address, on: db) != nil { return address }
        let model = BlobModel()
        model.id = address
        model.content = content
        model.size = content.count
        model.storedAt = now
        do {
            try await database.writing { try await model.create(on: $0) }
        } catch {
            // The same content stored concurrently is the same blob.
            if try await BlobModel.find(address, on: db) == nil { throw error }
        }
        return address
    }

    package func get(_ address: String) async throws -> Data? {
        try await BlobModel.find(address.lowercased(), on: try database.database)?.content
    }
}
