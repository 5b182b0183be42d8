#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LiaisonCore
import LiaisonStore
import Synchronization

/// The judicial directory a node works with: `judicial/directory.json` in its data directory when
/// an administrator put one there, else the demo federation's, bundled with Liaison.
enum JudicialDirectory {
    static func file(in nodeDirectory: URL) -> URL { nodeDirectory.appendingPathComponent("judicial/directory.json") }

    static func load(nodeDirectory: URL) throws -> AuthorityDirectory {
        let own = file(in: nodeDirectory)
        let url = FileManager.default.fileExists(atPath: own.path) ? own : try resourceDirectory().appendingPathComponent("judicial/directory.json")
        do {
            return try AuthorityDirectory.read(try Data(contentsOf: url))
        } catch let error as LiaisonError {
            throw LiaisonError(.configuration, "\(url.path): \(error.message)")
        }
    }
}

/// The clocks' calendars and the routing of instruments, from the directory, which an
/// administrator replaces on the running node (``replace(with:nodeDirectory:)``).
struct JudicialCalendars: Sendable {
    final class Current: Sendable {
        let value: Mutex<AuthorityDirectory>
        init(_ directory: AuthorityDirectory) { value = Mutex(directory) }
    }

    let current: Current

    init(directory: AuthorityDirectory) {
        current = Current(directory)
    }

    var directory: AuthorityDirectory { current.value.withLock { $0 } }

    /// Checks a new directory document, writes it to the data directory (0600, replacing the file
    /// in one rename) and uses it from now on: clocks already running keep their deadlines.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the entry at fault; nothing changes then.
    func replace(with data: Data, nodeDirectory: URL) throws -> AuthorityDirectory {
        let directory = try AuthorityDirectory.read(data)
        for calendar in directory.calendars { _ = try DeadlineEngine(calendar) }
        let file = JudicialDirectory.file(in: nodeDirectory)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".directory-\(UUID().uuidString).json")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw LiaisonError(.internal, "The directory could not be written to \(file.deletingLastPathComponent().path).")
        }
        // rename(2) replaces the file in one step, whether or not one is there; two replacements
        // at once each rename their own temporary file, and the last one stays.
        try current.value.withLock { held in
            guard rename(temporary.path, file.path) == 0 else {
                try? FileManager.default.removeItem(at: temporary)
                throw LiaisonError(.internal, "The directory could not be put in place at \(file.path) (errno \(errno)).")
            }
            held = directory
        }
        return directory
    }

    /// The engine of a jurisdiction's calendar; a jurisdiction the directory lacks counts in UTC
    /// with Saturday and Sunday off and no holidays, under Reg. 1182/71.
    func engine(for jurisdiction: String) throws -> DeadlineEngine {
        try DeadlineEngine(directory.calendar(of: jurisdiction) ?? JurisdictionCalendar(jurisdiction: jurisdiction, timeZone: "UTC"))
    }

    /// The jurisdiction of an agency: the directory's, else its code's prefix (`XB` of `XB-CUS`).
    func jurisdiction(of agency: String) -> String {
        directory.authorities.first { $0.agency == agency }?.jurisdiction ?? String(agency.prefix { $0 != "-" })
    }
}

/// Takes in what partners send about instruments: a transmitted instrument becomes an incoming
/// one, received at once (its clocks start under this state's calendar); a step the other side
/// took is merged into this node's copy. Both are audited as steps.
struct InstrumentInbox: Sendable {
    let agency: String
    let store: InstrumentStore
    let calendars: JudicialCalendars
    let trail: AuditTrail
    let clock: any WallClock

    /// - Throws: ``LiaisonError`` `.invalidMessage` for a transfer that is not the sender's to
    ///   make or carries an invalid form; `.notReady` (retried by the sender) for a step about an
    ///   instrument not received yet.
    func apply(_ transfer: InstrumentTransfer, from sender: String) async throws {
        for _ in 0..<4 {
            do {
                try await applyOnce(transfer, from: sender)
                return
            } catch let error as LiaisonError where error.code == .conflict && error.message.contains("changed meanwhile") {
                continue  // a local step committed between the read and the write: read again
            }
        }
        throw LiaisonError(.notReady, "Instrument \(transfer.reference) is being changed here; try again.")
    }

    private func applyOnce(_ transfer: InstrumentTransfer, from sender: String) async throws {
        let now = clock.now()
        guard transfer.issuer == sender || transfer.executor == sender, transfer.issuer == agency || transfer.executor == agency else {
            throw LiaisonError(.invalidMessage, "Instrument \(transfer.reference) is not between \(sender) and \(agency).")
        }
        guard let existing = try await store.find(transfer.id) else {
            guard transfer.step.action == .transmit, transfer.issuer == sender, transfer.executor == agency else {
                throw LiaisonError(.notReady, "Instrument \(transfer.reference) has not been received here yet; its transmission comes first.")
            }
            try await receive(transfer, from: sender, at: now)
            return
        }
        var instrument = existing.instrument
        guard instrument.issuer == transfer.issuer, instrument.executor == transfer.executor, instrument.reference == transfer.reference else {
            throw LiaisonError(.invalidMessage, "Instrument \(transfer.id) does not match the one this node holds.")
        }
        if let document = transfer.document {
            do { try InstrumentForm.of(instrument.kind).validate(document, validating: true) } catch {
                throw LiaisonError(.invalidMessage, "The amended \(instrument.kind.rawValue) is not a valid form: \(error.message)")
            }
        }
        let before = instrument
        let added = instrument.merge(transfer)
        guard instrument != before else { return }
        var events = added.map { step in
            trail.event(.instrumentStep, actor: "node:\(sender)", role: step.role?.rawValue, subject: "instrument:\(instrument.id)", details: Self.details(instrument, step, partner: sender))
        }
        for clock in instrument.clocks where clock.reading.extendedBy != nil && before.clocks.first(where: { $0.reading.clock == clock.reading.clock })?.reading.extendedBy == nil {
            events.append(trail.event(
                .instrumentExtended, actor: "node:\(sender)", subject: "instrument:\(instrument.id)",
                details: ["kind": instrument.kind.rawValue, "reference": instrument.reference, "clock": clock.reading.clock.rawValue, "reason": String((clock.reading.extensionReason ?? "").prefix(500)), "partner": sender]
            ))
        }
        _ = try await store.update(existing, to: instrument, audit: events, at: now)
        await trail.wakeup.signal()
    }

    /// A transmitted instrument, checked and recorded as received.
    private func receive(_ transfer: InstrumentTransfer, from sender: String, at now: Date) async throws {
        guard let document = transfer.document, let drafterRole = transfer.drafterRole else {
            throw LiaisonError(.invalidMessage, "The transmission of \(transfer.reference) carries no form.")
        }
        let form = InstrumentForm.of(transfer.kind)
        guard document.form == form.id else { throw LiaisonError(.invalidMessage, "\(transfer.reference) is a \(transfer.kind.rawValue) on the \(document.form) form.") }
        do { try form.validate(document, validating: true) } catch {
            throw LiaisonError(.invalidMessage, "The \(transfer.kind.rawValue) \(transfer.reference) is not a valid form: \(error.message)")
        }
        guard transfer.history.contains(where: { $0.action == .validate }) else {
            throw LiaisonError(.invalidMessage, "\(transfer.reference) was transmitted without a validation.")
        }
        var instrument = Instrument(
            id: transfer.id, reference: transfer.reference, kind: transfer.kind, direction: .incoming, issuer: transfer.issuer, executor: transfer.executor,
            executingJurisdiction: transfer.executingJurisdiction, caseReference: nil, document: document, drafter: transfer.drafter ?? "", drafterRole: drafterRole, at: now
        )
        instrument.merge(transfer)
        // The translations' content came as the message's attachments, stored before this runs.
        instrument.translations = transfer.translations
        let received = try InstrumentLifecycle(kind: instrument.kind).step(
            .receive, from: instrument.state, history: instrument.history, by: "node:\(agency)", role: nil, issuedBy: nil, at: now
        )
        try instrument.record(received, engine: try calendars.engine(for: instrument.executingJurisdiction))
        let event = trail.event(.instrumentStep, actor: "node:\(sender)", subject: "instrument:\(instrument.id)", details: Self.details(instrument, received, partner: sender))
        do {
            _ = try await store.create(instrument, audit: [event], at: now)
        } catch let error as LiaisonError where error.code == .conflict {
            return  // received twice at once: the other one stored it
        }
        await trail.wakeup.signal()
    }

    /// What an instrument step's audit event records: enough for the statistics (deliverable 7)
    /// to be computed from the log alone.
    static func details(_ instrument: Instrument, _ step: InstrumentStep, partner: String) -> [String: String] {
        var details = [
            "kind": instrument.kind.rawValue, "reference": instrument.reference, "action": step.action.rawValue, "from": step.from.rawValue, "to": step.to.rawValue,
            "partner": partner, "direction": instrument.direction.rawValue, "at": step.at.formatted(.iso8601),
        ]
        if instrument.isUrgent { details["urgent"] = "yes" }
        if let ground = step.ground { details["ground"] = ground }
        if let caseReference = instrument.caseReference { details["caseRef"] = caseReference }
        return details
    }
}
