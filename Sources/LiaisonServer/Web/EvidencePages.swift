import Crypto
import Foundation
import Hummingbird
import MultipartKit
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
import LiaisonStore
import NIOCore

/// The evidence pages: the list with a registration form for physical items, and an item's page
/// with its custody timeline, a form to record the next event, and the package download.
struct EvidencePages {
    let renderer: PageRenderer
    let service: EvidenceService
    let packages: EvidencePackageBuilder
    let transfers: EvidenceTransferService
    let federation: FederationStore
    let safeguards: SafeguardsService
    let forms: FormReader

    /// The fields of a registration form, for a physical item (`application/x-www-form-urlencoded`)
    /// or, with `file`, a file item (`multipart/form-data`).
    struct RegisterForm: Decodable {
        var csrf: String?
        var caseRef: String?
        var description: String?
        var collectedBy: String?
        var collectedAt: String?
        var location: String?
        var legalAuthority: String?
        var purpose: String?
        var file: UploadedFile?

        func registration(_ kind: EvidenceItem.Kind, now: Date) throws -> EvidenceService.Registration {
            .init(
                caseRef: caseRef ?? "", description: description ?? "", kind: kind, collectedBy: collectedBy ?? "",
                collectedAt: try AuditPages.date(collectedAt) ?? now, location: location ?? "", legalAuthority: legalAuthority ?? "", purpose: purpose
            )
        }
    }

    /// A file part with its headers (name, type): MultipartKit's decoder builds it from the part.
    struct UploadedFile: Decodable, MultipartPartConvertible {
        let part: MultipartPart
        var multipart: MultipartPart? { part }
        init?(multipart: MultipartPart) { part = multipart }
        init(from decoder: any Decoder) throws {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a file comes only from multipart/form-data"))
        }
    }

    struct TransferForm: Decodable {
        var csrf: String?
        var to: String?
        var actor: String?
        var place: String?
        var purpose: String?
        var legalBasis: String?
    }

    struct EventForm: Decodable {
        var csrf: String?
        var action: String?
        var actor: String?
        var place: String?
        var purpose: String?
        var recipient: String?
    }

    func register(on routes: RouteTable) {
        let handlers = AccessRule.caseHandlers
        routes.on(.get, "/evidence", access: handlers, surface: .web) { request, context in
            try await list(request: request, context: context, error: nil)
        }
        routes.on(.post, "/evidence/files", access: handlers, surface: .web) { request, context in
            let form = try await forms.readMultipart(RegisterForm.self, from: request, limit: EvidenceService.maximumContentBytes + 64 * 1024)
            try forms.checkCSRF(form.csrf, context: context)
            guard let part = form.file?.part, part.body.readableBytes > 0 else {
                return try await list(request: request, context: context, error: "Choose the file to register.", status: .badRequest)
            }
            let name = Self.fileName(part) ?? "evidence.bin"
            do {
                let record = try await service.register(try form.registration(.file, now: service.clock.now()), by: AuditTrail.actor(context))
                _ = try await service.storeContent(
                    record.item.id, content: Data(part.body.readableBytesView), name: name,
                    mediaType: part.headers.first(name: "Content-Type") ?? "application/octet-stream", by: AuditTrail.actor(context)
                )
                return Response(status: .seeOther, headers: [.location: "/evidence/\(record.item.id)"])
            } catch let error as LiaisonError {
                return try await list(request: request, context: context, error: error.message, status: error.status)
            }
        }
        routes.on(.post, "/evidence", access: handlers, surface: .web) { request, context in
            let form = try await forms.read(RegisterForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                let record = try await service.register(try form.registration(.physical, now: service.clock.now()), by: AuditTrail.actor(context))
                return Response(status: .seeOther, headers: [.location: "/evidence/\(record.item.id)"])
            } catch let error as LiaisonError {
                return try await list(request: request, context: context, error: error.message, status: error.status)
            }
        }
        routes.on(.get, "/evidence/:id", access: handlers, surface: .web, audited: .evidenceRead) { request, context in
            try await safeguards.authoriseEvidence(try context.parameters.require("id"), store: service.store, action: .read, principal: context.principal, actor: AuditTrail.actor(context))
            return try await show(try context.parameters.require("id"), request: request, context: context, error: nil)
        }
        routes.on(.post, "/evidence/:id/events", access: handlers, surface: .web) { request, context in
            let id = try context.parameters.require("id")
            let form = try await forms.read(EventForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            guard let action = CustodyAction(rawValue: form.action ?? "") else {
                return try await show(id, request: request, context: context, error: "Choose an action.", status: .badRequest)
            }
            do {
                _ = try await service.addEvent(id, .init(
                    action: action, actor: form.actor ?? "", time: nil, place: form.place ?? "", purpose: form.purpose ?? "",
                    recipient: (form.recipient ?? "").isEmpty ? nil : form.recipient
                ), by: AuditTrail.actor(context))
                return Response(status: .seeOther, headers: [.location: "/evidence/\(id)"])
            } catch let error as LiaisonError where error.code.kind != .notFound {
                return try await show(id, request: request, context: context, error: error.message, status: error.status)
            }
        }
        routes.on(.post, "/evidence/:id/transfer", access: handlers, surface: .web) { request, context in
            let id = try context.parameters.require("id")
            let form = try await forms.read(TransferForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                _ = try await transfers.transfer(id, .init(
                    to: form.to ?? "", actor: form.actor ?? "", place: form.place ?? "", purpose: form.purpose ?? "", legalBasis: form.legalBasis ?? ""
                ), by: AuditTrail.actor(context), principal: context.principal)
                return Response(status: .seeOther, headers: [.location: "/evidence/\(id)"])
            } catch let error as LiaisonError where error.code.kind != .notFound {
                return try await show(id, request: request, context: context, error: error.message, status: error.status)
            }
        }
        routes.on(.get, "/evidence/:id/package", access: handlers, surface: .web, audited: .evidenceExported) { _, context in
            let id = try context.parameters.require("id")
            try await safeguards.authoriseEvidence(id, store: service.store, action: .export, principal: context.principal, actor: AuditTrail.actor(context))
            return Response(
                status: .ok,
                headers: [.contentType: "application/zip", .contentDisposition: "attachment; filename=\"evidence-\(id).zip\""],
                body: .init(byteBuffer: ByteBuffer(bytes: try await packages.build(id)))
            )
        }
    }

    /// The file name from a part's `Content-Disposition: form-data; name="file"; filename="…"`.
    static func fileName(_ part: MultipartPart) -> String? {
        guard let disposition = part.headers.first(name: "Content-Disposition"), let range = disposition.range(of: "filename=\"") else { return nil }
        let name = disposition[range.upperBound...].prefix { $0 != "\"" }
        return name.isEmpty ? nil : String(name)
    }

    private func csrf(_ context: LiaisonRequestContext) -> String? {
        if case .session(let token, _) = context.credential { token } else { nil }
    }

    private func list(request: Request, context: LiaisonRequestContext, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let rows = try await service.store.items().map { record in
            [
                "id": record.item.id, "caseRef": record.item.caseRef, "description": record.item.description, "kind": record.item.kind.rawValue,
                "collected": record.item.collectedAt.formatted(.iso8601),
            ]
        }
        var values: [String: Any] = ["items": rows, "hasItems": !rows.isEmpty, "csrf": csrf(context) ?? ""]
        if let error { values["error"] = error }
        return renderer.page("evidence-list", title: { $0["evidence_title"] ?? "Liaison" }, request: request, context: context, status: status, values: values)
    }

    private func show(_ id: String, request: Request, context: LiaisonRequestContext, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let record = try await service.store.item(id) else { throw LiaisonError(.notFound, "No evidence item \(id).") }
        let chain = try await service.custody(id)
        var events: [[String: Any]] = []
        var closed = false
        for signed in chain {
            let event = try await service.verified(signed)
            closed = closed || event.action == .destroyed
            var row: [String: Any] = [
                "sequence": event.sequence, "action": event.action.rawValue, "actor": event.actor, "node": event.node,
                "time": event.time.formatted(.iso8601), "place": event.place, "purpose": event.purpose, "hash": String(signed.hash.prefix(16)),
            ]
            // Mustache shows a key whenever it is present: absent values are left out, not nil.
            if let recipient = event.recipient { row["recipient"] = recipient }
            events.append(row)
        }
        let item = record.item
        var itemValues: [String: Any] = [
            "id": item.id, "caseRef": item.caseRef, "description": item.description, "kind": item.kind.rawValue,
            "collectedBy": item.collectedBy, "collectedAt": item.collectedAt.formatted(.iso8601), "location": item.location,
            "legalAuthority": item.legalAuthority,
        ]
        if let file = item.file { itemValues["file"] = "\(file.name) · \(file.size) bytes · SHA-256 \(file.sha256)" }
        var values: [String: Any] = [
            "item": itemValues, "events": events, "hasEvents": !events.isEmpty, "closed": closed, "open": !closed && !events.isEmpty,
            "awaiting": events.isEmpty, "csrf": csrf(context) ?? "", "actions": CustodyAction.allCases.filter { $0 != .collected }.map(\.rawValue),
        ]
        if let error { values["error"] = error }
        let partners = try await federation.partners().map(\.identity.agencyCode)
        if !closed && !events.isEmpty && !partners.isEmpty { values["transfer"] = ["partners": partners, "csrf": csrf(context) ?? "", "id": item.id] }
        return renderer.page("evidence", title: { _ in item.description }, request: request, context: context, status: status, values: values)
    }
}
