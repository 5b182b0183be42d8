import Foundation
import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// The JIT pages: the spaces this node holds with the form to propose one (/jits), and a space
/// (/jits/<id>): its agreement and signatures, the contributions of every member, the form to
/// contribute, and for supervisors and judicial authorities the button to sign.
struct JITPages {
    let renderer: PageRenderer
    let service: JITService
    let forms: FormReader

    struct ProposalForm: Decodable {
        var csrf: String?
        var name: String?
        var purpose: String?
        /// One party a line: `AGENCY: leader`.
        var parties: String?
        var states: String?
        var validFrom: String?
        var validUntil: String?
        var plan: String?
        var informationRules: String?
        var evidenceRules: String?
        var disposition: String?

        func proposal() throws -> JITProposal {
            var parties: [JITAgreement.Party] = []
            for (number, line) in (self.parties ?? "").split(whereSeparator: \.isNewline).enumerated() where !line.allSatisfy(\.isWhitespace) {
                let pieces = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pieces.count == 2, !pieces[0].isEmpty else {
                    throw LiaisonError(.invalidInput, "parties: line \(number + 1): write AGENCY: leader's name, for example XB-CUS: Insp. Dana Vos.")
                }
                parties.append(.init(agency: pieces[0].uppercased(), leader: pieces[1]))
            }
            guard let from = CalendarDay.start(of: validFrom ?? "") else { throw LiaisonError(.invalidInput, "validFrom: choose the first day of the team.") }
            guard let until = CalendarDay.end(of: validUntil ?? "") else { throw LiaisonError(.invalidInput, "validUntil: choose the last day of the team.") }
            return JITProposal(
                name: name ?? "", purpose: purpose ?? "", parties: parties,
                statesOfOperation: (states ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
                members: nil, participants: nil, validFrom: from, validUntil: until, operationalActionPlan: plan ?? "",
                informationRules: informationRules ?? "", evidenceRules: evidenceRules ?? "", disposition: disposition.flatMap(JITAgreement.Disposition.init(rawValue:))
            )
        }

        var values: [String: Any] {
            ["name": name ?? "", "purpose": purpose ?? "", "parties": parties ?? "", "states": states ?? "", "validFrom": validFrom ?? "",
             "validUntil": validUntil ?? "", "plan": plan ?? "", "informationRules": informationRules ?? "", "evidenceRules": evidenceRules ?? ""]
        }
    }

    struct ContributionForm: Decodable {
        var csrf: String?
        var kind: String?
        var title: String?
        var text: String?
        var taskOwner: String?
        var taskDue: String?
        var entitySchema: String?
        var entityName: String?
        var linkSchema: String?
        var linkFrom: String?
        var linkTo: String?
        var worked: String?
        var obstacles: String?
        var arrests: String?
        var convictions: String?
        var victims: String?
        var seizures: String?
        /// For an extension: the new last day and the reason; for a consent, the extension.
        var until: String?
        var reason: String?
        var refersTo: String?

        /// A count typed in a form field (empty: 0).
        static func count(_ text: String?, _ field: String) throws -> Int {
            let text = (text ?? "").trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { return 0 }
            guard let number = Int(text), number >= 0 else {  // checked: parses text: nil when not a number
                throw LiaisonError(.invalidInput, "\(field): a whole number (0 or more).")
            }
            return number
        }

        func input(agency: String) throws -> JITContributionInput {
            let kind = kind ?? "note"
            let task = kind == "task" ? JITContribution.Task(owner: taskOwner ?? "", agency: agency, due: taskDue.flatMap { CalendarDay.end(of: $0) }) : nil
            var entity: MessageEntity?
            var title = title ?? ""
            let id = "\(agency.lowercased())-\(UUID().uuidString.lowercased().prefix(8))"
            if kind == "entity" {
                let schema = entitySchema ?? "Person"
                let name = (entityName ?? "").trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty else { throw LiaisonError(.invalidInput, "Name: give the entity's name (or number, for a vehicle, account or phone).") }
                let property = ["Vehicle": "registrationNumber", "BankAccount": "iban", "Phone": "number", "CryptoWallet": "publicKey"][schema] ?? "name"
                entity = MessageEntity(id: id, schema: schema, properties: [property: [name]], dataSubjectCategory: .suspect, nature: .fact)
                if title.allSatisfy(\.isWhitespace) { title = "\(schema): \(name)" }
            } else if kind == "link" {
                let schema = linkSchema ?? "UnknownLink"
                guard let ends = JITAnalysis.linkEnds[schema], let from = linkFrom, let to = linkTo, !from.isEmpty, !to.isEmpty, from != to else {
                    throw LiaisonError(.invalidInput, "Link: choose two different entities and the kind of link.")
                }
                entity = MessageEntity(id: id, schema: schema, properties: [ends.0: [from], ends.1: [to]], dataSubjectCategory: .suspect, nature: .fact)
                if title.allSatisfy(\.isWhitespace) { title = schema }
            }
            var evaluation: JITContribution.EvaluationAnswers?
            if kind == "evaluation" {
                evaluation = .init(worked: worked ?? "", obstacles: obstacles ?? "", arrests: try Self.count(arrests, "Arrests"),
                                   convictions: try Self.count(convictions, "Convictions"), victimsIdentified: try Self.count(victims, "Victims identified"),
                                   seizures: seizures ?? "")
                if title.allSatisfy(\.isWhitespace) { title = "Evaluation" }
            }
            var period: JITAgreement.Extension?
            if kind == "extension" {
                guard let day = CalendarDay.end(of: until ?? "") else { throw LiaisonError(.invalidInput, "New last day: choose the day the extended period ends.") }
                period = .init(until: day, reason: reason ?? "")
                if title.allSatisfy(\.isWhitespace) { title = "Extension to \(until ?? "")" }
            }
            if kind == "consent", title.allSatisfy(\.isWhitespace) { title = "Consent to the extension" }
            return JITContributionInput(kind: kind, title: title, text: text, entity: entity, task: task, evaluation: evaluation, newPeriod: period,
                                        refersTo: kind == "consent" ? refersTo : nil)
        }

        var values: [String: Any] {
            ["title": title ?? "", "text": text ?? "", "taskOwner": taskOwner ?? "", "taskDue": taskDue ?? "", "kind": kind ?? "note", "entityName": entityName ?? "",
             "worked": worked ?? "", "obstacles": obstacles ?? "", "arrests": arrests ?? "", "convictions": convictions ?? "", "victims": victims ?? "", "seizures": seizures ?? "",
             "until": until ?? "", "reason": reason ?? ""]
        }
    }

    struct SignForm: Decodable { var csrf: String? }

    func register(on routes: RouteTable) {
        routes.on(.get, "/jits", access: .caseHandlers, surface: .web) { request, context in
            try await list(request: request, context: context)
        }
        routes.on(.post, "/jits", access: .judicialDeciders, surface: .web) { request, context in
            let form = try await forms.read(ProposalForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            do {
                let view = try await service.propose(try form.proposal(), principal: context.principal)
                return Response(status: .seeOther, headers: [.location: "/jits/\(view.id)"])
            } catch let error as LiaisonError where error.code.kind != .forbidden {
                return try await list(request: request, context: context, form: form.values, error: error.message, status: error.status)
            }
        }
        routes.on(.get, "/jits/:id", access: .caseHandlers, surface: .web, audited: .jitRead) { request, context in
            try await show(request: request, context: context, id: try context.parameters.require("id"))
        }
        routes.on(.post, "/jits/:id/contributions", access: .caseHandlers, surface: .web) { request, context in
            let form = try await forms.read(ContributionForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            let id = try context.parameters.require("id")
            do {
                _ = try await service.contribute(id, try form.input(agency: service.ownAgencyCode), principal: context.principal)
                return Response(status: .seeOther, headers: [.location: "/jits/\(id)?added=1#contributions"])
            } catch let error as LiaisonError where error.code.kind != .notFound {
                return try await show(request: request, context: context, id: id, form: form.values, error: error.message, status: error.status)
            }
        }
        // A file from the browser, streamed: the form's fields (the CSRF token first) come before the file.
        routes.on(.post, "/jits/:id/files", access: .caseHandlers, surface: .web) { request, context in
            let id = try context.parameters.require("id")
            let contentType = request.headers[.contentType] ?? ""
            guard contentType.lowercased().hasPrefix("multipart/form-data") else { throw LiaisonError(.unsupportedMediaType, "Send the upload as multipart/form-data.") }
            guard let boundary = FormReader.boundary(ofContentType: contentType) else {
                throw LiaisonError(.invalidForm, "The upload's boundary is missing or not 1 to 70 of the characters RFC 2046 allows.")
            }
            do {
                let upload = try await StreamingUpload(request.body, boundary: boundary)
                try forms.checkCSRF(upload.fields["csrf"], context: context)
                let title = upload.fields["title"]?.trimmingCharacters(in: .whitespacesAndNewlines)
                _ = try await service.upload(id, name: upload.fileName, mediaType: upload.mediaType, title: title, text: nil, declaredLength: nil,
                                             body: upload.content, principal: context.principal)
                return Response(status: .seeOther, headers: [.location: "/jits/\(id)?uploaded=1#files"])
            } catch let error as LiaisonError where error.code.kind != .notFound && error.code != .csrf {
                return try await show(request: request, context: context, id: id, error: error.message, status: error.status)
            }
        }
        routes.on(.get, "/jits/:id/dossier/:entity", access: .caseHandlers, surface: .web, audited: .jitRead) { request, context in
            try await dossier(request: request, context: context, id: try context.parameters.require("id"), entity: try context.parameters.require("entity"))
        }
        routes.on(.post, "/jits/:id/signature", access: .judicialDeciders, surface: .web) { request, context in
            let form = try await forms.read(SignForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            let id = try context.parameters.require("id")
            do {
                _ = try await service.sign(id, principal: context.principal)
                return Response(status: .seeOther, headers: [.location: "/jits/\(id)?signed=1"])
            } catch let error as LiaisonError where error.code.kind != .notFound {
                return try await show(request: request, context: context, id: id, error: error.message, status: error.status)
            }
        }
    }

    /// The shared entity graph on the page: the entities several members know, and a view — the
    /// neighbourhood asked for (`entity`, `depth`), a path (`from`, `to`), or the whole graph — as
    /// a list and as an SVG drawing (no script needed).
    private func graphValues(_ space: JITSpaceView, request: Request, strings: [String: String]) throws -> [String: Any] {
        let analysis = JITAnalysis(space.contributions)
        let query = request.uri.queryParameters
        var view = analysis.whole(limit: 60)
        var caption = strings["jit_graph_whole"] ?? "The whole graph"
        var graphError: String?
        do {
            if let from = query.get("from"), let to = query.get("to"), !from.isEmpty, !to.isEmpty {
                view = try analysis.path(from: from, to: to)
                caption = view.entities.isEmpty ? (strings["jit_graph_no_path"] ?? "No path") : (strings["jit_graph_path"] ?? "Shortest path")
            } else if let entity = query.get("entity"), !entity.isEmpty {
                view = try analysis.neighbourhood(of: entity, depth: try JITController.depth(query.get("depth")))
                caption = "\(strings["jit_graph_neighbourhood"] ?? "Neighbourhood of") \(analysis.nodes[entity]?.name ?? entity)"
            }
        } catch let error as LiaisonError {
            graphError = error.message
        }
        let names = Dictionary(analysis.nodes.map { ($0.key, $0.value.name) }) { first, _ in first }
        let sorted = analysis.nodes.values.sorted { $0.name < $1.name }
        func choices(_ selected: String?) -> [[String: Any]] {
            sorted.map { ["id": $0.id, "label": "\($0.name) (\($0.schema))", "selected": $0.id == selected] }
        }
        var values: [String: Any] = [
            "hasGraph": !analysis.nodes.isEmpty, "graphCaption": caption, "graphSVG": Self.svg(view, names: names),
            "graphEntities": view.entities.map { node -> [String: Any] in
                var row: [String: Any] = ["id": node.id, "name": node.name, "schema": node.schema, "by": node.contributedBy.joined(separator: ", "), "shared": node.contributedBy.count > 1]
                if let distance = node.distance { row["distance"] = String(distance) }
                return row
            },
            "graphLinks": view.links.map { ["schema": $0.schema, "from": names[$0.from] ?? $0.from, "to": names[$0.to] ?? $0.to] },
            "sharedEntities": analysis.shared.map { ["name": $0.name, "schema": $0.schema, "by": $0.contributedBy.joined(separator: ", ")] },
            "hasShared": !analysis.shared.isEmpty, "entityChoices": choices(nil), "neighbourhoodChoices": choices(query.get("entity")),
            "fromChoices": choices(query.get("from")), "toChoices": choices(query.get("to")),
            "linkSchemas": JITAnalysis.linkEnds.keys.sorted().map { ["value": $0] },
            "entitySchemas": ["Person", "Company", "Organization", "Vehicle", "BankAccount", "Phone", "CryptoWallet", "Address"].map { ["value": $0] },
        ]
        if let graphError { values["graphError"] = graphError }
        return values
    }

    /// The graph drawn on a circle: entities as labelled dots (members' shared ones ringed), links
    /// as lines. Escaped text only.
    static func svg(_ view: JITAnalysis.View, names: [String: String]) -> String {
        guard !view.entities.isEmpty else { return "" }
        let size = 560.0, radius = 200.0, centre = size / 2
        var position: [String: (Double, Double)] = [:]
        for (number, node) in view.entities.enumerated() {
            let angle = 2 * Double.pi * Double(number) / Double(view.entities.count) - Double.pi / 2
            position[node.id] = view.entities.count == 1 ? (centre, centre) : (centre + radius * cos(angle), centre + radius * sin(angle))
        }
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \##(Self.coordinate(size)) \##(Self.coordinate(size))" role="img" aria-labelledby="graph-caption" class="graph">"##
        for link in view.links {
            guard let a = position[link.from], let b = position[link.to] else { continue }
            svg += ##"<line x1="\##(Self.coordinate(a.0))" y1="\##(Self.coordinate(a.1))" x2="\##(Self.coordinate(b.0))" y2="\##(Self.coordinate(b.1))" stroke="#8a96a3" stroke-width="2"><title>\##(escape(link.schema))</title></line>"##
        }
        for node in view.entities {
            guard let p = position[node.id] else { continue }
            let shared = node.contributedBy.count > 1
            svg += ##"<circle cx="\##(Self.coordinate(p.0))" cy="\##(Self.coordinate(p.1))" r="\##(shared ? 10 : 7)" fill="#0b4f8a"\##(shared ? ##" stroke="#f2a900" stroke-width="4""## : "")><title>\##(escape(node.name)) (\##(escape(node.schema)))</title></circle>"##
            let anchor = p.0 < centre - 1 ? "end" : p.0 > centre + 1 ? "start" : "middle"
            let dx = anchor == "end" ? -12 : anchor == "start" ? 12 : 0
            svg += ##"<text x="\##(Self.coordinate(p.0 + Double(dx)))" y="\##(Self.coordinate(p.1 - 12))" text-anchor="\##(anchor)" font-size="13">\##(escape(String((names[node.id] ?? node.id).prefix(28))))</text>"##
        }
        return svg + "</svg>"
    }

    /// A drawing coordinate, in whole pixels.
    static func coordinate(_ value: Double) -> String { String(format: "%.0f", value) }

    /// A file size for people: bytes, KB, MB or GB.
    static func size(_ bytes: Int) -> String {
        switch bytes {
        case ..<1024: "\(bytes) B"
        case ..<(1 << 20): String(format: "%.1f KB", Double(bytes) / 1024)
        case ..<(1 << 30): String(format: "%.1f MB", Double(bytes) / Double(1 << 20))
        default: String(format: "%.2f GB", Double(bytes) / Double(1 << 30))
        }
    }

    /// A dossier on one entity, as a document to read, print or file.
    private func dossier(request: Request, context: LiaisonRequestContext, id: String, entity: String) async throws -> Response {
        let strings = text(request)
        let dossier = try await service.dossier(id, entity: entity, principal: context.principal)
        func mention(_ item: JITDossier.Mention) -> [String: Any] {
            ["kind": strings["jit_kind_\(item.kind)"] ?? item.kind, "title": item.title, "text": item.text, "hasText": !item.text.isEmpty, "author": item.author,
             "by": item.by, "day": CasePages.day(item.at), "when": item.at.formatted(.iso8601)]
        }
        let values: [String: Any] = [
            "id": id, "spaceID": id, "entityID": dossier.entity.id, "team": dossier.team, "name": dossier.entity.name, "schema": dossier.entity.schema,
            "contributedBy": dossier.entity.contributedBy.joined(separator: ", "),
            "properties": dossier.properties.sorted { $0.key < $1.key }.map { ["property": $0.key, "values": $0.value.joined(separator: "; ")] },
            "contributions": dossier.contributions.map(mention), "mentions": dossier.mentions.map(mention), "hasMentions": !dossier.mentions.isEmpty,
            "relations": dossier.relations.map { ["schema": $0.schema, "outgoing": $0.direction == "outgoing", "other": $0.other, "otherName": $0.otherName, "by": $0.contributedBy.joined(separator: ", ")] },
            "hasRelations": !dossier.relations.isEmpty,
            "neighbours": dossier.neighbours.map { ["id": $0.id, "name": $0.name, "schema": $0.schema, "by": $0.contributedBy.joined(separator: ", ")] },
            "hasNeighbours": !dossier.neighbours.isEmpty,
            "generated": "\(CasePages.day(dossier.generatedAt)) \(CasePages.time(dossier.generatedAt))", "generatedBy": dossier.generatedBy,
        ]
        return renderer.page("jit-dossier", title: { "\($0["jit_dossier_title"] ?? "Dossier"): \(dossier.entity.name)" }, request: request, context: context, status: .ok, values: values)
    }

    private func text(_ request: Request) -> [String: String] {
        renderer.strings.strings(renderer.strings.language(for: request.headers[.acceptLanguage]))
    }

    private func list(request: Request, context: LiaisonRequestContext, form: [String: Any] = [:], error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let strings = text(request)
        let spaces = try await service.list(principal: context.principal)
        var values: [String: Any] = [
            "spaces": spaces.map { space -> [String: Any] in
                ["id": space.id, "name": space.agreement.name, "parties": space.agreement.agencies.joined(separator: ", "),
                 "status": strings["jit_status_\(space.status.rawValue)"] ?? space.status.rawValue,
                 "period": "\(CasePages.day(space.agreement.validFrom)) – \(CasePages.lastDay(space.agreement.endsAt))"]
            },
            "hasSpaces": !spaces.isEmpty,
            "proposes": AccessRule.judicialDeciders.admittedRoles.contains(context.principal?.role ?? .oversight),
            "form": ["name": "", "purpose": "", "parties": "\(service.ownAgencyCode): ", "states": "", "validFrom": "", "validUntil": "", "plan": "",
                     "informationRules": "", "evidenceRules": ""].merging(form.compactMapValues { $0 as? String }) { _, typed in typed },
        ]
        if let error { values["error"] = error }
        if case .session(let csrf, _) = context.credential { values["csrf"] = csrf }
        return renderer.page("jits", title: { $0["jits_title"] ?? "Joint investigation teams" }, request: request, context: context, status: status, values: values)
    }

    private func show(request: Request, context: LiaisonRequestContext, id: String, form: [String: Any] = [:], error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let strings = text(request)
        let space = try await service.view(id, principal: context.principal)
        let agreement = space.agreement
        let deciders = AccessRule.judicialDeciders.admittedRoles.contains(context.principal?.role ?? .oversight)
        var values: [String: Any] = [
            "id": id, "spaceID": id, "name": agreement.name, "purpose": agreement.purpose, "statusText": strings["jit_status_\(space.status.rawValue)"] ?? space.status.rawValue,
            "active": space.status == .active, "digest": space.digest,
            "parties": agreement.parties.map { party -> [String: Any] in
                ["agency": party.agency, "leader": party.leader, "signed": space.signedBy.contains(party.agency)]
            },
            "states": agreement.statesOfOperation.joined(separator: ", "),
            "period": "\(CasePages.day(agreement.validFrom)) – \(CasePages.lastDay(agreement.endsAt))",
            "members": agreement.members.map { "\($0.name) (\($0.agency)\($0.seconded ? ", seconded" : ""))" }.joined(separator: "; "), "hasMembers": !agreement.members.isEmpty,
            "participants": agreement.participants.map { "\($0.name) (\($0.kind.rawValue))" }.joined(separator: "; "), "hasParticipants": !agreement.participants.isEmpty,
            "plan": agreement.operationalActionPlan, "informationRules": agreement.informationRules, "evidenceRules": agreement.evidenceRules,
            "disposition": strings["jit_disposition_\(agreement.disposition.rawValue.replacingOccurrences(of: "-", with: "_"))"] ?? agreement.disposition.rawValue,
            "signs": deciders && space.awaiting.contains(service.ownAgencyCode) && space.status == .proposed,
            "awaiting": space.awaiting.joined(separator: ", "), "isAwaiting": !space.awaiting.isEmpty,
            "contributions": space.contributions.reversed().map { item -> [String: Any] in
                let contribution = item.contribution
                var row: [String: Any] = [
                    "when": contribution.createdAt.formatted(.iso8601), "day": CasePages.day(contribution.createdAt), "author": contribution.author,
                    "by": contribution.createdBy, "kind": strings["jit_kind_\(contribution.kind.rawValue)"] ?? contribution.kind.rawValue, "title": contribution.title,
                    "text": contribution.text, "hasText": !contribution.text.isEmpty, "superseded": item.superseded, "sequence": contribution.sequence,
                ]
                if let task = contribution.task {
                    row["task"] = "\(task.owner) (\(task.agency)) · \(task.status.rawValue)\(task.due.map { " · " + CasePages.lastDay($0) } ?? "")"
                }
                return row
            },
            "hasContributions": !space.contributions.isEmpty,
            "tasksDue": space.tasksDue.map { ["due": CasePages.lastDay($0.due), "title": $0.title, "owner": $0.owner, "agency": $0.agency, "overdue": $0.overdue] },
            "hasTasksDue": !space.tasksDue.isEmpty, "added": request.uri.queryParameters.get("added") != nil,
            "uploaded": request.uri.queryParameters.get("uploaded") != nil,
            "files": space.files.map { file -> [String: Any] in
                ["contribution": file.contribution, "name": file.name, "title": file.title, "size": Self.size(file.size), "author": file.author, "by": file.uploadedBy,
                 "day": CasePages.day(file.uploadedAt), "when": file.uploadedAt.formatted(.iso8601), "sha256": file.sha256, "shortSHA": String(file.sha256.prefix(12)),
                 "complete": file.chunksHeld == file.chunks,
                 "returned": space.disposition?.disposition == JITAgreement.Disposition.returnToContributors.rawValue && file.author != service.ownAgencyCode,
                 "held": "\(file.chunksHeld)/\(file.chunks)"]
            },
            "hasFiles": !space.files.isEmpty,
            "uploadHint": (strings["jit_upload_hint"] ?? "Up to {limit}.").replacingOccurrences(of: "{limit}", with: JITService.megabytes(service.maximumFileBytes)),
            "showsLedger": space.ledger != nil,
            "ledger": (space.ledger ?? []).reversed().map { entry -> [String: Any] in
                ["when": entry.at.formatted(.iso8601), "day": CasePages.day(entry.at), "time": CasePages.time(entry.at),
                 "action": strings["jit_ledger_action_\(entry.action.rawValue)"] ?? entry.action.rawValue, "agency": entry.agency, "user": entry.user,
                 "name": entry.name, "sha256": entry.sha256, "shortSHA": String(entry.sha256.prefix(12))]
            },
            "hasLedger": !(space.ledger ?? []).isEmpty,
            "extends": deciders && (space.status == .active || space.status == .pending),
            "pendingExtensions": space.pendingExtensions.map { item -> [String: Any] in
                ["contribution": item.contribution, "proposedBy": item.proposedBy, "until": CasePages.lastDay(item.until), "reason": item.reason,
                 "awaiting": item.awaiting.joined(separator: ", "),
                 "consents": deciders && item.awaiting.contains(service.ownAgencyCode) && (space.status == .active || space.status == .pending)]
            },
            "hasPendingExtensions": !space.pendingExtensions.isEmpty,

            "signedNow": request.uri.queryParameters.get("signed") != nil,
            "kinds": ["note", "entity", "link", "task", "decision", "minutes"].map { ["value": $0, "label": strings["jit_kind_\($0)"] ?? $0, "selected": ($0 == (form["kind"] as? String ?? "note"))] },
            "form": ["title": "", "text": "", "taskOwner": "", "taskDue": ""].merging(form.compactMapValues { $0 as? String }) { _, typed in typed },
        ]
        values.merge(try graphValues(space, request: request, strings: strings)) { _, graph in graph }
        // Sections render for any value but false or nil (an empty string included): set only when present.
        if let applied = space.disposition { values["dispositionApplied"] = CasePages.day(applied.appliedAt) }
        let report = try await service.evaluation(id, principal: context.principal)
        values["showsEvaluation"] = space.status == .closed || !report.answers.isEmpty
        values["answersEvaluation"] = deciders && (space.status == .active || (space.status == .closed && agreement.accepts(.evaluation, at: service.clock.now())))
        values["evaluationAnswers"] = report.answers.map { answer -> [String: Any] in
            ["agency": answer.agency, "by": answer.by, "worked": answer.answers.worked, "obstacles": answer.answers.obstacles, "arrests": answer.answers.arrests,
             "convictions": answer.answers.convictions, "victims": answer.answers.victimsIdentified, "seizures": answer.answers.seizures]
        }
        if !report.awaiting.isEmpty { values["evaluationAwaiting"] = report.awaiting.joined(separator: ", ") }
        values["evaluationTotals"] = "\(report.totals["arrests"] ?? 0) / \(report.totals["convictions"] ?? 0) / \(report.totals["victimsIdentified"] ?? 0)"
        values["evaluationCounts"] = report.contributions.sorted { $0.key < $1.key }.map { agency, kinds in
            "\(agency): " + kinds.sorted { $0.key < $1.key }.map { "\(strings["jit_kind_\($0.key)"] ?? $0.key) \($0.value)" }.joined(separator: ", ")
        }.joined(separator: " · ")
        if let error { values["error"] = error }
        if case .session(let csrf, _) = context.credential { values["csrf"] = csrf }
        return renderer.page("jit", title: { _ in agreement.name }, request: request, context: context, status: status, values: values)
    }
}
