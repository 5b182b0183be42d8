import Foundation
import Hummingbird
import MultipartKit
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// The browser pages of the secure exchange: inbox, sent messages, a message with its thread and
/// delivery states, and the compose form. The rules are the same ``MessageService`` the API uses.
struct MessagePages {
    let renderer: PageRenderer
    let service: MessageService
    let messages: MessageStore
    let federation: FederationStore
    let forms: FormReader
    let configuration: NodeConfiguration

    struct ComposeForm: Decodable {
        var csrf: String?
        var to: [String]?
        var subject: String?
        var body: String?
        var purpose: String?
        var legalBasis: String?
        var handlingCode: String?
        var handlingRestriction: String?
        var source: String?
        var information: String?
        var caseRef: String?
        var inReplyTo: String?
        var personName: String?
        var personBirthDate: String?
        var personSubject: String?
        var personNature: String?
        var special: [String]?
        var justification: String?
        /// Files to send with the message (a multipart form).
        var attachments: [EvidencePages.UploadedFile]?
        /// Files uploaded with an earlier attempt that was refused: `sha256|media type|name`.
        var kept: [String]?

        /// The person the form describes, as a FollowTheMoney entity; `nil` when no name is given.
        func person() throws -> MessageEntity? {
            guard let name = personName?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { return nil }
            guard let subject = DataSubjectCategory(rawValue: personSubject ?? "suspect") else {
                throw LiaisonError(.invalidInput, "personSubject: '\(personSubject ?? "")' is not a data-subject category.")
            }
            var properties = ["name": [name]]
            if let born = personBirthDate, !born.isEmpty { properties["birthDate"] = [born] }
            var special: [SpecialCategory] = []
            for value in self.special ?? [] {
                guard let category = SpecialCategory(rawValue: value) else {
                    throw LiaisonError(.invalidInput, "special: '\(value)' is not a special category.")
                }
                special.append(category)
            }
            return MessageEntity(
                id: "person-1", schema: "Person", properties: properties, dataSubjectCategory: subject,
                nature: personNature == "assessment" ? .assessment : .fact, specialCategories: special.isEmpty ? nil : special
            )
        }
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/messages", access: AccessRule.caseHandlers, surface: .web) { request, context in
            try await list(request: request, context: context)
        }
        routes.on(.get, "/messages/:id/attachments/:sha256", access: AccessRule.caseHandlers, surface: .web, audited: .attachmentRead) { _, context in
            let id = try context.parameters.require("id")
            let address = try context.parameters.require("sha256").lowercased()
            let record = try await service.read(id, principal: context.principal, actor: AuditTrail.actor(context))
            guard let attachment = record.message.attachments.first(where: { $0.sha256 == address }), let content = try await service.blobs.get(address) else {
                throw LiaisonError(.notFound, "Message \(id) has no attachment \(address.prefix(64)).")
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: attachment.mediaType, .contentDisposition: "attachment; filename=\"\(attachment.name.filter { $0 != "\"" && $0.isASCII })\"",
                    .contentSecurityPolicy: "default-src 'none'; sandbox",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: content))
            )
        }
        routes.on(.get, "/messages/new", access: AccessRule.caseHandlers, surface: .web) { request, context in
            var values: [String: Any] = ["inReplyTo": request.uri.queryParameters.get("inReplyTo") ?? ""]
            if let caseRef = request.uri.queryParameters.get("caseRef") { values["caseRef"] = caseRef }
            // A request written elsewhere (the money trail's "ask the partner"): its recipient and words.
            if let to = request.uri.queryParameters.get("to") { values["to"] = [String(to.prefix(40))] }
            if let subject = request.uri.queryParameters.get("subject") { values["subject"] = String(subject.prefix(300)) }
            if let body = request.uri.queryParameters.get("body") { values["body"] = String(body.prefix(4_000)) }
            return try await compose(request: request, context: context, values: values)
        }
        routes.on(.post, "/messages", access: AccessRule.caseHandlers, surface: .web) { request, context in
            try await send(request: request, context: context)
        }
        routes.on(.get, "/messages/:id", access: AccessRule.caseHandlers, surface: .web, audited: .messageRead) { request, context in
            try await show(request: request, context: context, id: try context.parameters.require("id"))
        }
        routes.on(.post, "/messages/:id/forward", access: AccessRule.caseHandlers, surface: .web) { request, context in
            struct Form: Decodable { var csrf: String?; var to: String? }
            let form = try await forms.read(Form.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            switch try await service.forward(try context.parameters.require("id"), to: [form.to ?? ""], note: nil, actor: AuditTrail.actor(context), principal: context.principal) {
            case .sent(let record, _, _): return Response(status: .seeOther, headers: [.location: "/messages/\(record.message.id)"])
            case .held(let approval): return Response(status: .seeOther, headers: [.location: "/approvals/\(approval.id)"])
            }
        }
        routes.on(.post, "/messages/:id/permission-requests", access: AccessRule.caseHandlers, surface: .web) { request, context in
            struct Form: Decodable { var csrf: String?; var target: String?; var reason: String? }
            let form = try await forms.read(Form.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            let target = form.target ?? ""
            let use: OnwardUseKind = target == "judicial" ? .judicialProceedings : .forward
            let record = try await service.requestPermission(
                try context.parameters.require("id"), use: use, recipient: use == .forward ? target : nil, reason: form.reason ?? "", actor: AuditTrail.actor(context), principal: context.principal
            )
            return Response(status: .seeOther, headers: [.location: "/messages/\(record.message.id)"])
        }
        routes.on(.post, "/messages/:id/permission-decision", access: AccessRule.permissionDeciders, surface: .web) { request, context in
            struct Form: Decodable { var csrf: String?; var granted: String?; var reason: String? }
            let form = try await forms.read(Form.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            let record = try await service.decidePermission(try context.parameters.require("id"), granted: form.granted == "true", reason: form.reason ?? "", actor: AuditTrail.actor(context), principal: context.principal)
            return Response(status: .seeOther, headers: [.location: "/messages/\(record.message.id)"])
        }
    }

    private func text(_ request: Request) -> [String: String] {
        renderer.strings.strings(renderer.strings.language(for: request.headers[.acceptLanguage]))
    }

    private func list(request: Request, context: LiaisonRequestContext) async throws -> Response {
        let box = MessageRecord.Box(rawValue: request.uri.queryParameters.get("box") ?? "inbox") ?? .inbox
        let text = text(request)
        var rows: [[String: String]] = []
        for record in try await messages.messages(in: box) {
            let message = record.message
            let state: String
            if box == .inbox {
                state = text[record.readAt == nil ? "state_unread" : "state_read"] ?? ""
            } else {
                let deliveries = try await messages.deliveries(messageID: message.id).filter { $0.kind == .message }
                state = deliveries.map { "\($0.recipient): \(text["state_\(Self.state($0))"] ?? "")" }.joined(separator: ", ")
            }
            rows.append([
                "id": message.id, "subject": message.subject, "date": message.createdAt.formatted(.iso8601), "state": state,
                "counterpart": box == .inbox ? message.originator : message.to.joined(separator: ", "),
            ])
        }
        return renderer.page("messages", title: { $0["messages_title"] ?? "Liaison" }, request: request, context: context, values: [
            "list": rows, "hasList": !rows.isEmpty, box.rawValue: true,
            "caption": text["messages_\(box.rawValue)_caption"] ?? "",
            "counterpartLabel": text[box == .inbox ? "message_from" : "message_to"] ?? "",
        ])
    }

    static func state(_ delivery: DeliveryRecord) -> String {
        delivery.readAt != nil ? "read" : delivery.state.rawValue
    }

    private func show(request: Request, context: LiaisonRequestContext, id: String) async throws -> Response {
        let record = try await service.read(id, principal: context.principal, actor: AuditTrail.actor(context))
        let text = text(request)
        let csrf: String? = if case .session(let token, _) = context.credential { token } else { nil }
        var thread: [[String: Any]] = [try await view(record, text: text, canReply: record.box == .inbox, csrf: csrf)]
        for reply in try await messages.replies(to: id) {
            thread.append(try await view(reply, text: text, canReply: reply.box == .inbox, csrf: csrf))
        }
        if record.box == .inbox, record.message.control == nil, let csrf {
            thread[0]["onward"] = try await onward(record, text: text, csrf: csrf)
        }
        if record.box == .inbox, record.message.control?.kind == .request, let csrf, let principal = context.principal,
            AccessRule.permissionDeciders.admittedRoles.contains(principal.role) {
            thread[0]["decide"] = ["csrf": csrf, "id": id]
        }
        return renderer.page("message", title: { _ in record.message.subject }, request: request, context: context, values: ["thread": thread, "box": record.box.rawValue])
    }

    /// What the user may do further with a received message, as the handling code and any
    /// permissions decide.
    private func onward(_ record: MessageRecord, text: [String: String], csrf: String) async throws -> [String: Any] {
        var decisions: [[String: String]] = []
        var forwardable: [String] = []
        var refused: [[String: String]] = []
        func add(_ use: OnwardUse, label: String, value: String) async throws {
            var entry = ["label": label]
            switch try await service.onwardDecision(record, use: use) {
            case .permit:
                entry["verdict"] = text["onward_permitted"] ?? ""
                if case .forward(let to) = use { forwardable.append(to) }
            case .deny(let reasons), .needsApproval(_, let reasons):
                entry["verdict"] = text["onward_refused"] ?? ""
                entry["reason"] = reasons.map(\.sentence).joined(separator: " ")
                refused.append(["value": value, "label": label])
            }
            decisions.append(entry)
        }
        try await add(.judicialProceedings, label: text["onward_judicial"] ?? "", value: "judicial")
        for partner in try await federation.partners() where partner.identity.agencyCode != record.message.originator {
            let code = partner.identity.agencyCode
            try await add(.forward(to: code), label: "\(text["onward_forward_label"] ?? "") \(code)", value: code)
        }
        return [
            "id": record.message.id, "csrf": csrf, "decisions": decisions, "forwardable": forwardable, "hasForwardable": !forwardable.isEmpty,
            "refused": refused, "hasRefused": !refused.isEmpty,
        ]
    }

    private func view(_ record: MessageRecord, text: [String: String], canReply: Bool, csrf: String?) async throws -> [String: Any] {
        let message = record.message
        var deliveries: [[String: String]] = []
        if record.box == .outbox {
            for delivery in try await messages.deliveries(messageID: message.id) where delivery.kind == .message {
                deliveries.append([
                    "recipient": delivery.recipient, "state": text["state_\(Self.state(delivery))"] ?? "", "attempts": String(delivery.attempts), "error": delivery.lastError ?? "",
                ])
            }
        }
        var view: [String: Any] = [
            "id": message.id, "subject": message.subject, "originator": message.originator, "to": message.to.joined(separator: ", "),
            "date": message.createdAt.formatted(.iso8601), "purpose": message.purpose, "legalBasis": message.legalBasis,
            "handlingCode": message.handlingCode.rawValue, "handlingText": text["handling_\(message.handlingCode.rawValue)"] ?? "",
            "evaluation": "\(message.evaluation.source.rawValue)\(message.evaluation.information.rawValue)",
            "body": message.body, "canReply": canReply,
            "entities": message.entities.map { Self.entityRow($0, text: text) },
            "redactions": (message.redactions ?? []).map { redaction -> [String: String] in
                var row = ["entity": redaction.entity, "ground": redaction.ground]
                if let property = redaction.property { row["property"] = property }
                if let recipient = redaction.recipient { row["recipient"] = recipient }
                return row
            },
            "hasRedactions": !(message.redactions ?? []).isEmpty,
            "deliveries": deliveries, "hasDeliveries": !deliveries.isEmpty, "hasEntities": !message.entities.isEmpty,
        ]
        // Mustache treats an empty string as present: leave absent fields out.
        if let restriction = message.handlingRestriction { view["handlingRestriction"] = restriction }
        if let caseRef = message.caseRef { view["caseRef"] = caseRef }
        // Attachments, and for a received file that looks like bank data, the step that imports it
        // into the case's money trail (a partner's returned statements).
        let localCase: String? = if let caseRef = message.caseRef { try await service.cases.store.find(caseRef)?.item.reference } else { nil }
        view["attachments"] = message.attachments.map { attachment -> [String: Any] in
            var row: [String: Any] = [
                "name": attachment.name, "size": ByteCountFormatter.string(fromByteCount: Int64(clamping: attachment.size), countStyle: .file),
                "href": "/messages/\(message.id)/attachments/\(attachment.sha256)", "sha256": attachment.sha256, "message": message.id,
            ]
            if record.box == .inbox, let localCase, let csrf, Self.looksLikeTransactions(attachment) {
                row["importInto"] = ["case": localCase, "csrf": csrf]
            }
            return row
        }
        view["hasAttachments"] = !message.attachments.isEmpty
        return view
    }

    /// Files the money trail can read: CSV, ISO 20022 XML, FtM JSON lines.
    static func looksLikeTransactions(_ attachment: MessageAttachment) -> Bool {
        let name = attachment.name.lowercased()
        let type = attachment.mediaType.lowercased()
        return [".csv", ".xml", ".json", ".jsonl", ".ndjson", ".txt"].contains { name.hasSuffix($0) }
            || ["text/csv", "application/xml", "text/xml", "application/x-ndjson", "application/json"].contains { type.hasPrefix($0) }
    }

    /// An entity as the pages show it: its properties in one line, its special categories in the
    /// reader's language, and a personal assessment marked as one (Directive 2016/680 Art. 7(1)).
    static func entityRow(_ entity: MessageEntity, text: [String: String]) -> [String: Any] {
        var row: [String: Any] = [
            "schema": entity.schema, "subject": entity.dataSubjectCategory.rawValue, "nature": entity.nature.rawValue,
            "properties": entity.properties.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.joined(separator: ", "))" }.joined(separator: "; "),
            "assessment": entity.nature == .assessment,
        ]
        let special = entity.revealedSpecialCategories.sorted().map { text["special_\($0.rawValue)"] ?? $0.rawValue }
        if !special.isEmpty { row["special"] = special.joined(separator: ", ") }
        return row
    }

    private func compose(request: Request, context: LiaisonRequestContext, status: HTTPResponse.Status = .ok, values: [String: Any]) async throws -> Response {
        var values = values
        var checked = Set((values["to"] as? [String]) ?? [])
        if let replyTo = values["inReplyTo"] as? String, !replyTo.isEmpty, let original = try await messages.message(replyTo) {
            checked.insert(original.message.originator)
            values["subject"] = values["subject"] ?? (original.message.subject.hasPrefix("Re: ") ? original.message.subject : "Re: " + original.message.subject)
            // A reply goes under this node's case for the partner's reference, where one names it.
            var local: String?
            if let reference = original.message.caseRef { local = try await service.cases.store.find(reference)?.item.reference }
            values["caseRef"] = values["caseRef"] ?? local ?? original.message.caseRef ?? ""
            values["legalBasis"] = values["legalBasis"] ?? original.message.legalBasis
        }
        values["openCases"] = try await service.cases.openCases(for: context.principal).map { ["reference": $0.item.reference, "title": $0.item.title] }
        let now = configuration.clock.now()
        let agreements = try await federation.agreements().filter { !$0.isRevoked && $0.agreement.isInForce(at: now) }
        values["purposes"] = Array(Set(agreements.flatMap(\.agreement.purposes))).sorted()
        let partners = try await federation.partners().map { partner -> [String: Any] in
            ["code": partner.identity.agencyCode, "name": partner.identity.name, "checked": checked.contains(partner.identity.agencyCode)]
        }
        values["partners"] = partners
        values["hasPartners"] = !partners.isEmpty
        let text = text(request)
        let subject = (values["personSubject"] as? String) ?? DataSubjectCategory.suspect.rawValue
        let special = Set((values["special"] as? [String]) ?? [])
        values["subjectCategories"] = DataSubjectCategory.allCases.map { ["value": $0.rawValue, "label": text["subject_\($0.rawValue)"] ?? $0.rawValue, "selected": $0.rawValue == subject] }
        values["specialCategories"] = SpecialCategory.allCases.map { ["value": $0.rawValue, "label": text["special_\($0.rawValue)"] ?? $0.rawValue, "checked": special.contains($0.rawValue)] }
        if case .session(let csrf, _) = context.credential { values["csrf"] = csrf }
        return renderer.page("compose", title: { $0["compose_title"] ?? "Liaison" }, request: request, context: context, status: status, values: values)
    }

    private func send(request: Request, context: LiaisonRequestContext) async throws -> Response {
        let multipart = request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") ?? false
        let form = multipart
            ? try await forms.readMultipart(ComposeForm.self, from: request, limit: Message.maximumAttachmentBytes + configuration.maxBodyBytes)
            : try await forms.read(ComposeForm.self, from: request)
        try forms.checkCSRF(form.csrf, context: context)
        var attachments: [AttachmentReference] = (form.kept ?? []).compactMap { value in
            let parts = value.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, parts[0].count == 64 else { return nil }
            return AttachmentReference(sha256: parts[0], name: parts[2], mediaType: parts[1])
        }
        for file in form.attachments ?? [] where file.part.body.readableBytes > 0 {
            let content = Data(file.part.body.readableBytesView)
            let address = try await service.blobs.put(content, at: service.clock.now())
            attachments.append(
                AttachmentReference(
                    sha256: address, name: EvidencePages.fileName(file.part) ?? address,
                    mediaType: file.part.headers.first(name: "Content-Type") ?? "application/octet-stream"))
        }
        let evaluation = Evaluation(
            source: Evaluation.Source(rawValue: form.source ?? "X") ?? .x,
            information: Evaluation.Information(rawValue: Int(form.information ?? "4") ?? 4) ?? .four  // checked: parses text: nil when not a number
        )
        var body = MessageRequest(
            to: form.to ?? [], subject: form.subject ?? "", body: form.body ?? "", entities: try form.person().map { [$0] } ?? [], purpose: form.purpose ?? "",
            legalBasis: form.legalBasis ?? "", handlingCode: HandlingCode(rawValue: form.handlingCode ?? "H0") ?? .h0,
            handlingRestriction: (form.handlingRestriction?.isEmpty ?? true) ? nil : form.handlingRestriction, evaluation: evaluation,
            caseRef: (form.caseRef?.isEmpty ?? true) ? nil : form.caseRef, inReplyTo: (form.inReplyTo?.isEmpty ?? true) ? nil : form.inReplyTo, retainUntil: nil,
            justification: (form.justification?.isEmpty ?? true) ? nil : form.justification
        )
        body.attachments = attachments.isEmpty ? nil : attachments
        let kept: [String: Any] = [
            "subject": body.subject, "body": body.body, "legalBasis": body.legalBasis, "caseRef": body.caseRef ?? "", "inReplyTo": body.inReplyTo ?? "",
            "personName": form.personName ?? "", "personBirthDate": form.personBirthDate ?? "", "justification": form.justification ?? "",
            "to": body.to, "personSubject": form.personSubject ?? "suspect", "special": form.special ?? [],
            // The files already uploaded travel with the form again, so that a refusal loses nothing.
            "kept": attachments.map { ["value": "\($0.sha256)|\($0.mediaType ?? "application/octet-stream")|\($0.name)", "name": $0.name] },
        ]
        do {
            switch try await service.send(body, actor: AuditTrail.actor(context), principal: context.principal) {
            case .sent(let record, _, _): return Response(status: .seeOther, headers: [.location: "/messages/\(record.message.id)"])
            case .held(let approval): return Response(status: .seeOther, headers: [.location: "/approvals/\(approval.id)"])
            }
        } catch let error as LiaisonError {
            return try await compose(request: request, context: context, status: error.status, values: kept.merging(["error": error.message]) { $1 })
        }
    }
}
