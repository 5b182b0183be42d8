import Foundation
package import LiaisonCore
import LiaisonCrypto
package import LiaisonStore

/// Partners and agreements: the rules shared by the API, the web UI and the CLI.
package struct FederationAdministration: Sendable {
    let store: FederationStore
    let ownAgencyCode: String
    let clock: any WallClock

    package init(store: FederationStore, ownAgencyCode: String, clock: any WallClock) {
        self.store = store
        self.ownAgencyCode = ownAgencyCode
        self.clock = clock
    }

    /// Pins a partner from its identity document.
    /// - Parameters:
    ///   - confirmedFingerprint: the signing-key fingerprint the administrator compared out of band;
    ///     it must equal the document's. `nil` only where the caller already asked a person (the CLI prompt).
    /// - Throws: ``LiaisonError`` for a malformed or altered document, this node's own identity, a
    ///   fingerprint that does not match, or an agency that is already a partner.
    package func addPartner(_ identity: IdentityDocument, confirmedFingerprint: String?, by actor: String) async throws {
        _ = try PartnerKeys(identity: identity)
        guard identity.agencyCode != ownAgencyCode else {
            throw LiaisonError(.invalidInput, "this is this node's own identity document, not a partner's")
        }
        if let confirmedFingerprint {
            let normalise = { (text: String) in text.uppercased().filter { $0.isHexDigit } }
            guard normalise(confirmedFingerprint) == normalise(identity.signingKey.fingerprint) else {
                throw LiaisonError(.invalidInput, "confirmedFingerprint does not match the document's signing-key fingerprint; do not add this partner until the fingerprints agree")
            }
        }
        try await store.addPartner(identity, by: actor, at: clock.now())
        try await record(.partnerAdded, by: actor, subject: "partner:\(identity.agencyCode)", details: ["signingKeyFingerprint": identity.signingKey.fingerprint])
    }

    /// Unpins a partner.
    package func removePartner(_ agencyCode: String, by actor: String) async throws {
        try await store.removePartner(agencyCode)
        try await record(.partnerRemoved, by: actor, subject: "partner:\(agencyCode)")
    }

    private func record(_ operation: AuditOperation, by actor: String, subject: String, details: [String: String]? = nil) async throws {
        let now = clock.now()
        try await AuditStore(database: store.database).record([AuditEvent(time: now, operation: operation, actor: actor, subject: subject, details: details)], at: now)
    }

    /// Imports an agreement to which this node is a party.
    package func importAgreement(_ agreement: Agreement, by actor: String) async throws {
        var normalised = agreement
        normalised.parties = agreement.parties.map { $0.uppercased() }
        try normalised.validate()
        guard normalised.parties.contains(ownAgencyCode) else {
            throw LiaisonError(.invalidInput, "parties: this node (\(ownAgencyCode)) is not a party to agreement \(agreement.id)")
        }
        try await store.addAgreement(normalised, at: clock.now())
        try await record(.agreementAdded, by: actor, subject: "agreement:\(agreement.id)", details: ["parties": normalised.parties.joined(separator: ","), "legalBasis": agreement.legalBasis])
    }

    /// Revokes an agreement with a reason.
    package func revokeAgreement(_ id: String, reason: String, by actor: String) async throws -> AgreementRecord {
        guard !reason.allSatisfy(\.isWhitespace) else {
            throw LiaisonError(.invalidInput, "reason: give the reason for revoking the agreement")
        }
        let record = try await store.revokeAgreement(id, reason: reason, at: clock.now())
        try await self.record(.agreementRevoked, by: actor, subject: "agreement:\(id)", details: ["reason": reason])
        return record
    }
}

/// An agreement as the API and UI show it: the document, its status now, and any revocation.
struct AgreementView: Encodable {
    var agreement: Agreement
    var status: Agreement.Status
    var importedAt: Date
    var revokedAt: Date?
    var revocationReason: String?

    init(_ record: AgreementRecord, now: Date) {
        agreement = record.agreement
        status = record.agreement.status(at: now, revoked: record.isRevoked)
        importedAt = record.importedAt
        revokedAt = record.revokedAt
        revocationReason = record.revocationReason
    }

    enum CodingKeys: String, CodingKey {
        case id, parties, legalBasis, purposes, dataCategories, dataSubjectCategories, hitNoHitOnly, validFrom, validUntil, impactAssessmentRef, postQuantum
        case hitQueriesPerMinute
        case status, importedAt, revokedAt, revocationReason
    }

    func encode(to encoder: any Encoder) throws {
        try agreement.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(importedAt, forKey: .importedAt)
        try container.encodeIfPresent(revokedAt, forKey: .revokedAt)
        try container.encodeIfPresent(revocationReason, forKey: .revocationReason)
    }
}

/// A partner as the API shows it.
struct PartnerView: Encodable {
    var identity: IdentityDocument
    var addedAt: Date
    var addedBy: String

    init(_ record: PartnerRecord) {
        identity = record.identity
        addedAt = record.addedAt
        addedBy = record.addedBy
    }
}
