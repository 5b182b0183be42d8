import Foundation
import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// An instrument as the API shows it: the instrument, what its offence means for dual
/// criminality, its next deadline and missed clocks, the refusal grounds of its kind, and the
/// steps the reader may take now.
struct InstrumentView: Encodable {
    var instrument: Instrument
    var offence: OffenceAssessment
    var nextDeadline: Date?
    var missedClocks: [String]
    var refusalGrounds: [RefusalGround]
    var actions: [String]
    /// What was asked against what came back, measure by measure.
    var results: [MeasureResults]

    struct MeasureResults: Encodable {
        var measure: String
        var asked: Bool
        var returned: [MeasureResult]
    }

    init(_ instrument: Instrument, principal: Principal?, now: Date) {
        self.instrument = instrument
        offence = instrument.form.offence(of: instrument.document)
        nextDeadline = instrument.nextDeadline
        missedClocks = instrument.clocks.filter { $0.missed(at: now) }.map(\.reading.clock.rawValue)
        refusalGrounds = instrument.direction == .incoming ? instrument.kind.refusalGrounds : []
        actions = InstrumentAction.allCases.filter { action in
            action != .receive && instrument.isOurs(action) && InstrumentLifecycle.next(action, from: instrument.state) != nil
                && principal.map { action.roles.contains($0.role) } == true && Self.applies(action, to: instrument, now: now)
        }.map(\.rawValue)
        results = instrument.resultsByMeasure.map { MeasureResults(measure: $0.measure, asked: $0.asked, returned: $0.results) }
    }
}

extension InstrumentView {
    /// Whether a step the state allows makes sense for this instrument: an arrest and a consent
    /// only on an arrest warrant or extradition request, each once, the consent after the arrest.
    static func applies(_ action: InstrumentAction, to instrument: Instrument, now: Date) -> Bool {
        switch action {
        case .arrest: [.eaw, .extradition].contains(instrument.kind) && !instrument.history.contains { $0.action == .arrest }
        case .consent: [.eaw, .extradition].contains(instrument.kind) && instrument.history.contains { $0.action == .arrest } && !instrument.history.contains { $0.action == .consent }
        case .explainDelay: instrument.clocks.contains { $0.isRunning && $0.reading.deadline <= now }
        default: true
        }
    }
}

/// A register row: enough to see what is due, without the form.
struct InstrumentSummary: Encodable {
    var id: String
    var reference: String
    var kind: InstrumentKind
    var direction: Instrument.Direction
    var state: InstrumentState
    var partner: String
    var caseReference: String?
    var urgent: Bool
    var nextDeadline: Date?
    var nextClock: String?
    var overdue: Bool
    var updatedAt: Date

    init(_ instrument: Instrument, now: Date) {
        id = instrument.id
        reference = instrument.reference
        kind = instrument.kind
        direction = instrument.direction
        state = instrument.state
        partner = InstrumentStore.partner(of: instrument)
        caseReference = instrument.caseReference
        urgent = instrument.isUrgent
        let next = instrument.clocks.filter(\.isRunning).min { $0.reading.deadline < $1.reading.deadline }
        nextDeadline = next?.reading.deadline
        nextClock = next?.reading.clock.rawValue
        overdue = next.map { $0.reading.deadline <= now } ?? false
        updatedAt = instrument.updatedAt
    }
}

/// A form as the API describes it, for editors and templates.
struct FormDescription: Encodable {
    struct Field: Encodable {
        var id: String
        var kind: String
        var options: [String]?
        var requirement: String
        var requiredWhen: String?
    }

    struct Section: Encodable {
        var id: String
        var requirement: String
        var requiredWhen: String?
        var repeats: Bool
        var fields: [Field]
    }

    var id: String
    var source: String
    var sections: [Section]

    init(_ form: InstrumentForm) {
        id = form.id
        source = form.source
        sections = form.sections.map { section in
            Section(
                id: section.id, requirement: Self.requirement(section.requirement).0, requiredWhen: Self.requirement(section.requirement).1, repeats: section.repeats,
                fields: section.fields.map { field in
                    Field(id: field.id, kind: Self.kind(field.kind).0, options: Self.kind(field.kind).1, requirement: Self.requirement(field.requirement).0, requiredWhen: Self.requirement(field.requirement).1)
                }
            )
        }
    }

    static func requirement(_ requirement: FormRequirement) -> (String, String?) {
        switch requirement {
        case .optional: ("optional", nil)
        case .required: ("required", nil)
        case .requiredWhen(let path, let value): ("conditional", "\(path)=\(value)")
        case .atValidation: ("at-validation", nil)
        }
    }

    static func kind(_ kind: FormField.Kind) -> (String, [String]?) {
        switch kind {
        case .line: ("line", nil)
        case .text: ("text", nil)
        case .date: ("date", nil)
        case .country: ("country", nil)
        case .language: ("language", nil)
        case .yesNo: ("yes-no", ["yes", "no"])
        case .months: ("months", nil)
        case .money: ("money", nil)
        case .offence: ("offence", OffenceCategory.allCases.map(\.rawValue))
        case .choice(let options): ("choice", options)
        case .choices(let options): ("choices", options)
        case .list: ("list", nil)
        }
    }

    /// An empty document of the form: every section and field with an empty value, for a user to
    /// fill in (`liaison instruments template`).
    static func template(_ form: InstrumentForm, language: String) -> InstrumentDocument {
        var sections: [String: [FormEntry]] = [:]
        for section in form.sections {
            sections[section.id] = [Dictionary(uniqueKeysWithValues: section.fields.map { field in
                let many: Bool = switch field.kind { case .choices, .list: true; default: false }
                return (field.id, many ? FormValue.list([]) : .text(""))
            })]
        }
        return InstrumentDocument(form: form.id, language: language, sections: sections)
    }
}

/// The instruments API: forms, the register, drafting, changing, steps and extensions.
struct InstrumentController {
    let service: InstrumentService
    let configuration: NodeConfiguration

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v1/instrument-forms", access: .instrumentHandlers, surface: .api) { _, _ in
            try JSONBody.response(InstrumentForm.all.map(FormDescription.init))
        }
        routes.on(.get, "/api/v1/instrument-forms/:form", access: .instrumentHandlers, surface: .api) { request, context in
            let id: String = try context.parameters.require("form")
            guard let form = InstrumentForm.named(id) else {
                throw LiaisonError(.notFound, "No form '\(id.prefix(40))'; the forms are \(InstrumentForm.all.map(\.id).joined(separator: ", ")).")
            }
            if request.uri.queryParameters.get("template") == "true" {
                return try JSONBody.response(FormDescription.template(form, language: request.uri.queryParameters.get("language") ?? "en"))
            }
            return try JSONBody.response(FormDescription(form))
        }
        routes.on(.get, "/api/v1/instruments", access: .instrumentHandlers, surface: .api) { request, context in
            let query = request.uri.queryParameters
            let direction = try Self.direction(query.get("direction"))
            let within = try Self.due(query.get("due"))
            let now = service.clock.now()
            let records = try await service.register(principal: context.principal, direction: direction, dueWithin: within)
            return try JSONBody.response(records.map { InstrumentSummary($0.instrument, now: now) })
        }
        // The directory of competent authorities and the jurisdictions' calendars: read by those
        // who handle instruments, replaced by an administrator (logged).
        routes.on(.get, "/api/v1/judicial/directory", access: .instrumentHandlers.adding(.administrator), surface: .api) { _, _ in
            try JSONBody.response(service.calendars.directory)
        }
        routes.on(.put, "/api/v1/judicial/directory", access: .administrators, surface: .api, audited: .instrumentDirectoryReplaced) { request, _ in
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: configuration.maxBodyBytes) } catch {
                throw LiaisonError(.bodyTooLarge, "The directory is larger than this node's limit of \(configuration.maxBodyBytes) bytes.")
            }
            let directory = try service.calendars.replace(with: Data(body.readableBytesView), nodeDirectory: URL(fileURLWithPath: configuration.dataDirectory))
            return try JSONBody.response(directory)
        }
        routes.on(.get, "/api/v1/instruments/reminders", access: .instrumentHandlers, surface: .api) { _, context in
            try JSONBody.response(try await service.reminders(principal: context.principal))
        }
        routes.on(.get, "/api/v1/instruments/statistics", access: .instrumentStatisticsReaders, surface: .api) { request, context in
            let query = request.uri.queryParameters
            let period = try CalendarDay.period(from: query.get("from"), to: query.get("to"), now: service.clock.now())
            return try JSONBody.response(try await service.statistics(from: period.from, to: period.to))
        }
        routes.on(.post, "/api/v1/instruments", access: .instrumentHandlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(InstrumentService.Drafting.self, from: request, limit: configuration.maxBodyBytes)
            let record = try await service.draft(body, principal: context.principal)
            return try JSONBody.response(InstrumentView(record.instrument, principal: context.principal, now: service.clock.now()), status: .created)
        }
        // Reading an instrument consults the personal data its form names: logged.
        routes.on(.get, "/api/v1/instruments/:id", access: .instrumentHandlers, surface: .api, audited: .instrumentRead) { _, context in
            let record = try await service.read(try context.parameters.require("id"), principal: context.principal)
            return try JSONBody.response(InstrumentView(record.instrument, principal: context.principal, now: service.clock.now()))
        }
        // A certified translation sent with the instrument: reading it is logged like the instrument.
        routes.on(.get, "/api/v1/instruments/:id/translations/:sha256", access: .instrumentHandlers, surface: .api, audited: .instrumentRead) { _, context in
            let (attachment, content) = try await service.translation(try context.parameters.require("id"), sha256: try context.parameters.require("sha256"), principal: context.principal)
            let name = attachment.name.filter { $0.isLetter || $0.isNumber || ".-_ ".contains($0) }
            return Response(status: .ok, headers: [.contentType: attachment.mediaType.contains("\n") ? "application/octet-stream" : attachment.mediaType,
                                                   .contentDisposition: "attachment; filename=\"\(name.isEmpty ? "translation" : name)\""],
                            body: .init(byteBuffer: ByteBuffer(bytes: content)))
        }
        routes.on(.put, "/api/v1/instruments/:id/document", access: .instrumentHandlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(InstrumentService.Changing.self, from: request, limit: configuration.maxBodyBytes)
            let record = try await service.change(try context.parameters.require("id"), body, principal: context.principal)
            return try JSONBody.response(InstrumentView(record.instrument, principal: context.principal, now: service.clock.now()))
        }
        routes.on(.post, "/api/v1/instruments/:id/steps", access: .instrumentHandlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(InstrumentService.Stepping.self, from: request, limit: configuration.maxBodyBytes)
            let record = try await service.step(try context.parameters.require("id"), body, principal: context.principal)
            return try JSONBody.response(InstrumentView(record.instrument, principal: context.principal, now: service.clock.now()))
        }
        routes.on(.post, "/api/v1/instruments/:id/extensions", access: .instrumentHandlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(InstrumentService.Extending.self, from: request, limit: configuration.maxBodyBytes)
            let record = try await service.extend(try context.parameters.require("id"), body, principal: context.principal)
            return try JSONBody.response(InstrumentView(record.instrument, principal: context.principal, now: service.clock.now()))
        }
    }

    static func direction(_ text: String?) throws -> Instrument.Direction? {
        guard let text, !text.isEmpty, text != "all" else { return nil }
        guard let direction = Instrument.Direction(rawValue: text) else {
            throw LiaisonError(.invalidInput, "direction must be outgoing, incoming or all, not '\(text.prefix(40))'.")
        }
        return direction
    }

    /// `week` (what is due within seven days, overdue included), `day`, or `all`.
    static func due(_ text: String?) throws -> TimeInterval? {
        switch text {
        case nil, "", "all": return nil
        case "day": return 86_400
        case "week": return 7 * 86_400
        case let other?: throw LiaisonError(.invalidInput, "due must be day, week or all, not '\(other.prefix(40))'.")
        }
    }
}
