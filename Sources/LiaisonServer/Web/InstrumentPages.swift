import Foundation
import Hummingbird
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// The labels of the official forms in one language: form titles, section titles (`eio.H4`) and
/// field labels, from `Resources/judicial/forms/<language>.json`.
struct FormLabels: Decodable, Sendable {
    var forms: [String: String]
    var sections: [String: String]
    var fields: [String: String]

    static func load(resources: URL) -> [String: FormLabels] {
        let folder = resources.appendingPathComponent("judicial/forms")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var labels: [String: FormLabels] = [:]
        for file in files where file.hasSuffix(".json") {
            if let data = try? Data(contentsOf: folder.appendingPathComponent(file)), let decoded = try? JSONDecoder().decode(FormLabels.self, from: data) {
                labels[String(file.dropLast(5))] = decoded
            }
        }
        return labels
    }

    func form(_ id: String) -> String { forms[id] ?? id }
    func section(_ form: String, _ id: String) -> String { sections["\(form).\(id)"] ?? id }
    func field(_ id: String) -> String { fields[id] ?? id }
}

/// The instrument pages: the register with its clocks (what is due first), the form editor that
/// keeps everything typed and names each problem at its field, and an instrument's page with its
/// clocks, its form, its history and the steps the reader may take.
struct InstrumentPages {
    let renderer: PageRenderer
    let service: InstrumentService
    let forms: FormReader
    let labels: [String: FormLabels]

    func register(on routes: RouteTable) {
        routes.on(.get, "/instruments", access: .instrumentHandlers, surface: .web) { request, context in
            try await list(request: request, context: context)
        }
        routes.on(.get, "/instruments/statistics", access: .instrumentStatisticsReaders, surface: .web) { request, context in
            let query = request.uri.queryParameters
            var values: [String: Any] = ["from": query.get("from") ?? "", "to": query.get("to") ?? ""]
            do {
                let period = try CalendarDay.period(from: query.get("from").flatMap { $0.isEmpty ? nil : $0 }, to: query.get("to").flatMap { $0.isEmpty ? nil : $0 }, now: service.clock.now())
                values["report"] = TransparencyHTML.judicialFragment(try await service.statistics(from: period.from, to: period.to))
                values["from"] = CasePages.day(period.from)
                values["to"] = CasePages.lastDay(period.to)
                return renderer.page("instrument-statistics", title: { $0["instrument_statistics_title"] ?? "Statistics" }, request: request, context: context, values: values)
            } catch let error as LiaisonError {
                values["error"] = error.message
                return renderer.page("instrument-statistics", title: { $0["instrument_statistics_title"] ?? "Statistics" }, request: request, context: context, status: .badRequest, values: values)
            }
        }
        routes.on(.get, "/instruments/new", access: .instrumentHandlers, surface: .web) { request, context in
            let kind = InstrumentKind(rawValue: request.uri.queryParameters.get("kind") ?? "eio") ?? .eio
            let form = InstrumentForm.of(kind)
            // A form started from elsewhere (the money trail's freezing certificate) arrives filled in
            // part: `f.<section>.<entry>.<field>=value`, and the case.
            var sections: [String: [FormEntry]] = [:]
            for (name, value) in request.uri.queryParameters where name.hasPrefix("f.") {
                let parts = name.dropFirst(2).split(separator: ".")
                guard parts.count == 3, let index = Int(parts[1]), (0..<20).contains(index),  // checked: parses text: nil when not a number
                    let section = form.section(String(parts[0])), section.fields.contains(where: { $0.id == String(parts[2]) })
                else { continue }
                var entries = sections[section.id] ?? []
                while entries.count <= index { entries.append([:]) }
                entries[index][String(parts[2])] = .text(String(String(value).prefix(2_000)))
                sections[section.id] = entries
            }
            let caseReference = request.uri.queryParameters.get("caseReference").map { String($0.prefix(60)) } ?? ""
            return editor(
                request: request, context: context, kind: kind, document: InstrumentDocument(form: form.id, language: "en", sections: sections),
                extra: ["caseReference": caseReference])
        }
        // Live validation: the form as it stands, checked and answered with its problems (JSON),
        // nothing stored.
        routes.on(.post, "/instruments/check", access: .instrumentHandlers, surface: .web) { request, context in
            let pairs = try await forms.readPairs(from: request)
            try forms.checkCSRF(pairs.first { $0.0 == "csrf" }?.1, context: context)
            let kind = InstrumentKind(rawValue: Self.value("kind", pairs) ?? "") ?? .eio
            let form = InstrumentForm.of(kind)
            let problems = form.problems(in: Self.document(kind: kind, pairs: pairs)).map { problem -> [String: String] in
                var row = ["section": problem.section, "message": problem.message, "text": problem.description]
                if let target = Self.target(of: problem.description) {
                    row["anchor"] = "f-\(target.key.replacingOccurrences(of: ".", with: "-"))"
                } else if form.section(problem.section) != nil {
                    row["anchor"] = "section-\(problem.section)"
                }
                if let field = problem.field { row["field"] = field }
                return row
            }
            return try JSONBody.response(["problems": problems])
        }
        routes.on(.post, "/instruments/new", access: .instrumentHandlers, surface: .web) { request, context in
            let pairs = try await forms.readPairs(from: request)
            try forms.checkCSRF(pairs.first { $0.0 == "csrf" }?.1, context: context)
            let kind = InstrumentKind(rawValue: Self.value("kind", pairs) ?? "") ?? .eio
            var document = Self.document(kind: kind, pairs: pairs)
            let extra = ["executor": Self.value("executor", pairs) ?? "", "caseReference": Self.value("caseReference", pairs) ?? ""]
            if let more = Self.value("more", pairs) {
                document.sections[more, default: []].append([:])
                return editor(request: request, context: context, kind: kind, document: document, extra: extra)
            }
            do {
                let drafting = InstrumentService.Drafting(
                    kind: kind.rawValue, executor: extra["executor"].flatMap { $0.isEmpty ? nil : $0 }, caseReference: extra["caseReference"].flatMap { $0.isEmpty ? nil : $0 },
                    document: document
                )
                let record = try await service.draft(drafting, principal: context.principal)
                return Response(status: .seeOther, headers: [.location: "/instruments/\(record.instrument.id)?saved=1"])
            } catch let error as LiaisonError where error.code.kind != .forbidden {
                return editor(request: request, context: context, kind: kind, document: document, extra: extra, error: error, status: error.status)
            }
        }
        // An instrument names people: reading it is logged (Directive 2016/680 Art. 25).
        routes.on(.get, "/instruments/:id", access: .instrumentHandlers, surface: .web, audited: .instrumentRead) { request, context in
            try await show(request: request, context: context, id: try context.parameters.require("id"))
        }
        // The official layout to print, in one language or two side by side (labels from the
        // catalogue; what was filled in stays in the language it was written in).
        routes.on(.get, "/instruments/:id/print", access: .instrumentHandlers, surface: .web, audited: .instrumentRead) { request, context in
            let record = try await service.read(try context.parameters.require("id"), principal: context.principal)
            let query = request.uri.queryParameters
            let first = try Self.language(query.get("language") ?? record.instrument.document.language, labels, fallback: "en")
            let second = try query.get("second").flatMap { $0.isEmpty ? nil : $0 }.map { try Self.language($0, labels, fallback: nil) }
            let html = Self.printable(record.instrument, labels: labels, first: first, second: second)
            var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
            // The node's stylesheet and nothing else (the pages' policy; the default for other answers is 'none').
            headers[.init("Content-Security-Policy")!] = "default-src 'self'; form-action 'self'; frame-ancestors 'none'"  // checked: a constant, valid header name
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        }
        // The same layout as a PDF file (text, Latin scripts; see PDFWriter).
        routes.on(.get, "/instruments/:id/pdf", access: .instrumentHandlers, surface: .web, audited: .instrumentRead) { request, context in
            let record = try await service.read(try context.parameters.require("id"), principal: context.principal)
            let query = request.uri.queryParameters
            let first = try Self.language(query.get("language") ?? record.instrument.document.language, labels, fallback: "en")
            let second = try query.get("second").flatMap { $0.isEmpty ? nil : $0 }.map { try Self.language($0, labels, fallback: nil) }
            let pdf = Self.pdf(record.instrument, labels: labels, first: first, second: second)
            let name = record.instrument.reference.map { $0.isLetter || $0.isNumber ? $0 : "-" }
            return Response(status: .ok, headers: [.contentType: "application/pdf", .contentDisposition: "attachment; filename=\"\(String(name)).pdf\"", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: pdf)))
        }
        routes.on(.get, "/instruments/:id/edit", access: .instrumentHandlers, surface: .web) { request, context in
            let record = try await service.read(try context.parameters.require("id"), principal: context.principal)
            return editor(request: request, context: context, kind: record.instrument.kind, document: record.instrument.document, extra: [:], editing: record.instrument)
        }
        routes.on(.post, "/instruments/:id/edit", access: .instrumentHandlers, surface: .web) { request, context in
            let record = try await service.read(try context.parameters.require("id"), principal: context.principal)
            let pairs = try await forms.readPairs(from: request)
            try forms.checkCSRF(pairs.first { $0.0 == "csrf" }?.1, context: context)
            var document = Self.document(kind: record.instrument.kind, pairs: pairs)
            let reason = Self.value("reason", pairs)
            if let more = Self.value("more", pairs) {
                document.sections[more, default: []].append([:])
                return editor(request: request, context: context, kind: record.instrument.kind, document: document, extra: ["reason": reason ?? ""], editing: record.instrument)
            }
            do {
                _ = try await service.change(record.instrument.id, .init(document: document, reason: reason), principal: context.principal)
                return Response(status: .seeOther, headers: [.location: "/instruments/\(record.instrument.id)?saved=1"])
            } catch let error as LiaisonError where error.code.kind != .forbidden {
                return editor(request: request, context: context, kind: record.instrument.kind, document: document, extra: ["reason": reason ?? ""], editing: record.instrument, error: error, status: error.status)
            }
        }
        routes.on(.post, "/instruments/:id/steps", access: .instrumentHandlers, surface: .web) { request, context in
            let pairs = try await forms.readPairs(from: request)
            try forms.checkCSRF(pairs.first { $0.0 == "csrf" }?.1, context: context)
            let id = try context.parameters.require("id")
            var step = InstrumentService.Stepping(action: Self.value("action", pairs) ?? "", reason: Self.value("reason", pairs), ground: Self.value("ground", pairs))
            // One result per submission: the measure, what came back, the evidence items handed over.
            if let summary = Self.value("summary", pairs), !summary.allSatisfy(\.isWhitespace) {
                let evidence = (Self.value("evidence", pairs) ?? "").split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
                step.results = [MeasureResult(measure: Self.value("measure", pairs) ?? "", summary: summary, evidence: evidence)]
            }
            do {
                _ = try await service.step(id, step, principal: context.principal)
                return Response(status: .seeOther, headers: [.location: "/instruments/\(id)?done=\(step.action)"])
            } catch let error as LiaisonError where ![.notFound, .forbidden].contains(error.code.kind) {
                return try await show(request: request, context: context, id: id, typed: pairs, error: error.message, status: error.status)
            }
        }
        routes.on(.post, "/instruments/:id/extensions", access: .instrumentHandlers, surface: .web) { request, context in
            let pairs = try await forms.readPairs(from: request)
            try forms.checkCSRF(pairs.first { $0.0 == "csrf" }?.1, context: context)
            let id = try context.parameters.require("id")
            let amount = Int(Self.value("amount", pairs) ?? "") ?? 0  // checked: parses text: nil when not a number
            let extending = InstrumentService.Extending(clock: Self.value("clock", pairs) ?? "", amount: amount, unit: Self.value("unit", pairs) ?? "days", reason: Self.value("reason", pairs) ?? "")
            do {
                _ = try await service.extend(id, extending, principal: context.principal)
                return Response(status: .seeOther, headers: [.location: "/instruments/\(id)?done=extend"])
            } catch let error as LiaisonError where ![.notFound, .forbidden].contains(error.code.kind) {
                return try await show(request: request, context: context, id: id, typed: pairs, error: error.message, status: error.status)
            }
        }
    }

    static func value(_ name: String, _ pairs: [(String, String)]) -> String? {
        pairs.first { $0.0 == name }?.1
    }

    /// The document a submitted form holds: fields named `section.entry.field`; a choice of
    /// several comes as several values, a list as lines.
    static func document(kind: InstrumentKind, pairs: [(String, String)]) -> InstrumentDocument {
        let form = InstrumentForm.of(kind)
        var sections: [String: [Int: FormEntry]] = [:]
        for (name, value) in pairs {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, let section = form.section(parts[0]), let index = Int(parts[1]), (0..<50).contains(index),  // checked: parses text: nil when not a number
                  let field = section.fields.first(where: { $0.id == parts[2] }) else { continue }
            var entry = sections[section.id, default: [:]][index] ?? [:]
            switch field.kind {
            case .choices:
                if case .list(let values) = entry[field.id] { entry[field.id] = .list(values + [value]) } else { entry[field.id] = .list([value]) }
            case .list:
                entry[field.id] = .list(value.split(whereSeparator: \.isNewline).map(String.init))
            default:
                entry[field.id] = .text(value)
            }
            sections[section.id, default: [:]][index] = entry
        }
        var document = InstrumentDocument(form: form.id, language: value("language", pairs) ?? "en", sections: [:])
        for (id, entries) in sections {
            // Entries left empty (the spare one a repeating section offers) are not entries.
            let filled = entries.keys.sorted().compactMap { entries[$0] }.filter { entry in entry.values.contains { !$0.values.isEmpty } }
            if !filled.isEmpty { document.sections[id] = filled }
        }
        return document
    }

    func formLabels(_ request: Request) -> FormLabels {
        let language = renderer.strings.language(for: request.headers[.acceptLanguage])
        return labels[language] ?? labels["en"] ?? FormLabels(forms: [:], sections: [:], fields: [:])
    }

    // MARK: The register

    private func list(request: Request, context: LiaisonRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let direction = Instrument.Direction(rawValue: query.get("direction") ?? "")
        let dueWeek = query.get("due") == "week"
        let records = try await service.register(principal: context.principal, direction: direction, dueWithin: dueWeek ? 7 * 86_400 : nil)
        let now = service.clock.now()
        let names = formLabels(request)
        let strings = renderer.strings.strings(renderer.strings.language(for: request.headers[.acceptLanguage]))
        let rows: [[String: Any]] = records.map { record in
            let summary = InstrumentSummary(record.instrument, now: now)
            var row: [String: Any] = [
                "id": summary.id, "reference": summary.reference, "kind": names.form(record.instrument.form.id), "incoming": summary.direction == .incoming,
                "partner": summary.partner, "state": strings["instrument_state_\(summary.state.rawValue.replacingOccurrences(of: "-", with: "_"))"] ?? summary.state.rawValue,
                "overdue": summary.overdue, "urgent": summary.urgent,
            ]
            if let deadline = summary.nextDeadline {
                row["due"] = CasePages.day(deadline) + " " + CasePages.time(deadline)
                row["dueAt"] = CasePages.iso(deadline)
                row["clock"] = strings["clock_\(summary.nextClock?.replacingOccurrences(of: "-", with: "_") ?? "")"] ?? summary.nextClock ?? ""
                row["hasDue"] = true
            }
            return row
        }
        var values: [String: Any] = [
            "instruments": rows, "hasInstruments": !rows.isEmpty, "dueWeek": dueWeek, "allDue": !dueWeek,
            "directionAll": direction == nil, "directionOut": direction == .outgoing, "directionIn": direction == .incoming,
            "kinds": InstrumentKind.allCases.filter { InstrumentService.drafters(of: $0).contains(context.principal?.role ?? .oversight) }
                .map { ["value": $0.rawValue, "label": names.form(InstrumentForm.of($0).id)] },
        ]
        values["drafts"] = !(values["kinds"] as? [[String: String]] ?? []).isEmpty
        return renderer.page("instruments", title: { $0["instruments_title"] ?? "Instruments" }, request: request, context: context, values: values)
    }

    // MARK: The form editor

    private func editor(
        request: Request, context: LiaisonRequestContext, kind: InstrumentKind, document: InstrumentDocument, extra: [String: String],
        editing: Instrument? = nil, error: LiaisonError? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        let form = InstrumentForm.of(kind)
        let names = formLabels(request)
        let strings = renderer.strings.strings(renderer.strings.language(for: request.headers[.acceptLanguage]))
        // Problems by the place they name: "section E[2], field name: required".
        var problems: [String: String] = [:]
        var listed: [[String: Any]] = []
        for line in error?.errors ?? error.map { [$0.message] } ?? [] {
            let target = Self.target(of: line)
            if let target { problems[target.key] = target.message }
            // A field's problem links to the field, a section's to the section.
            let section = line.hasPrefix("section ") ? line.dropFirst(8).prefix { $0 != ":" && $0 != "," && $0 != "[" } : nil
            let anchor = target.map { "f-\($0.key.replacingOccurrences(of: ".", with: "-"))" } ?? section.flatMap { form.section(String($0)) != nil ? "section-\($0)" : nil }
            listed.append(["text": line, "anchor": anchor ?? "", "hasAnchor": anchor != nil])
        }
        let sections: [[String: Any]] = form.sections.map { section in
            var entries = document.sections[section.id] ?? []
            if entries.isEmpty { entries = [[:]] }
            let conditional = FormDescription.requirement(section.requirement)
            return [
                "id": section.id, "title": names.section(form.id, section.id), "required": section.requirement == .required,
                "conditional": conditional.1 != nil, "condition": conditional.1.map { Self.condition($0, names) } ?? "",
                "atValidation": section.requirement == .atValidation, "repeats": section.repeats,
                "entries": entries.enumerated().map { index, entry -> [String: Any] in
                    [
                        "number": index + 1, "numbered": section.repeats,
                        "fields": section.fields.map { field in
                            Self.fieldValues(field, section: section.id, index: index, value: entry[field.id], labels: names, strings: strings, problem: problems["\(section.id).\(index).\(field.id)"])
                        },
                    ]
                },
            ]
        }
        var values: [String: Any] = [
            "kind": kind.rawValue, "formTitle": names.form(form.id), "source": form.source, "sections": sections, "language": document.language,
            "languages": ["en", "fr", "de", "fi", "es", "it", "nl", "pt", "pl"].map { ["value": $0, "selected": $0 == document.language] },
            "executor": extra["executor"] ?? "", "caseReference": extra["caseReference"] ?? "", "reason": extra["reason"] ?? "",
            "editing": editing != nil, "amending": editing.map { $0.state != .draft } ?? false,
            "action": editing.map { "/instruments/\($0.id)/edit" } ?? "/instruments/new", "problems": listed, "hasProblems": !listed.isEmpty,
        ]
        if let editing { values["reference"] = editing.reference }
        if let error, (error.errors ?? []).isEmpty { values["error"] = error.message }
        if case .session(let csrf, _) = context.credential { values["csrf"] = csrf }
        return renderer.page("instrument-form", title: { _ in names.form(form.id) }, request: request, context: context, status: status, values: values)
    }

    static func condition(_ text: String, _ labels: FormLabels) -> String {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return text }
        let field = parts[0].split(separator: ".").last.map(String.init) ?? parts[0]
        return "\(labels.field(field)): \(parts[1])"
    }

    /// Where a problem line points: `section E[2], field name: required` → `E.1.name`.
    static func target(of line: String) -> (key: String, message: String)? {
        guard line.hasPrefix("section "), let comma = line.range(of: ", field "), let colon = line.range(of: ": ", range: comma.upperBound..<line.endIndex) else { return nil }
        var section = String(line[line.index(line.startIndex, offsetBy: 8)..<comma.lowerBound])
        var index = 0
        if let open = section.firstIndex(of: "["), let close = section.firstIndex(of: "]"), let number = Int(section[section.index(after: open)..<close]) {  // checked: parses text: nil when not a number
            index = max(0, number - 1)
            section = String(section[..<open])
        }
        let field = String(line[comma.upperBound..<colon.lowerBound])
        return ("\(section).\(index).\(field)", String(line[colon.upperBound...]))
    }

    static func fieldValues(_ field: FormField, section: String, index: Int, value: FormValue?, labels: FormLabels, strings: [String: String], problem: String?) -> [String: Any] {
        let name = "\(section).\(index).\(field.id)"
        let (kind, options) = FormDescription.kind(field.kind)
        let requirement = FormDescription.requirement(field.requirement)
        let values = value?.values ?? []
        var out: [String: Any] = [
            "name": name, "htmlID": "f-\(section)-\(index)-\(field.id)", "label": labels.field(field.id), "required": requirement.0 == "required",
            "conditional": requirement.1 != nil, "condition": requirement.1.map { condition($0, labels) } ?? "",
            "isLine": ["line", "country", "language", "months", "money"].contains(kind), "isText": kind == "text", "isDate": kind == "date",
            "isChoice": ["choice", "yes-no", "offence"].contains(kind), "isChoices": kind == "choices", "isList": kind == "list",
            "value": values.first ?? "", "lines": values.joined(separator: "\n"),
            "inputMode": kind == "months" ? "numeric" : "text",
        ]
        if kind == "country" { out["hint"] = strings["instrument_country_hint"] ?? "two letters"; out["hasHint"] = true }
        if kind == "money" { out["hint"] = strings["instrument_money_hint"] ?? "EUR 150000.00"; out["hasHint"] = true }
        if kind == "months" { out["hint"] = strings["instrument_months_hint"] ?? "months"; out["hasHint"] = true }
        if kind == "list" { out["hint"] = strings["instrument_list_hint"] ?? "one per line"; out["hasHint"] = true }
        if let options {
            out["options"] = options.map { option -> [String: Any] in
                let label = kind == "offence" ? (strings[CasePages.categoryKey(OffenceCategory(rawValue: option) ?? .other)] ?? option) : option.replacingOccurrences(of: "-", with: " ")
                return ["value": option, "label": label, "selected": values.contains(option), "optionID": "f-\(section)-\(index)-\(field.id)-\(option)"]
            }
        }
        if let problem {
            out["problem"] = problem
            out["hasProblem"] = true
        }
        return out
    }

    // MARK: An instrument

    private func show(request: Request, context: LiaisonRequestContext, id: String, typed: [(String, String)] = [], error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let record = try await service.read(id, principal: context.principal)
        let instrument = record.instrument
        let now = service.clock.now()
        let view = InstrumentView(instrument, principal: context.principal, now: now)
        let names = formLabels(request)
        let strings = renderer.strings.strings(renderer.strings.language(for: request.headers[.acceptLanguage]))
        func stateWords(_ state: InstrumentState) -> String { strings["instrument_state_\(state.rawValue.replacingOccurrences(of: "-", with: "_"))"] ?? state.rawValue }
        let form = instrument.form
        var values: [String: Any] = [
            "id": instrument.id, "reference": instrument.reference, "formTitle": names.form(form.id), "source": form.source,
            "incoming": instrument.direction == .incoming, "issuer": instrument.issuer, "executor": instrument.executor, "jurisdiction": instrument.executingJurisdiction,
            "state": stateWords(instrument.state), "urgent": instrument.isUrgent, "drafter": instrument.drafter,
            "offence": view.offence.explanation,
            "clocks": instrument.clocks.map { clock -> [String: Any] in
                var row: [String: Any] = [
                    "name": strings["clock_\(clock.reading.clock.rawValue.replacingOccurrences(of: "-", with: "_"))"] ?? clock.reading.clock.rawValue,
                    "started": CasePages.day(clock.reading.startedAt) + " " + CasePages.time(clock.reading.startedAt),
                    "deadline": CasePages.day(clock.reading.deadline) + " " + CasePages.time(clock.reading.deadline), "deadlineAt": CasePages.iso(clock.reading.deadline),
                    "running": clock.isRunning, "missed": clock.missed(at: now), "met": !clock.isRunning && !clock.missed(at: now),
                ]
                if let extended = clock.reading.extendedBy { row["extension"] = "+\(extended.amount) \(extended.unit.rawValue): \(clock.reading.extensionReason ?? "")"; row["extended"] = true }
                if let stopped = clock.stoppedAt { row["stopped"] = CasePages.day(stopped) }
                return row
            },
            "hasClocks": !instrument.clocks.isEmpty,
            "history": instrument.history.map { step -> [String: Any] in
                var row: [String: Any] = ["when": CasePages.day(step.at) + " " + CasePages.time(step.at), "what": InstrumentLifecycle.pastTenseWords(step.action), "by": step.by, "state": stateWords(step.to)]
                if let reason = step.reason { row["reason"] = reason; row["hasReason"] = true }
                if let ground = step.ground { row["ground"] = ground; row["hasGround"] = true }
                return row
            },
            "hasHistory": !instrument.history.isEmpty,
            "sections": Self.readOnly(form, instrument.document, names),
            "canEdit": instrument.direction == .outgoing && instrument.state.isOpen && InstrumentService.mayRead(instrument, context.principal ?? Principal(userID: "", username: "", role: .oversight)),
            "saved": request.uri.queryParameters.get("saved") != nil,
        ]
        if let acknowledgement = instrument.acknowledgement {
            values["acknowledgement"] = Self.readOnly(InstrumentForm.eioAcknowledgement, acknowledgement, names)
            values["hasAcknowledgement"] = true
        }
        if let done = request.uri.queryParameters.get("done") { values["done"] = InstrumentAction(rawValue: done).map(InstrumentLifecycle.pastTenseWords) ?? done; values["hasDone"] = true }
        let typedReason = Self.value("reason", typed) ?? ""
        let actions = view.actions.compactMap(InstrumentAction.init(rawValue:)).filter { $0 != .amend }
        values["actions"] = actions.map { action -> [String: Any] in
            [
                "action": action.rawValue, "label": strings["instrument_action_\(action.rawValue.replacingOccurrences(of: "-", with: "_"))"] ?? action.rawValue,
                "needsReason": [.refuse, .postpone, .withdraw, .executePartly, .consult, .explainDelay].contains(action), "isRefuse": action == .refuse,
                "takesResults": [.execute, .executePartly, .returnResults].contains(action),
                "reason": Self.value("action", typed) == action.rawValue ? typedReason : "",
            ]
        }
        values["hasActions"] = !actions.isEmpty
        let asked = instrument.measuresAsked
        values["measureChoices"] = asked.map { ["value": $0, "selected": Self.value("measure", typed) == $0] }
        values["asksMeasures"] = !asked.isEmpty
        values["typedSummary"] = Self.value("summary", typed) ?? ""
        values["typedEvidence"] = Self.value("evidence", typed) ?? ""
        values["results"] = instrument.resultsByMeasure.map { row -> [String: Any] in
            [
                "measure": row.measure, "asked": row.asked, "returned": !row.results.isEmpty,
                "items": row.results.map { result -> [String: Any] in
                    ["summary": result.summary, "evidence": result.evidence.map { ["id": $0] }, "hasEvidence": !result.evidence.isEmpty]
                },
            ]
        }
        values["hasResults"] = !instrument.resultsByMeasure.isEmpty
        let translations = instrument.translations ?? []
        values["translations"] = translations.map { ["name": $0.name, "language": $0.language, "href": "/api/v1/instruments/\(instrument.id)/translations/\($0.sha256)"] }
        values["hasTranslations"] = !translations.isEmpty
        values["grounds"] = view.refusalGrounds.map { ground -> [String: Any] in
            ["code": ground.code, "label": "\(ground.provision) — \(ground.summary)\(ground.needsConsultation ? " (consult first)" : "")", "selected": Self.value("ground", typed) == ground.code]
        }
        let extendable = instrument.direction == .incoming && context.principal?.role == .judicialAuthority
            ? instrument.clocks.filter { $0.isRunning && $0.reading.clock.maximumExtension != nil && $0.reading.extendedBy == nil } : []
        values["extendable"] = extendable.map { clock -> [String: Any] in
            ["clock": clock.reading.clock.rawValue, "name": strings["clock_\(clock.reading.clock.rawValue.replacingOccurrences(of: "-", with: "_"))"] ?? clock.reading.clock.rawValue,
             "maximum": clock.reading.clock.maximumExtension?.amount ?? 0]
        }
        values["canExtend"] = !extendable.isEmpty
        values["extensionReason"] = Self.value("clock", typed) != nil ? typedReason : ""
        if let error { values["error"] = error }
        if case .session(let csrf, _) = context.credential { values["csrf"] = csrf }
        return renderer.page("instrument", title: { _ in "\(instrument.reference) — \(names.form(form.id))" }, request: request, context: context, status: status, values: values)
    }

    /// A language the catalogue has labels in.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the languages there are.
    static func language(_ code: String, _ labels: [String: FormLabels], fallback: String?) throws -> String {
        if labels[code] != nil { return code }
        if let fallback, labels[fallback] != nil { return fallback }
        throw LiaisonError(.invalidInput, "The forms' labels exist in \(labels.keys.sorted().joined(separator: ", ")), not '\(code.prefix(10))'.")
    }

    /// The instrument on its official layout: every section in the form's order (one not filled in
    /// shows a dash), each field with its label in one language or two side by side.
    static func printable(_ instrument: Instrument, labels: [String: FormLabels], first: String, second: String?) -> String {
        let escape = HTMLText.escape
        let one = labels[first] ?? FormLabels(forms: [:], sections: [:], fields: [:])
        let two = second.flatMap { labels[$0] }
        let form = instrument.form
        func both(_ a: String, _ b: String?) -> String { b.map { "\(escape(a))<br><span class=\"second\" lang=\"\(escape(second ?? ""))\">\(escape($0))</span>" } ?? escape(a) }
        var html = """
        <!DOCTYPE html>
        <html lang="\(escape(first))"><head><meta charset="utf-8"><title>\(escape(one.form(form.id))) — \(escape(instrument.reference))</title>
        <link rel="stylesheet" href="/static/style.css">
        </head><body class="printable">
        <h1>\(both(one.form(form.id), two?.form(form.id)))</h1>
        <p>\(escape(form.source)) · \(escape(instrument.reference)) · \(escape(instrument.issuer)) → \(escape(instrument.executor)) · \(escape(instrument.state.rawValue))</p>

        """
        for section in form.sections {
            html += "<h2>\(both(one.section(form.id, section.id), two?.section(form.id, section.id)))</h2>"
            let entries = instrument.document.sections[section.id] ?? []
            guard !entries.isEmpty else {
                html += "<p class=\"empty\">—</p>"
                continue
            }
            for (index, entry) in entries.enumerated() {
                if entries.count > 1 { html += "<p>#\(index + 1)</p>" }
                html += "<table><tbody>"
                for field in section.fields {
                    let values = entry[field.id]?.values ?? []
                    html += "<tr><th scope=\"row\">\(both(one.field(field.id), two?.field(field.id)))</th><td>\(values.isEmpty ? "<span class=\"empty\">—</span>" : escape(values.joined(separator: field.kind == .text ? "\n" : ", ")))</td></tr>"
                }
                html += "</tbody></table>"
            }
        }
        return html + "</body></html>\n"
    }

    /// The instrument on its official layout as a PDF: the same sections, labels and values as
    /// ``printable(_:labels:first:second:)``, a second language's label after the first.
    static func pdf(_ instrument: Instrument, labels: [String: FormLabels], first: String, second: String?) -> Data {
        let one = labels[first] ?? FormLabels(forms: [:], sections: [:], fields: [:])
        let two = second.flatMap { labels[$0] }
        let form = instrument.form
        func both(_ a: String, _ b: String?) -> String { b.map { "\(a) / \($0)" } ?? a }
        var blocks: [PDFWriter.Block] = [
            .title(one.form(form.id)),
        ]
        if let two { blocks.append(.subtitle(two.form(form.id))) }
        blocks.append(.text("\(form.source) · \(instrument.reference) · \(instrument.issuer) to \(instrument.executor) · \(instrument.state.rawValue)"))
        for section in form.sections {
            blocks.append(.heading(both(one.section(form.id, section.id), two?.section(form.id, section.id))))
            let entries = instrument.document.sections[section.id] ?? []
            if entries.isEmpty { blocks.append(.text("—")) }
            for (index, entry) in entries.enumerated() {
                if entries.count > 1 { blocks.append(.text("#\(index + 1)")) }
                for field in section.fields {
                    let values = entry[field.id]?.values ?? []
                    blocks.append(.row(label: both(one.field(field.id), two?.field(field.id)), value: values.joined(separator: field.kind == .text ? "\n" : ", ")))
                }
            }
        }
        return PDFWriter.document(blocks, title: "\(one.form(form.id)) \(instrument.reference)")
    }

    /// A filled-in form to read: the sections that hold something, each field with its label.
    static func readOnly(_ form: InstrumentForm, _ document: InstrumentDocument, _ names: FormLabels) -> [[String: Any]] {
        form.sections.compactMap { section in
            let entries = document.sections[section.id] ?? []
            guard !entries.isEmpty else { return nil }
            return [
                "title": names.section(form.id, section.id),
                "entries": entries.map { entry -> [String: Any] in
                    ["fields": section.fields.compactMap { field -> [String: Any]? in
                        let values = entry[field.id]?.values ?? []
                        guard !values.isEmpty else { return nil }
                        let shown = field.kind == .offence ? values.map { $0.replacingOccurrences(of: "-", with: " ") } : values
                        return ["label": names.field(field.id), "value": shown.joined(separator: field.kind == .text ? "\n" : ", ")]
                    }]
                },
            ]
        }
    }
}
