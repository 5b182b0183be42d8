import Foundation
import Hummingbird
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
import LiaisonStore
import Logging

/// A message as the API shows it, with the state of each delivery.
struct MessageView: Encodable {
    struct Delivery: Encodable {
        var recipient: String
        /// `queued`, `delivered`, `read` or `failed`.
        var state: String
        var attempts: Int
        var lastError: String?
        var deliveredAt: Date?
        var readAt: Date?
        /// The recipient's signed delivery receipt, verified when it arrived.
        var receipt: SignedReceipt?
    }

    var message: Message
    var box: String
    var readAt: Date?
    var deliveries: [Delivery]?

    init(_ record: MessageRecord, deliveries: [DeliveryRecord]? = nil) {
        message = record.message
        box = record.box.rawValue
        readAt = record.readAt
        self.deliveries = deliveries.map(Self.deliveries)
    }

    private static func deliveries(_ deliveries: [DeliveryRecord]) -> [Delivery] {
        deliveries.filter { $0.kind == .message }.map { delivery in
            Delivery(
                recipient: delivery.recipient,
                state: delivery.readAt != nil ? "read" : delivery.state.rawValue,
                attempts: delivery.attempts, lastError: delivery.lastError, deliveredAt: delivery.deliveredAt, readAt: delivery.readAt,
                receipt: delivery.receiptJSON.flatMap { try? JSON.decoder.decode(SignedReceipt.self, from: Data($0.utf8)) }
            )
        }
    }

    enum CodingKeys: String, CodingKey { case box, readAt, deliveries }

    /// The view of a message not yet read here, written around its stored JSON document instead of
    /// encoding the message again: the same members as ``encode(to:)`` writes (in another order).
    static func json(document: Data, box: MessageRecord.Box, deliveries: [DeliveryRecord]) throws -> Data {
        guard document.count > 2, document.last == UInt8(ascii: "}") else {
            throw LiaisonError(.invalidInput, "a stored message document must be a JSON object")
        }
        var json = document.dropLast()
        // A box's name is a plain word: nothing to escape.
        json += Data(#","box":""#.utf8) + Data(box.rawValue.utf8) + Data(#"","deliveries":"#.utf8)
        json += try Self.json(MessageView.deliveries(deliveries))
        json.append(UInt8(ascii: "}"))
        return json
    }

    /// Deliveries as the encoder writes them (slashes escaped, absent members omitted), written
    /// directly: every send answers with its queued deliveries. Dates outside the years the
    /// writer spells are left to the encoder.
    static func json(_ deliveries: [Delivery]) throws -> Data {
        let dates = deliveries.flatMap { [$0.deliveredAt, $0.readAt] }
        return try CanonicalJSONWriter.document(deliveries, as: JSON.encoder, dates: dates, capacity: deliveries.count * 128 + 2) { json in
            json.beginArray()
            for delivery in deliveries {
                json.beginObject()
                json.key("attempts")
                json.integer(delivery.attempts)
                json.member("deliveredAt", delivery.deliveredAt)
                json.member("lastError", delivery.lastError)
                json.member("readAt", delivery.readAt)
                if let receipt = delivery.receipt {
                    json.key("receipt")
                    json.raw(receipt.json.utf8)
                }
                json.member("recipient", delivery.recipient)
                json.member("state", delivery.state)
                json.endObject()
            }
            json.endArray()
        }
    }

    func encode(to encoder: any Encoder) throws {
        try message.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(box, forKey: .box)
        try container.encodeIfPresent(readAt, forKey: .readAt)
        try container.encodeIfPresent(deliveries, forKey: .deliveries)
    }
}

/// The message API for the people who handle case information.
struct MessageController {

    let service: MessageService
    let messages: MessageStore
    let federation: FederationStore
    let blobs: BlobStore
    let configuration: NodeConfiguration

    struct UploadedAttachment: Encodable {
        var sha256: String
        var size: Int
        var name: String
        var mediaType: String
    }

    struct ForwardRequest: Decodable {
        var to: [String]
        var note: String?
        var justification: String?
    }

    /// 201 with the message when it was sent; 202 with the approval when the safeguards hold it.
    private func respond(to outcome: SendOutcome) async throws -> Response {
        switch outcome {
        case .sent(let record, let deliveries, let document?):
            return JSONBody.response(json: try MessageView.json(document: document, box: record.box, deliveries: deliveries), status: .created)
        case .sent(let record, let deliveries, nil):
            return try JSONBody.response(MessageView(record, deliveries: deliveries), status: .created)
        case .held(let approval):
            return try JSONBody.response(ApprovalView(approval, now: configuration.clock.now()), status: .accepted)
        }
    }

    struct PermissionRequestBody: Decodable {
        var use: OnwardUseKind
        var recipient: String?
        var reason: String
    }

    struct PermissionDecisionBody: Decodable {
        var granted: Bool
        var reason: String
    }

    struct OnwardUseView: Encodable {
        var use: OnwardUseKind
        var recipient: String?
        var permitted: Bool
        var reasons: [PolicyReason]
    }

    func register(on routes: RouteTable) {
        routes.on(.post, "/api/v1/messages", access: .caseHandlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(MessageRequest.self, from: request, limit: configuration.maxBodyBytes)
            return try await respond(to: try await service.send(body, actor: AuditTrail.actor(context), principal: context.principal))
        }
        routes.on(.get, "/api/v1/messages", access: .caseHandlers, surface: .api) { request, _ in
            let boxName = request.uri.queryParameters.get("box") ?? "inbox"
            guard let box = MessageRecord.Box(rawValue: boxName) else {
                throw LiaisonError(.invalidInput, "box must be inbox or outbox, not '\(boxName)'.")
            }
            var views: [MessageView] = []
            for record in try await messages.messages(in: box) {
                views.append(MessageView(record, deliveries: box == .outbox ? try await messages.deliveries(messageID: record.message.id) : nil))
            }
            return try JSONBody.response(views)
        }
        routes.on(.post, "/api/v1/attachments", access: .caseHandlers, surface: .api, audited: .attachmentStored) { request, _ in
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: Message.maximumAttachmentBytes)
            } catch {
                throw LiaisonError(.bodyTooLarge, "An attachment may be at most 50 MB (the message size limit); larger files need a separate channel.")
            }
            guard buffer.readableBytes > 0 else {
                throw LiaisonError(.invalidInput, "The attachment is empty.")
            }
            let content = Data(buffer.readableBytesView)
            let address = try await blobs.put(content, at: configuration.clock.now())
            let name = request.uri.queryParameters.get("name") ?? address
            let mediaType = request.headers[.contentType] ?? "application/octet-stream"
            return try JSONBody.response(UploadedAttachment(sha256: address, size: content.count, name: name, mediaType: mediaType), status: .created)
        }
        routes.on(.get, "/api/v1/messages/:id/attachments/:sha256", access: .caseHandlers, surface: .api, audited: .attachmentRead) { _, context in
            let id = try context.parameters.require("id")
            let address = try context.parameters.require("sha256").lowercased()
            guard let record = try await messages.message(id), let attachment = record.message.attachments.first(where: { $0.sha256 == address }),
                let content = try await blobs.get(address)
            else {
                throw LiaisonError(.notFound, "Message \(id) has no attachment \(address).")
            }
            return Response(
                status: .ok,
                headers: [.contentType: attachment.mediaType, .contentDisposition: "attachment; filename=\"\(attachment.name.filter { $0 != "\"" })\""],
                body: .init(byteBuffer: ByteBuffer(bytes: content))
            )
        }
        routes.on(.post, "/api/v1/messages/:id/forward", access: .caseHandlers, surface: .api, audited: .messageForwarded) { request, context in
            let body = try await JSONBody.decode(ForwardRequest.self, from: request, limit: configuration.maxBodyBytes)
            return try await respond(to: try await service.forward(
                try context.parameters.require("id"), to: body.to, note: body.note, actor: AuditTrail.actor(context), principal: context.principal, justification: body.justification
            ))
        }
        routes.on(.post, "/api/v1/messages/:id/permission-requests", access: .caseHandlers, surface: .api, audited: .permissionRequested) { request, context in
            let body = try await JSONBody.decode(PermissionRequestBody.self, from: request, limit: configuration.maxBodyBytes)
            let record = try await service.requestPermission(try context.parameters.require("id"), use: body.use, recipient: body.recipient, reason: body.reason, actor: AuditTrail.actor(context), principal: context.principal)
            return try JSONBody.response(MessageView(record, deliveries: try await messages.deliveries(messageID: record.message.id)), status: .created)
        }
        routes.on(.post, "/api/v1/messages/:id/permission-decision", access: .permissionDeciders, surface: .api, audited: .permissionDecided) { request, context in
            let body = try await JSONBody.decode(PermissionDecisionBody.self, from: request, limit: configuration.maxBodyBytes)
            let record = try await service.decidePermission(try context.parameters.require("id"), granted: body.granted, reason: body.reason, actor: AuditTrail.actor(context), principal: context.principal)
            return try JSONBody.response(MessageView(record, deliveries: try await messages.deliveries(messageID: record.message.id)), status: .created)
        }
        routes.on(.get, "/api/v1/messages/:id/onward-use", access: .caseHandlers, surface: .api, audited: .onwardUse) { _, context in
            let id = try context.parameters.require("id")
            guard let record = try await messages.message(id) else {
                throw LiaisonError(.notFound, "No message with id \(id).")
            }
            var views: [OnwardUseView] = []
            func add(_ use: OnwardUse, _ kind: OnwardUseKind, _ recipient: String?) async throws {
                switch try await service.onwardDecision(record, use: use) {
                case .permit: views.append(OnwardUseView(use: kind, recipient: recipient, permitted: true, reasons: []))
                case .deny(let reasons), .needsApproval(_, let reasons): views.append(OnwardUseView(use: kind, recipient: recipient, permitted: false, reasons: reasons))
                }
            }
            try await add(.judicialProceedings, .judicialProceedings, nil)
            for partner in try await federation.partners() where partner.identity.agencyCode != record.message.originator {
                try await add(.forward(to: partner.identity.agencyCode), .forward, partner.identity.agencyCode)
            }
            return try JSONBody.response(views)
        }
        routes.on(.get, "/api/v1/messages/:id", access: .caseHandlers, surface: .api, audited: .messageRead) { _, context in
            let record = try await service.read(try context.parameters.require("id"), principal: context.principal, actor: AuditTrail.actor(context))
            let deliveries = record.box == .outbox ? try await messages.deliveries(messageID: record.message.id) : nil
            return try JSONBody.response(MessageView(record, deliveries: deliveries))
        }
    }
}
