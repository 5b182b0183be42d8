import FluentKit
public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A partner node this node trusts, pinned by its identity document.
public struct PartnerRecord: Sendable, Equatable {
    public var identity: IdentityDocument
    public var addedAt: Date
    public var addedBy: String

    public init(identity: IdentityDocument, addedAt: Date, addedBy: String) {
        self.identity = identity
        self.addedAt = addedAt
        self.addedBy = addedBy
    }
}

/// A cooperation agreement as this node holds it.
public struct AgreementRecord: Sendable, Equatable {
    public var agreement: Agreement
    public var importedAt: Date
    public var revokedAt: Date?
    public var revocationReason: String?

    /// Revoked agreements never cover a flow; expired ones stop by their own dates.
    public var isRevoked: Bool { revokedAt != nil }
}

/// Persistence of partners and agreements.
public struct FederationStore: Sendable {
    package let database: LiaisonDatabase

    public init(database: LiaisonDatabase) {
        self.database = database
    }

    private var db: any Database { get throws { try database.database } }


    // MARK: Partners

    /// Pins a partner. - Throws: ``LiaisonError`` `.conflict` when the agency is already a partner.
    public func addPartner(_ identity: IdentityDocument, by user: String, at now: Date) async throws {
        if try await PartnerModel.find(identity.agencyCode, on: try db) != nil {
            throw LiaisonError(.conflict, "\(identity.agencyCode) is already a partner; remove it first to pin new keys")
        }
        let model = PartnerModel()
        model.id = identity.agencyCode
        model.identityJSON = String(decoding: try JSON.encoder.encode(identity), as: UTF8.self)
        model.addedAt = now
        model.addedBy = user
        try await database.writing { try await model.create(on: $0) }
        database.invalidate(Self.partnersKey)
    }

    public func partners() async throws -> [PartnerRecord] {
        try await database.cached(Self.partnersKey) {
            try await PartnerModel.query(on: try db).sort(\.$id).all().map(Self.record)
        }
    }

    public func partner(_ agencyCode: String) async throws -> PartnerRecord? {
        let code = agencyCode.uppercased()
        return try await partners().first { $0.identity.agencyCode == code }
    }

    static let partnersKey = "partners"
    static let agreementsKey = "agreements"

    /// Unpins a partner. - Throws: ``LiaisonError`` `.notFound` when it is not a partner.
    public func removePartner(_ agencyCode: String) async throws {
        guard let model = try await PartnerModel.find(agencyCode.uppercased(), on: try db) else {
            throw LiaisonError(.notFound, "\(agencyCode.uppercased()) is not a partner of this node")
        }
        try await database.writing { try await model.delete(on: $0) }
        database.invalidate(Self.partnersKey)
    }

    static func record(_ model: PartnerModel) throws -> PartnerRecord {
        PartnerRecord(identity: try JSON.decoder.decode(IdentityDocument.self, from: Data(model.identityJSON.utf8)), addedAt: model.addedAt, addedBy: model.addedBy)
    }

    // MARK: Agreements

    /// Imports an agreement. - Throws: ``LiaisonError`` `.conflict` when one with the same id exists.
    public func addAgreement(_ agreement: Agreement, at now: Date) async throws {
        if try await AgreementModel.find(agreement.id, on: try db) != nil {
            throw LiaisonError(.conflict, "an agreement with id \(agreement.id) already exists; agreements are immutable, import a new one with a new id")
        }
        let model = AgreementModel()
        model.id = agreement.id
        model.documentJSON = String(decoding: try JSON.encoder.encode(agreement), as: UTF8.self)
        model.importedAt = now
        try await database.writing { try await model.create(on: $0) }
        database.invalidate(Self.agreementsKey)
    }

    public func agreements() async throws -> [AgreementRecord] {
        try await database.cached(Self.agreementsKey) {
            try await AgreementModel.query(on: try db).sort(\.$id).all().map(Self.record)
        }
    }

    public func agreement(_ id: String) async throws -> AgreementRecord? {
        try await AgreementModel.find(id, on: try db).map(Self.record)
    }

    /// Revokes an agreement with a reason; from then on it covers nothing.
    public func revokeAgreement(_ id: String, reason: String, at now: Date) async throws -> AgreementRecord {
        guard let model = try await AgreementModel.find(id, on: try db) else {
            throw LiaisonError(.notFound, "no agreement with id \(id)")
        }
        guard model.revokedAt == nil else {
            throw LiaisonError(.conflict, "agreement \(id) was already revoked")
        }
        model.revokedAt = now
        model.revocationReason = reason
        try await database.writing { try await model.update(on: $0) }
        database.invalidate(Self.agreementsKey)
        return try Self.record(model)
    }

    static func record(_ model: AgreementModel) throws -> AgreementRecord {
        AgreementRecord(
            agreement: try JSON.decoder.decode(Agreement.self, from: Data(model.documentJSON.utf8)),
            importedAt: model.importedAt, revokedAt: model.revokedAt, revocationReason: model.revocationReason
        )
    }
}
