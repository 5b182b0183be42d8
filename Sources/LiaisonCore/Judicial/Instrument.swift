#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A statutory clock of one instrument: its reading, and when the step that meets it was taken.
public struct InstrumentClock: Codable, Sendable, Equatable {
    public var reading: ClockReading
    /// When the step that answers the clock was taken (or the instrument ended); `nil` while it runs.
    public var stoppedAt: Date?
    /// When the node escalated the clock's passing (to the supervisor and oversight), once.
    public var escalatedAt: Date?

    public init(reading: ClockReading, stoppedAt: Date? = nil) {
        self.reading = reading
        self.stoppedAt = stoppedAt
    }

    public var isRunning: Bool { stoppedAt == nil }
    /// Whether the clock was (or is being) missed: stopped after its deadline, or still running past it.
    public func missed(at now: Date) -> Bool { (stoppedAt ?? now) >= reading.deadline }
}

/// A file that travels with an instrument: a certified translation of its form.
public struct InstrumentAttachment: Codable, Sendable, Equatable {
    public var name: String
    public var mediaType: String
    public var sha256: String
    /// ISO 639-1 code of the language of the translation.
    public var language: String

    public init(name: String, mediaType: String, sha256: String, language: String) {
        self.name = name
        self.mediaType = mediaType
        self.sha256 = sha256
        self.language = language
    }
}

/// A judicial-cooperation instrument as a node holds it: the same id on the issuing and the
/// executing node, the filled-in form, where it stands, every step taken and its clocks. The
/// executing node runs the clocks under its jurisdiction's calendar; the issuing node holds the
/// copy the executing node's steps send back.
public struct Instrument: Codable, Sendable, Equatable {
    public enum Direction: String, Codable, Sendable, CaseIterable {
        /// Issued here.
        case outgoing
        /// Received from another node for execution.
        case incoming
    }

    public var id: String
    /// The issuing node's reference (`XC-PRO/EIO/2026/0193a4`), the one both sides quote.
    public var reference: String
    public var kind: InstrumentKind
    public var direction: Direction
    /// Agency codes of the issuing and the executing node.
    public var issuer: String
    public var executor: String
    public var executingJurisdiction: String
    /// This node's case the instrument belongs to (on the issuing side).
    public var caseReference: String?
    public var document: InstrumentDocument
    public var drafter: String
    public var drafterRole: Role
    public var state: InstrumentState
    public var history: [InstrumentStep]
    public var clocks: [InstrumentClock]
    /// The executing authority's acknowledgement (EIO Annex B), once given.
    public var acknowledgement: InstrumentDocument?
    /// On the executing side: when the receipt was reported to the issuing node.
    public var receiptReportedAt: Date?
    /// Certified translations sent with the instrument (where the executing authority requires one).
    public var translations: [InstrumentAttachment]?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, reference: String, kind: InstrumentKind, direction: Direction, issuer: String, executor: String, executingJurisdiction: String,
        caseReference: String?, document: InstrumentDocument, drafter: String, drafterRole: Role, at now: Date
    ) {
        self.id = id
        self.reference = reference
        self.kind = kind
        self.direction = direction
        self.issuer = issuer
        self.executor = executor
        self.executingJurisdiction = executingJurisdiction
        self.caseReference = caseReference
        self.document = document
        self.drafter = drafter
        self.drafterRole = drafterRole
        state = .draft
        history = []
        clocks = []
        createdAt = now
        updatedAt = now
    }

    public var form: InstrumentForm { InstrumentForm.of(kind) }

    /// Whether the form says the instrument is urgent (an emergency for an EPOC).
    public var isUrgent: Bool { form.urgencyField.flatMap { document.value($0) } == "yes" }

    /// The date the issuing authority asked for, as the end of that day in the executing state.
    public func requestedDeadline(in zone: TimeZone) -> Date? {
        guard let text = form.requestedDateField.flatMap({ document.value($0) }), let day = CalendarDay.start(of: text) else { return nil }
        // CalendarDay counts in UTC; the day ends at midnight in the executing state.
        return day.addingTimeInterval(86_400 - TimeInterval(zone.secondsFromGMT(for: day)))
    }

    /// The earliest deadline of a running clock: what the register sorts by.
    public var nextDeadline: Date? { clocks.filter(\.isRunning).map(\.reading.deadline).min() }

    /// Which side of the instrument this node is for `action`: the issuing node takes issuing
    /// steps, the executing node executing ones.
    public func isOurs(_ action: InstrumentAction) -> Bool {
        switch action.side {
        case .issuing: direction == .outgoing
        case .executing: direction == .incoming
        }
    }

    /// Records a step taken (checked by ``InstrumentLifecycle``) and moves the clocks: a step
    /// stops the clocks it answers and starts the ones it opens, counted by `engine` (the
    /// executing state's calendar).
    /// - Throws: ``LiaisonError`` for an extension the law does not allow (never for a step itself).
    public mutating func record(_ step: InstrumentStep, engine: DeadlineEngine?) throws(LiaisonError) {
        history.append(step)
        state = step.to
        updatedAt = step.at
        for index in clocks.indices where clocks[index].isRunning && Self.stops(clocks[index].reading.clock, step.action) {
            clocks[index].stoppedAt = step.at
        }
        guard let engine else { return }
        let requested = requestedDeadline(in: engine.calendar.timeZone)
        for clock in Self.starts(kind, step.action, urgent: isUrgent) where !clocks.contains(where: { $0.reading.clock == clock }) {
            clocks.append(InstrumentClock(reading: try engine.reading(clock, startedAt: step.at, requested: requested)))
        }
    }

    /// The measures asked (an EIO's ticked measures; for another instrument, none by name).
    public var measuresAsked: [String] { kind == .eio ? document.values("C.measures") : [] }

    /// What was asked against what came back: each measure asked with the results returned for
    /// it, then results for measures not named in the form.
    public var resultsByMeasure: [(measure: String, asked: Bool, results: [MeasureResult])] {
        let returned = history.flatMap { $0.results ?? [] }
        var rows = measuresAsked.map { measure in (measure: measure, asked: true, results: returned.filter { $0.measure == measure }) }
        for result in returned where !measuresAsked.contains(result.measure) {
            if let index = rows.firstIndex(where: { $0.measure == result.measure }) { rows[index].results.append(result) } else { rows.append((result.measure, false, [result])) }
        }
        return rows
    }

    /// Extends a running clock by the period the law allows, with a reason.
    /// - Throws: ``LiaisonError`` `.notFound` when the clock does not run, or the engine's refusal.
    public mutating func extend(_ clock: StatutoryClock, by period: LegalPeriod, reason: String, engine: DeadlineEngine) throws(LiaisonError) {
        guard let index = clocks.firstIndex(where: { $0.reading.clock == clock && $0.isRunning }) else {
            throw LiaisonError(.conflict, "extension: the \(clock.rawValue) clock is not running on \(reference).")
        }
        guard clocks[index].reading.extendedBy == nil else {
            throw LiaisonError(.conflict, "extension: the \(clock.rawValue) clock was extended once already; the law allows one extension.")
        }
        let current = clocks[index].reading
        clocks[index].reading = try engine.reading(clock, startedAt: current.startedAt, requested: requestedDeadline(in: engine.calendar.timeZone), extendedBy: (period, reason))
    }

    /// Takes in what the other side reports: the steps this node lacks (matched by action, time and
    /// author), in the order they were taken; the state the last step left; on the issuing side the
    /// executing node's clocks and acknowledgement.
    /// - Returns: the steps that were new here.
    @discardableResult
    public mutating func merge(_ transfer: InstrumentTransfer) -> [InstrumentStep] {
        func key(_ step: InstrumentStep) -> String { "\(step.action.rawValue)|\(step.at.timeIntervalSince1970)|\(step.by)" }
        let known = Set(history.map(key))
        var added: [InstrumentStep] = []
        for step in transfer.history + [transfer.step] where !known.contains(key(step)) && !added.contains(where: { key($0) == key(step) }) {
            added.append(step)
        }
        if direction == .outgoing {
            if let clocks = transfer.clocks { self.clocks = clocks }
            if let acknowledgement = transfer.acknowledgement { self.acknowledgement = acknowledgement }
        }
        guard !added.isEmpty else { return [] }
        history = (history + added).sorted { $0.at < $1.at }
        // A withdrawal or closure stands whatever the other side did after it.
        if let ending = history.last(where: { $0.action == .withdraw || $0.action == .close }) {
            state = ending.to
        } else if let last = history.last {
            state = last.to
        }
        // The issuing side's steps stop the clocks they end (a withdrawal stops them all).
        for step in added {
            for index in clocks.indices where clocks[index].isRunning && Self.stops(clocks[index].reading.clock, step.action) {
                clocks[index].stoppedAt = step.at
            }
        }
        if let document = transfer.document, transfer.step.action == .amend { self.document = document }
        updatedAt = max(updatedAt, history.last?.at ?? updatedAt)
        return added
    }

    /// The clocks a step starts (FACTS.md, legal cooperation deadlines).
    static func starts(_ kind: InstrumentKind, _ action: InstrumentAction, urgent: Bool) -> [StatutoryClock] {
        switch (kind, action) {
        case (.eio, .receive): urgent ? [.eioAcknowledgement, .eioRecognition, .eioProvisionalMeasures] : [.eioAcknowledgement, .eioRecognition]
        case (.eio, .recognise): [.eioExecution]
        case (.freezing, .receive): urgent ? [.freezingUrgentRecognition] : []
        case (.freezing, .recognise): urgent ? [.freezingUrgentExecution] : []
        case (.confiscation, .receive): [.confiscationRecognition]
        case (.productionOrder, .receive): urgent ? [.productionOrderEmergency] : [.productionOrder]
        case (.preservationOrder, .receive): [.preservationOrder]
        case (.eaw, .recognise): [.eawSurrender]
        case (.eaw, .arrest): [.eawDecision]
        case (.eaw, .consent): [.eawDecisionWithConsent]
        default: []
        }
    }

    /// Whether `action` answers `clock` (or ends the instrument, which stops every clock).
    static func stops(_ clock: StatutoryClock, _ action: InstrumentAction) -> Bool {
        if [.withdraw, .close, .refuse].contains(action) { return true }
        switch clock {
        case .eioAcknowledgement: return action == .acknowledge
        case .eioRecognition, .freezingUrgentRecognition, .confiscationRecognition, .eawDecision, .eawDecisionWithConsent: return action == .recognise
        case .eioProvisionalMeasures: return [.recognise, .executePartly, .execute].contains(action)
        case .eioExecution, .freezingUrgentExecution, .eawSurrender, .productionOrder, .productionOrderEmergency:
            return [.execute, .returnResults].contains(action)
        case .productionOrderObjection, .productionOrderObjectionEmergency, .preservationOrder:
            return false
        }
    }
}

/// What travels between the issuing and the executing node about an instrument, inside a message
/// of the secure exchange: the instrument itself when transmitted, then each step either side
/// takes, with the executing node's clocks.
public struct InstrumentTransfer: Codable, Sendable, Equatable {
    public var id: String
    public var reference: String
    public var kind: InstrumentKind
    public var issuer: String
    public var executor: String
    public var executingJurisdiction: String
    /// The form, when the instrument is transmitted or amended.
    public var document: InstrumentDocument?
    public var drafter: String?
    public var drafterRole: Role?
    /// The step this transfer reports (`transmit` with the document; the other side's steps after).
    public var step: InstrumentStep
    /// Every step the sending node holds, so that a transfer lost or overtaken is made good by
    /// the next one.
    public var history: [InstrumentStep]
    public var clocks: [InstrumentClock]?
    public var acknowledgement: InstrumentDocument?
    /// With the transmission: the certified translations, carried as the message's attachments.
    public var translations: [InstrumentAttachment]?

    public init(of instrument: Instrument, step: InstrumentStep, withDocument: Bool) {
        id = instrument.id
        reference = instrument.reference
        kind = instrument.kind
        issuer = instrument.issuer
        executor = instrument.executor
        executingJurisdiction = instrument.executingJurisdiction
        document = withDocument ? instrument.document : nil
        drafter = withDocument ? instrument.drafter : nil
        drafterRole = withDocument ? instrument.drafterRole : nil
        self.step = step
        history = instrument.history
        clocks = instrument.direction == .incoming ? instrument.clocks : nil
        acknowledgement = step.action == .acknowledge ? instrument.acknowledgement : nil
        translations = withDocument ? instrument.translations : nil
    }
}
