import Crypto
import Foundation
import Hummingbird
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
import LiaisonStore
import NIOCore

/// Evidence routes, for the roles that handle case information.
struct EvidenceController {
    let service: EvidenceService
    let packages: EvidencePackageBuilder
    let transfers: EvidenceTransferService
    let safeguards: SafeguardsService
    let configuration: NodeConfiguration

    struct EventView: Encodable {
        var sequence: Int
        var action: CustodyAction
        var actor: String
        var node: String
        var time: Date
        var place: String
        var purpose: String
        var recipient: String?
        /// SHA-256 of the signed event bytes.
        var hash: String
        var signed: SignedCustodyEvent
    }

    struct TransferView: Encodable {
        var item: ItemView
        /// The message that carries the package to the partner.
        var messageId: String
    }

    struct ItemView: Encodable {
        var item: EvidenceItem
        var registeredAt: Date
        var hasContent: Bool
        var custody: [EventView]?
    }

    static func view(_ signed: SignedCustodyEvent, event: CustodyEvent) -> EventView {
        return EventView(
            sequence: event.sequence, action: event.action, actor: event.actor, node: event.node, time: event.time, place: event.place,
            purpose: event.purpose, recipient: event.recipient, hash: signed.hash, signed: signed
        )
    }

    func itemView(_ id: String) async throws -> ItemView {
        guard let record = try await service.store.item(id) else { throw LiaisonError(.notFound, "No evidence item \(id).") }
        var custody: [EventView] = []
        for signed in try await service.custody(id) { custody.append(Self.view(signed, event: try await service.verified(signed))) }
        return ItemView(item: record.item, registeredAt: record.registeredAt, hasContent: record.hasContent, custody: custody)
    }

    func register(on routes: RouteTable) {
        let handlers = AccessRule.caseHandlers
        routes.on(.get, "/api/v1/evidence", access: handlers, surface: .api) { _, _ in
            try JSONBody.response(try await service.store.items().map { ItemView(item: $0.item, registeredAt: $0.registeredAt, hasContent: $0.hasContent, custody: nil) })
        }
        routes.on(.post, "/api/v1/evidence", access: handlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(EvidenceService.Registration.self, from: request, limit: configuration.maxBodyBytes)
            let record = try await service.register(body, by: AuditTrail.actor(context))
            return try JSONBody.response(try await itemView(record.item.id), status: .created)
        }
        routes.on(.get, "/api/v1/evidence/:id", access: handlers, surface: .api, audited: .evidenceRead) { _, context in
            let id = try context.parameters.require("id")
            try await safeguards.authoriseEvidence(id, store: service.store, action: .read, principal: context.principal, actor: AuditTrail.actor(context))
            return try JSONBody.response(try await itemView(id))
        }
        routes.on(.put, "/api/v1/evidence/:id/content", access: handlers, surface: .api) { request, context in
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: EvidenceService.maximumContentBytes)
            } catch {
                throw LiaisonError(.bodyTooLarge, "An evidence file may be at most 50 MB.")
            }
            let id = try context.parameters.require("id")
            let name = request.uri.queryParameters.get("name") ?? "evidence.bin"
            let mediaType = request.headers[.contentType] ?? "application/octet-stream"
            _ = try await service.storeContent(id, content: Data(buffer.readableBytesView), name: name, mediaType: mediaType, by: AuditTrail.actor(context))
            return try JSONBody.response(try await itemView(id))
        }
        routes.on(.get, "/api/v1/evidence/:id/content", access: handlers, surface: .api, audited: .evidenceRead) { _, context in
            let id = try context.parameters.require("id")
            try await safeguards.authoriseEvidence(id, store: service.store, action: .read, principal: context.principal, actor: AuditTrail.actor(context))
            let (file, content) = try await service.content(id)
            return Response(
                status: .ok,
                headers: [.contentType: file.mediaType, .contentDisposition: "attachment; filename=\"\(EvidencePackageBuilder.safeName(file.name))\""],
                body: .init(byteBuffer: ByteBuffer(bytes: content))
            )
        }
        routes.on(.post, "/api/v1/evidence/:id/events", access: handlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(EvidenceService.NewEvent.self, from: request, limit: configuration.maxBodyBytes)
            let signed = try await service.addEvent(try context.parameters.require("id"), body, by: AuditTrail.actor(context))
            return try JSONBody.response(Self.view(signed, event: try await service.verified(signed)), status: .created)
        }
        routes.on(.post, "/api/v1/evidence/:id/transfer", access: handlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(EvidenceTransferService.Request.self, from: request, limit: configuration.maxBodyBytes)
            let id = try context.parameters.require("id")
            let message = try await transfers.transfer(id, body, by: AuditTrail.actor(context), principal: context.principal)
            return try JSONBody.response(TransferView(item: try await itemView(id), messageId: message.message.id), status: .created)
        }
        routes.on(.get, "/api/v1/evidence/:id/package", access: handlers, surface: .api, audited: .evidenceExported) { _, context in
            let id = try context.parameters.require("id")
            try await safeguards.authoriseEvidence(id, store: service.store, action: .export, principal: context.principal, actor: AuditTrail.actor(context))
            let package = try await packages.build(id)
            return Response(
                status: .ok,
                headers: [.contentType: "application/zip", .contentDisposition: "attachment; filename=\"evidence-\(id).zip\""],
                body: .init(byteBuffer: ByteBuffer(bytes: package))
            )
        }
    }
}

