import FluentKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

final class PartnerModel: Model, @unchecked Sendable {
    static let schema = "partners"

    @ID(custom: "agency_code", generatedBy: .user) var id: String?
    @Field(key: "identity_json") var identityJSON: String
    @Field(key: "added_at") var addedAt: Date
    @Field(key: "added_by") var addedBy: String

    init() {}
}

final class AgreementModel: Model, @unchecked Sendable {
    static let schema = "agreements"

    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "document_json") var documentJSON: String
    @Field(key: "imported_at") var importedAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    @OptionalField(key: "revocation_reason") var revocationReason: String?

    init() {}
}

struct CreatePartnersAndAgreements: AsyncMigration {
    var name: String { "0003-create-partners-and-agreements" }

    func prepare(on database: any Database) async throws {
        try await database.schema(PartnerModel.schema)
            .field("agency_code", .string, .identifier(auto: false))
            .field("identity_json", .string, .required)
            .field("added_at", .datetime, .required)
            .field("added_by", .string, .required)
            .create()
        try await database.schema(AgreementModel.schema)
            .field("id", .string, .identifier(auto: false))
            .field("document_json", .string, .required)
            .field("imported_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .field("revocation_reason", .string)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AgreementModel.schema).delete()
        try await database.schema(PartnerModel.schema).delete()
    }
}
