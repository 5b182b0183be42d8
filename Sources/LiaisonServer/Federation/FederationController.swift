import Foundation
import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// API routes for partners and agreements.
struct FederationController {
    let administration: FederationAdministration
    let store: FederationStore
    let configuration: NodeConfiguration

    struct NewPartner: Decodable {
        var identity: IdentityDocument
        /// The signing-key fingerprint the administrator compared out of band.
        var confirmedFingerprint: String
    }

    struct Revocation: Decodable {
        var reason: String
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v1/partners", access: .anyRole, surface: .api) { _, _ in
            try JSONBody.response(try await store.partners().map(PartnerView.init))
        }
        routes.on(.post, "/api/v1/partners", access: .administrators, surface: .api) { request, context in
            let body = try await JSONBody.decode(NewPartner.self, from: request, limit: configuration.maxBodyBytes)
            try await administration.addPartner(body.identity, confirmedFingerprint: body.confirmedFingerprint, by: AuditTrail.actor(context))
            let record = try await store.partner(body.identity.agencyCode)
            return try JSONBody.response(record.map(PartnerView.init), status: .created)
        }
        routes.on(.delete, "/api/v1/partners/:agencyCode", access: .administrators, surface: .api) { _, context in
            try await administration.removePartner(try context.parameters.require("agencyCode"), by: AuditTrail.actor(context))
            return Response(status: .noContent)
        }
        routes.on(.get, "/api/v1/agreements", access: .anyRole, surface: .api) { _, _ in
            let now = configuration.clock.now()
            return try JSONBody.response(try await store.agreements().map { AgreementView($0, now: now) })
        }
        routes.on(.get, "/api/v1/agreements/:id", access: .anyRole, surface: .api) { _, context in
            let id = try context.parameters.require("id")
            guard let record = try await store.agreement(id) else {
                throw LiaisonError(.notFound, "No agreement with id \(id).")
            }
            return try JSONBody.response(AgreementView(record, now: configuration.clock.now()))
        }
        routes.on(.post, "/api/v1/agreements", access: .administrators, surface: .api) { request, context in
            let agreement = try await JSONBody.decode(Agreement.self, from: request, limit: configuration.maxBodyBytes)
            try await administration.importAgreement(agreement, by: AuditTrail.actor(context))
            let record = try await store.agreement(agreement.id)
            return try JSONBody.response(record.map { AgreementView($0, now: configuration.clock.now()) }, status: .created)
        }
        routes.on(.post, "/api/v1/agreements/:id/revoke", access: .administrators, surface: .api) { request, context in
            let body = try await JSONBody.decode(Revocation.self, from: request, limit: configuration.maxBodyBytes)
            let record = try await administration.revokeAgreement(try context.parameters.require("id"), reason: body.reason, by: AuditTrail.actor(context))
            return try JSONBody.response(AgreementView(record, now: configuration.clock.now()))
        }
    }
}
