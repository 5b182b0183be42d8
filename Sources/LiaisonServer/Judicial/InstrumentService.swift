import Foundation
import LiaisonCore
import Logging
import LiaisonSafeguards
import LiaisonStore

/// Judicial-cooperation instruments: drafted on their official form, validated, transmitted over
/// the secure exchange to the executing authority the directory names, and taken through their
/// life cycle by each side, every step audited and reported to the other side with the
/// executing state's clocks.
struct InstrumentService: Sendable {
    let agency: String
    let store: InstrumentStore
    let inbox: InstrumentInbox
    let calendars: JudicialCalendars
    let messages: MessageService
    /// Evidence returned with results travels through the evidence transfer.
    let transfers: EvidenceTransferService
    let cases: CaseService
    let trail: AuditTrail
    let clock: any WallClock

    /// The roles that may draft an instrument of a kind: a judicial authority any; an
    /// investigator (the police) an EIO, which a judicial authority then validates (Directive
    /// 2014/41/EU Art. 2(c)(ii)).
    static func drafters(of kind: InstrumentKind) -> Set<Role> {
        kind == .eio ? [.judicialAuthority, .investigator] : [.judicialAuthority]
    }

    /// Who sees every instrument; an investigator sees those they drafted.
    static let registerRoles: Set<Role> = [.judicialAuthority, .liaisonOfficer, .supervisor]

    struct Drafting: Decodable, Sendable {
        var kind: String
        /// The executing agency; routed by the directory from the form's executing state when absent.
        var executor: String?
        var caseReference: String?
        var document: InstrumentDocument
    }

    struct Changing: Decodable, Sendable {
        var document: InstrumentDocument
        /// Required once the instrument has left (an amendment the other side receives).
        var reason: String?
    }

    struct Stepping: Decodable, Sendable {
        var action: String
        var reason: String?
        var ground: String?
        /// Section L (the validating authority) as the validating judge or prosecutor gives it;
        /// filled from the signed-in user when absent.
        var validation: FormEntry?
        /// With `execute`, `execute-partly` or `return-results`: what came back per measure, with
        /// the evidence items (ids on this node) to hand over.
        var results: [MeasureResult]?
        /// With `transmit`: a certified translation uploaded first (`POST /api/v1/attachments`),
        /// required where the directory says the executing authority asks for one.
        var translation: Translation?
    }

    struct Translation: Decodable, Sendable {
        var sha256: String
        var name: String
        var mediaType: String?
        var language: String
    }

    struct Extending: Decodable, Sendable {
        var clock: String
        var amount: Int
        var unit: String
        var reason: String
    }

    // MARK: Reading

    /// An instrument the principal may read.
    func read(_ id: String, principal: Principal?) async throws -> InstrumentRecord {
        guard let principal else { throw LiaisonError(.notAuthenticated, "Sign in first.") }
        guard let record = try await store.find(id), Self.mayRead(record.instrument, principal) else {
            throw LiaisonError(.notFound, "No instrument \(id.prefix(80)) that you may read.")
        }
        return record
    }

    static func mayRead(_ instrument: Instrument, _ principal: Principal) -> Bool {
        registerRoles.contains(principal.role) || (instrument.direction == .outgoing && instrument.drafter == principal.username)
    }

    /// The register: what has a running clock, earliest deadline first, then the rest.
    /// - Parameter dueWithin: only what is due within so many seconds, counted from the start of
    ///   today (UTC) plus two days for a week or more, so that "this week" includes a one-week clock
    ///   started today in any time zone (a clock received at 23:30 UTC runs to the end of the day a
    ///   week later in a calendar already a day ahead).
    func register(principal: Principal?, direction: Instrument.Direction?, dueWithin: TimeInterval?) async throws -> [InstrumentRecord] {
        guard let principal else { return [] }
        let now = clock.now()
        let dueBefore = dueWithin.map { within in
            within < 7 * 86_400 ? now.addingTimeInterval(within) : (CalendarDay.start(of: Self.day(now)) ?? now).addingTimeInterval(within + 2 * 86_400)
        }
        let records = try await store.register(direction: direction, dueBefore: dueBefore, limit: 500)
        return records.filter { Self.mayRead($0.instrument, principal) }
    }

    // MARK: Drafting

    func draft(_ body: Drafting, principal: Principal?) async throws -> InstrumentRecord {
        guard let principal else { throw LiaisonError(.notAuthenticated, "Sign in first.") }
        guard let kind = InstrumentKind(rawValue: body.kind) else {
            throw LiaisonError(.invalidInput, "kind must be one of \(InstrumentKind.allCases.map(\.rawValue).joined(separator: ", ")), not '\(body.kind.prefix(40))'.")
        }
        guard Self.drafters(of: kind).contains(principal.role) else {
            throw LiaisonError(.forbidden, "A \(kind.rawValue) is drafted by \(Self.drafters(of: kind).map(\.rawValue).sorted().joined(separator: " or ")).")
        }
        let form = InstrumentForm.of(kind)
        guard body.document.form == form.id else {
            throw LiaisonError(.invalidInput, "document.form: a \(kind.rawValue) is filled on the \(form.id) form, not '\(body.document.form.prefix(40))'.")
        }
        try form.validate(body.document)
        if let reference = body.caseReference { try await cases.requireOpen(reference, field: "caseReference") }
        let (executor, jurisdiction) = try await route(kind, document: body.document, executor: body.executor)
        let now = clock.now()
        let id = UUIDv7.make(at: now).uuidString.lowercased()
        let year = Calendar(identifier: .gregorian).component(.year, from: now)
        let reference = "\(agency)/\(kind.rawValue.uppercased())/\(year)/\(id.suffix(6))"
        let instrument = Instrument(
            id: id, reference: reference, kind: kind, direction: .outgoing, issuer: agency, executor: executor, executingJurisdiction: jurisdiction,
            caseReference: body.caseReference, document: body.document, drafter: principal.username, drafterRole: principal.role, at: now
        )
        var details = ["kind": kind.rawValue, "reference": reference, "partner": executor, "direction": "outgoing"]
        if let caseReference = body.caseReference { details["caseRef"] = caseReference }
        let event = trail.event(.instrumentDrafted, actor: "user:\(principal.username)", role: principal.role.rawValue, subject: "instrument:\(id)", details: details)
        let record = try await store.create(instrument, audit: [event], at: now)
        await trail.wakeup.signal()
        return record
    }

    /// The executing agency and jurisdiction: as given (a partner of this node), or the executing
    /// (else central) authority the directory names for the form's executing state.
    func route(_ kind: InstrumentKind, document: InstrumentDocument, executor: String?) async throws -> (agency: String, jurisdiction: String) {
        let form = InstrumentForm.of(kind)
        let state = form.executingStateField.flatMap { document.value($0) }
        if let executor = executor.map({ $0.uppercased() }), !executor.allSatisfy(\.isWhitespace) {
            guard try await messages.federation.partner(executor) != nil else { throw MessageService.stranger(executor) }
            let jurisdiction = calendars.jurisdiction(of: executor)
            if let state, state != jurisdiction {
                throw LiaisonError(.invalidInput, "executor: \(executor) is in \(jurisdiction), but section \(form.executingStateField ?? "") names \(state).")
            }
            return (executor, jurisdiction)
        }
        guard let state else {
            throw LiaisonError(.invalidInput, "executor: name the executing agency (the \(form.id) form has no executing state to route by).")
        }
        let authority = try calendars.directory.route(kind, to: state, language: document.language)
        guard try await messages.federation.partner(authority.agency) != nil else { throw MessageService.stranger(authority.agency) }
        return (authority.agency, state)
    }

    /// Changes the form: of a draft, simply; of an instrument that has left, as an amendment with
    /// its reason, sent to the other side.
    func change(_ id: String, _ body: Changing, principal: Principal?) async throws -> InstrumentRecord {
        let record = try await read(id, principal: principal)
        guard let principal else { throw LiaisonError(.notAuthenticated, "Sign in first.") }
        var instrument = record.instrument
        guard instrument.direction == .outgoing else {
            throw LiaisonError(.conflict, "Only the issuing authority changes \(instrument.reference)'s form.")
        }
        let form = instrument.form
        guard body.document.form == form.id else { throw LiaisonError(.invalidInput, "document.form: \(instrument.reference) is on the \(form.id) form.") }
        if instrument.state == .draft {
            guard principal.username == instrument.drafter || principal.role == .judicialAuthority else {
                throw LiaisonError(.forbidden, "The drafter or a judicial authority changes a draft.")
            }
            try form.validate(body.document)
            instrument.document = body.document
            instrument.updatedAt = clock.now()
            let event = trail.event(
                .instrumentChanged, actor: "user:\(principal.username)", role: principal.role.rawValue, subject: "instrument:\(id)",
                details: ["kind": instrument.kind.rawValue, "reference": instrument.reference]
            )
            let updated = try await store.update(record, to: instrument, audit: [event], at: instrument.updatedAt)
            await trail.wakeup.signal()
            return updated
        }
        // An amendment keeps the validating authority's section L unless it gives its own.
        var amended = body.document
        if let validation = instrument.document.sections["L"], !amended.hasSection("L") { amended.sections["L"] = validation }
        try form.validate(amended, validating: true)
        return try await take(.amend, on: record, principal: principal, reason: body.reason, ground: nil, document: amended)
    }

    // MARK: Steps

    func step(_ id: String, _ body: Stepping, principal: Principal?) async throws -> InstrumentRecord {
        guard let principal else { throw LiaisonError(.notAuthenticated, "Sign in first.") }
        guard let action = InstrumentAction(rawValue: body.action), action != .receive, action != .amend else {
            let actions = InstrumentAction.allCases.filter { $0 != .receive && $0 != .amend }.map(\.rawValue)
            throw LiaisonError(.invalidInput, "action must be one of \(actions.joined(separator: ", ")), not '\(body.action.prefix(40))'.")
        }
        let record = try await read(id, principal: principal)
        if action == .explainDelay, !record.instrument.clocks.contains(where: { $0.isRunning && $0.reading.deadline <= clock.now() }) {
            throw LiaisonError(.conflict, "No deadline of \(record.instrument.reference) has passed: there is no delay to explain.")
        }
        guard record.instrument.isOurs(action) else {
            let side = action.side == .issuing ? "issuing" : "executing"
            throw LiaisonError(.conflict, "\(action.rawValue) is the \(side) authority's step; \(record.instrument.reference) is \(record.instrument.direction == .outgoing ? "issued" : "executed") here.")
        }
        var document: InstrumentDocument?
        if action == .validate, record.instrument.form.section("L") != nil {
            var validated = record.instrument.document
            validated.sections["L"] = [body.validation ?? [
                "kind": .text("prosecutor"), "name": .text(validatingAuthority(for: record.instrument)), "officer": .text(principal.username),
                "date": .text(Self.day(clock.now())),
            ]]
            document = validated
        }
        let results = try await handOver(body.results, for: action, of: record.instrument, principal: principal)
        var attached: [InstrumentAttachment]?
        if action == .transmit {
            attached = try await translations(body.translation, for: record.instrument)
        } else if body.translation != nil {
            throw LiaisonError(.invalidInput, "translation: a translation goes with the transmission.")
        }
        return try await take(action, on: record, principal: principal, reason: body.reason, ground: body.ground, document: document, results: results, translations: attached)
    }

    /// The certified translation to transmit with an instrument: required where the executing
    /// authority asks for one (the directory's `certifiedTranslation`), in a language it accepts,
    /// uploaded before.
    /// - Throws: ``LiaisonError`` `.translationRequired` (422) naming the authority and its
    ///   languages, `.invalidInput` for a translation not uploaded or in another language.
    func translations(_ given: Translation?, for instrument: Instrument) async throws -> [InstrumentAttachment]? {
        let authority = calendars.directory.authorities(in: instrument.executingJurisdiction, for: instrument.kind, .executing)
            .first { $0.languages.contains(instrument.document.language) }
        guard let given else {
            if let authority, authority.certifiedTranslation {
                throw LiaisonError(.translationRequired, "translation: \(authority.name) requires a certified translation into \(authority.languages.joined(separator: " or ")); upload it and attach it to the transmission.")
            }
            return nil
        }
        if let authority, !authority.languages.contains(given.language) {
            throw LiaisonError(.invalidInput, "translation.language: \(authority.name) accepts \(authority.languages.joined(separator: ", ")), not '\(given.language.prefix(10))'.")
        }
        try TextRules.checkLine(given.name, "translation.name", maximum: 255)
        let address = given.sha256.lowercased()
        guard try await messages.blobs.get(address) != nil else {
            throw LiaisonError(.invalidInput, "translation: no uploaded content with SHA-256 \(address.prefix(64)); upload it first with POST /api/v1/attachments.")
        }
        return [InstrumentAttachment(name: given.name, mediaType: given.mediaType ?? "application/pdf", sha256: address, language: given.language)]
    }

    /// The content of a translation that travels with an instrument the principal may read.
    func translation(_ id: String, sha256: String, principal: Principal?) async throws -> (InstrumentAttachment, Data) {
        let record = try await read(id, principal: principal)
        guard let attachment = record.instrument.translations?.first(where: { $0.sha256 == sha256.lowercased() }),
              let content = try await messages.blobs.get(attachment.sha256) else {
            throw LiaisonError(.notFound, "No translation \(sha256.prefix(64)) with \(record.instrument.reference).")
        }
        return (attachment, content)
    }

    /// Checks the results given with an execution or a return of results and hands their evidence
    /// over to the issuing node through the evidence transfer (its chain of custody continues
    /// there), before the step is recorded.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the result at fault, or the transfer's refusal.
    func handOver(_ results: [MeasureResult]?, for action: InstrumentAction, of instrument: Instrument, principal: Principal) async throws -> [MeasureResult]? {
        guard let results, !results.isEmpty else { return nil }
        guard [.execute, .executePartly, .returnResults].contains(action) else {
            throw LiaisonError(.invalidInput, "results: only with execute, execute-partly or return-results.")
        }
        // The step must be possible before anything is handed over.
        _ = try InstrumentLifecycle(kind: instrument.kind).step(
            action, from: instrument.state, history: instrument.history, by: principal.username, role: principal.role, issuedBy: nil, at: clock.now(), reason: "results given"
        )
        let asked = instrument.measuresAsked
        for (index, result) in results.enumerated() {
            try TextRules.checkLine(result.measure, "results[\(index)].measure", maximum: 200)
            try TextRules.checkText(result.summary, "results[\(index)].summary")
            guard !result.summary.allSatisfy(\.isWhitespace) else { throw LiaisonError(.invalidInput, "results[\(index)].summary: say what came back.") }
            if !asked.isEmpty, !asked.contains(result.measure) {
                throw LiaisonError(.invalidInput, "results[\(index)].measure: \(instrument.reference) asked for \(asked.joined(separator: ", ")), not '\(result.measure.prefix(60))'.")
            }
            for item in result.evidence where try await transfers.evidence.store.item(item) == nil {
                throw LiaisonError(.invalidInput, "results[\(index)].evidence: no evidence item \(item.prefix(60)) on this node.")
            }
        }
        for item in Set(results.flatMap(\.evidence)).sorted() {
            _ = try await transfers.transfer(item, .init(
                to: instrument.issuer, actor: principal.username, place: agency, purpose: "prosecution", legalBasis: instrument.form.source, handlingCode: nil
            ), by: "user:\(principal.username)", principal: principal)
        }
        return results
    }

    /// The name of this node's validating authority for an instrument, from the directory.
    func validatingAuthority(for instrument: Instrument) -> String {
        let jurisdiction = calendars.jurisdiction(of: agency)
        return calendars.directory.authorities(in: jurisdiction, for: instrument.kind, .validating).first?.name
            ?? calendars.directory.authorities(in: jurisdiction, for: instrument.kind, .issuing).first?.name ?? agency
    }

    static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    }

    /// Takes a step: checked by the life cycle, recorded with its clocks, audited, and reported to
    /// the other side (all but validation, which stays with the issuer until it transmits).
    private func take(
        _ action: InstrumentAction, on record: InstrumentRecord, principal: Principal, reason: String?, ground: String?, document: InstrumentDocument?,
        results: [MeasureResult]? = nil, translations: [InstrumentAttachment]? = nil
    ) async throws -> InstrumentRecord {
        var instrument = record.instrument
        if let translations { instrument.translations = translations }
        let now = clock.now()
        var step = try InstrumentLifecycle(kind: instrument.kind).step(
            action, from: instrument.state, history: instrument.history, by: principal.username, role: principal.role,
            issuedBy: (instrument.drafter, instrument.drafterRole), at: now, reason: reason, ground: ground
        )
        step.results = results
        if let document {
            if action == .validate { try instrument.form.validate(document, validating: true) }
            instrument.document = document
        }
        if action == .transmit {
            try instrument.form.validate(instrument.document, validating: true)
            // The executing state's languages (EAW Art. 8(2); Directive 2014/41/EU Art. 5(2)).
            if !calendars.directory.authorities(in: instrument.executingJurisdiction, for: instrument.kind, .executing).isEmpty {
                _ = try calendars.directory.route(instrument.kind, to: instrument.executingJurisdiction, language: instrument.document.language)
            }
        }
        if action == .acknowledge, instrument.kind == .eio {
            instrument.acknowledgement = acknowledgement(of: instrument, by: principal, at: now)
        }
        let executing = instrument.direction == .incoming ? try calendars.engine(for: instrument.executingJurisdiction) : nil
        try instrument.record(step, engine: executing)
        let partner = InstrumentStore.partner(of: instrument)
        let event = trail.event(
            .instrumentStep, actor: "user:\(principal.username)", role: principal.role.rawValue, subject: "instrument:\(instrument.id)",
            details: InstrumentInbox.details(instrument, step, partner: partner).merging(reason.map { ["reason": String($0.prefix(500))] } ?? [:]) { first, _ in first }
        )
        guard action != .validate else {
            let updated = try await store.update(record, to: instrument, audit: [event], at: now)
            await trail.wakeup.signal()
            return updated
        }
        let transfer = InstrumentTransfer(of: instrument, step: step, withDocument: action == .transmit || action == .amend)
        var said = "\(InstrumentLifecycle.pastTenseWords(step.action)) by \(agency) on \(Self.day(step.at))."
        if let ground = step.ground { said += "\nGround: \(ground)." }
        if let reason = step.reason { said += "\nReason: \(reason)" }
        var request = message(about: instrument, subject: InstrumentLifecycle.pastTenseWords(step.action), body: said)
        if action == .transmit, let translations = instrument.translations {
            request.attachments = translations.map { AttachmentReference(sha256: $0.sha256, name: $0.name, mediaType: $0.mediaType) }
        }
        // The safeguards decide before anything is recorded; the step and its message then commit
        // one after the other, and the step is taken back if the message cannot be queued.
        try await messages.authorise(request, principal: principal, actor: "user:\(principal.username)", evidence: false)
        let updated = try await store.update(record, to: instrument, audit: [event], at: now)
        do {
            _ = try await messages.send(request, actor: "user:\(principal.username)", principal: principal, partnersCase: true, instrument: transfer).sentRecord()
        } catch {
            _ = try? await store.update(updated, to: record.instrument, audit: [], at: now)
            throw error
        }
        await trail.wakeup.signal()
        return updated
    }

    /// The message that carries a step to the other side: about the instrument, under its
    /// reference, for the purpose of prosecution, on the legal basis of its form.
    func message(about instrument: Instrument, subject: String, body: String) -> MessageRequest {
        let title = "\(instrument.kind.rawValue.uppercased()) \(instrument.reference)"
        return MessageRequest(
            to: [InstrumentStore.partner(of: instrument)], subject: "\(title): \(subject)", body: "\(title): \(body)", entities: nil,
            purpose: "prosecution", legalBasis: instrument.form.source, handlingCode: .h2, handlingRestriction: nil,
            evaluation: Evaluation(source: .a, information: .one), caseRef: instrument.reference, inReplyTo: nil, retainUntil: nil
        )
    }

    /// EIO Annex B, filled from the instrument and the acknowledging officer.
    func acknowledgement(of instrument: Instrument, by principal: Principal, at now: Date) -> InstrumentDocument {
        let received = instrument.history.last { $0.action == .receive }?.at ?? now
        let authority = calendars.directory.authorities(in: instrument.executingJurisdiction, for: instrument.kind, .executing).first?.name ?? agency
        var issuing: FormEntry = ["issuingAuthority": .text(instrument.document.value("K.name") ?? instrument.issuer), "issuingReference": .text(instrument.reference), "receivedOn": .text(Self.day(received))]
        if let issued = instrument.document.value("K.date") { issuing["issuedOn"] = .text(issued) }
        return InstrumentDocument(form: InstrumentForm.eioAcknowledgement.id, language: instrument.document.language, sections: [
            "A": [issuing],
            "B": [["authority": .text(authority), "officer": .text(principal.username), "reference": .text(instrument.id)]],
        ])
    }

    /// Extends a running clock (on the executing side, which runs them), with the reason sent to
    /// the issuing authority.
    func extend(_ id: String, _ body: Extending, principal: Principal?) async throws -> InstrumentRecord {
        guard let principal else { throw LiaisonError(.notAuthenticated, "Sign in first.") }
        guard principal.role == .judicialAuthority else { throw LiaisonError(.forbidden, "A judicial authority extends a deadline.") }
        guard let clock = StatutoryClock(rawValue: body.clock) else {
            throw LiaisonError(.invalidInput, "clock must be one of \(StatutoryClock.allCases.map(\.rawValue).joined(separator: ", ")), not '\(body.clock.prefix(40))'.")
        }
        guard let unit = LegalPeriod.Unit(rawValue: body.unit) else { throw LiaisonError(.invalidInput, "unit must be hours, days, weeks or months.") }
        let record = try await read(id, principal: principal)
        var instrument = record.instrument
        guard instrument.direction == .incoming else { throw LiaisonError(.conflict, "The executing authority extends its deadlines; \(instrument.reference) is issued here.") }
        try instrument.extend(clock, by: LegalPeriod(body.amount, unit), reason: body.reason, engine: try calendars.engine(for: instrument.executingJurisdiction))
        let now = self.clock.now()
        instrument.updatedAt = now
        let event = trail.event(
            .instrumentExtended, actor: "user:\(principal.username)", role: principal.role.rawValue, subject: "instrument:\(id)",
            details: ["kind": instrument.kind.rawValue, "reference": instrument.reference, "clock": clock.rawValue, "by": "\(body.amount) \(unit.rawValue)",
                      "reason": String(body.reason.prefix(500)), "partner": instrument.issuer]
        )
        // The issuing authority is told, with the reason (Directive 2014/41/EU Art. 12(5)): the
        // transfer carries the clocks, under the last step both sides know.
        guard let last = instrument.history.last else { throw LiaisonError(.conflict, "\(instrument.reference) has no step yet.") }
        let request = message(about: instrument, subject: "deadline extended", body: "the \(clock.rawValue) deadline is extended by \(body.amount) \(unit.rawValue).\nReason: \(body.reason)")
        try await messages.authorise(request, principal: principal, actor: "user:\(principal.username)", evidence: false)
        let updated = try await store.update(record, to: instrument, audit: [event], at: now)
        let transfer = InstrumentTransfer(of: instrument, step: last, withDocument: false)
        _ = try await messages.send(request, actor: "user:\(principal.username)", principal: principal, partnersCase: true, instrument: transfer).sentRecord()
        await trail.wakeup.signal()
        return updated
    }
}

// MARK: Deadlines, reminders and statistics

extension InstrumentService {
    /// One reminder: an instrument whose clock ends soon (24 hours before a deadline in days, 2
    /// hours before one in hours) or has passed.
    struct Reminder: Encodable, Sendable {
        var id: String
        var reference: String
        var kind: InstrumentKind
        var clock: StatutoryClock
        var deadline: Date
        var overdue: Bool
    }

    /// How long before a deadline it is announced: 24 hours before a day-deadline, 2 hours
    /// before an hour-deadline (issue 22, deliverable 3).
    static func noticePeriod(of clock: StatutoryClock) -> TimeInterval {
        clock.period.unit == .hours ? 2 * 3_600 : 24 * 3_600
    }

    /// The running clocks of instruments the principal may read that end within their notice
    /// period or have ended, earliest first.
    func reminders(principal: Principal?) async throws -> [Reminder] {
        guard let principal else { return [] }
        let now = clock.now()
        let records = try await store.register(dueBefore: now.addingTimeInterval(24 * 3_600), limit: 500)
        return records.filter { Self.mayRead($0.instrument, principal) }.flatMap { record in
            record.instrument.clocks.filter { $0.isRunning && $0.reading.deadline.timeIntervalSince(now) <= Self.noticePeriod(of: $0.reading.clock) }.map { clock in
                Reminder(id: record.instrument.id, reference: record.instrument.reference, kind: record.instrument.kind, clock: clock.reading.clock,
                         deadline: clock.reading.deadline, overdue: clock.reading.deadline <= now)
            }
        }.sorted { $0.deadline < $1.deadline }
    }

    /// Records, once per clock, every deadline that passed while its clock still runs
    /// (`instrument.deadline-missed`, which oversight reads and the statistics count); the
    /// dashboard shows it to the instrument's handlers and supervisors until it is answered.
    /// - Returns: how many were escalated.
    @discardableResult
    func escalateMissedDeadlines() async throws -> Int {
        let now = clock.now()
        var escalated = 0
        for record in try await store.register(dueBefore: now, limit: 500) {
            var instrument = record.instrument
            var events: [AuditEvent] = []
            for index in instrument.clocks.indices where instrument.clocks[index].isRunning && instrument.clocks[index].escalatedAt == nil && instrument.clocks[index].reading.deadline <= now {
                instrument.clocks[index].escalatedAt = now
                var details = ["kind": instrument.kind.rawValue, "reference": instrument.reference, "clock": instrument.clocks[index].reading.clock.rawValue,
                               "deadline": instrument.clocks[index].reading.deadline.formatted(.iso8601), "partner": InstrumentStore.partner(of: instrument),
                               "direction": instrument.direction.rawValue]
                if let caseReference = instrument.caseReference { details["caseRef"] = caseReference }
                events.append(trail.event(.instrumentDeadlineMissed, .failure, actor: "system", subject: "instrument:\(instrument.id)", details: details))
            }
            guard !events.isEmpty else { continue }
            do {
                _ = try await store.update(record, to: instrument, audit: events, at: now)
                escalated += events.count
            } catch let error as LiaisonError where error.code == .conflict {
                continue  // changed meanwhile: the next round sees it again
            }
        }
        if escalated > 0 { await trail.wakeup.signal() }
        return escalated
    }

    /// Tells the issuing node of each instrument received here that it arrived (the receipt step,
    /// with the clocks it started), once; the executing side's later steps would tell it too, but a
    /// prosecutor waiting on a new instrument should see it received within a minute.
    /// - Returns: how many receipts were reported.
    @discardableResult
    func reportReceipts() async throws -> Int {
        var reported = 0
        for record in try await store.instruments(in: .received, direction: .incoming) where record.instrument.receiptReportedAt == nil {
            var instrument = record.instrument
            guard let receipt = instrument.history.last(where: { $0.action == .receive }) else { continue }
            let request = message(about: instrument, subject: "received", body: "received by \(agency) on \(Self.day(receipt.at)).")
            do {
                let now = clock.now()
                instrument.receiptReportedAt = now
                let updated = try await store.update(record, to: instrument, audit: [], at: now)
                do {
                    _ = try await messages.send(request, actor: "system", principal: nil, partnersCase: true, instrument: InstrumentTransfer(of: instrument, step: receipt, withDocument: false)).sentRecord()
                } catch {
                    _ = try? await store.update(updated, to: record.instrument, audit: [], at: now)
                    throw error
                }
                reported += 1
            } catch let error as LiaisonError where error.code == .conflict {
                continue  // changed meanwhile; the next round sees it again if still unreported
            }
        }
        return reported
    }

    /// The statistics of the period, from the audit log alone.
    func statistics(from: Date, to: Date) async throws -> InstrumentStatistics {
        let events = try await trail.store.events(from: from.addingTimeInterval(-366 * 86_400), to: to).map(\.event)
        return InstrumentStatistics.compute(events.filter { $0.operation == .instrumentStep || $0.operation == .instrumentDeadlineMissed }, from: from, to: to)
    }
}

extension PeriodicJob {
    /// Reports receipts and escalates passed deadlines of instruments every minute.
    static func instrumentDeadlines(_ instruments: InstrumentService, clock: any WallClock, logger: Logger) -> PeriodicJob {
        PeriodicJob("instrument deadlines", every: .seconds(60), runsAtStart: true, clock: clock, logger: logger) {
            try await instruments.reportReceipts()
            let escalated = try await instruments.escalateMissedDeadlines()
            if escalated > 0 { logger.notice("instrument deadlines passed", metadata: ["escalated": "\(escalated)"]) }
        }
    }
}

extension InstrumentLifecycle {
    /// A step in words, for messages and pages.
    static func pastTenseWords(_ action: InstrumentAction) -> String {
        switch action {
        case .consult: "consultation recorded"
        case .arrest: "arrest recorded"
        case .consent: "consent to surrender recorded"
        case .explainDelay: "reason for the delay given"
        case .returnResults: "results returned"
        default: pastTense(action)
        }
    }
}
