import Foundation
import LiaisonCore
import LiaisonSafeguards
import LiaisonStore

/// A case file as its team reads it: the case, its history with each record described, the
/// people and entities its messages name, and what waits for a date.
struct CaseFile: Encodable, Sendable {
    struct Entry: Encodable, Sendable {
        var at: Date
        var operation: String
        /// The operation in words ("Message sent").
        var what: String
        var actor: String
        var subject: String?
        var label: String?
        var state: String?
        var due: Date?
        /// The reference it was recorded under (the case's own or a partner's).
        var reference: String
    }

    struct NamedEntity: Encodable, Sendable {
        var schema: String
        var name: String
        var dataSubjectCategory: String
        /// The messages that name it.
        var messages: [String]
    }

    struct Deadline: Encodable, Sendable {
        var due: Date
        var what: String
        var subject: String?
        var overdue: Bool
    }

    var `case`: Case
    var id: String
    var entries: [Entry]
    var entities: [NamedEntity]
    var deadlines: [Deadline]
    /// Whether the history was cut at the limit.
    var truncated: Bool

    /// The file as JSON: the history written directly (a case file has up to 10,000 entries, and
    /// `JSONEncoder`'s generic path costs more than reading them), the rest encoded; the same
    /// members as ``Encodable`` gives (a test compares the two).
    func json() throws -> Data {
        let dates = entries.flatMap { [$0.at, $0.due] }
        return try CanonicalJSONWriter.document(self, as: JSON.encoder, dates: dates, capacity: 256 * (entries.count + 4)) { json in
            json.beginObject()
            json.key("case")
            json.raw(try JSON.encoder.encode(`case`))
            json.key("deadlines")
            json.raw(try JSON.encoder.encode(deadlines))
            json.key("entities")
            json.beginArray()
            for entity in entities {
                json.beginObject()
                json.member("dataSubjectCategory", entity.dataSubjectCategory)
                json.member("messages", entity.messages)
                json.member("name", entity.name)
                json.member("schema", entity.schema)
                json.endObject()
            }
            json.endArray()
            json.key("entries")
            json.beginArray()
            for entry in entries {
                json.beginObject()
                json.member("actor", entry.actor)
                json.member("at", entry.at)
                json.member("due", entry.due)
                json.member("label", entry.label)
                json.member("operation", entry.operation)
                json.member("reference", entry.reference)
                json.member("state", entry.state)
                json.member("subject", entry.subject)
                json.member("what", entry.what)
                json.endObject()
            }
            json.endArray()
            json.member("id", id)
            json.key("truncated")
            json.raw(Array((truncated ? "true" : "false").utf8))
            json.endObject()
        }
    }
}

/// Cases: opened, changed, closed and reopened by the people who work them, read by their team
/// and supervisors, and looked up by the safeguards for every new disclosure that names one.
struct CaseService: Sendable {
    let agency: String
    let store: CaseStore
    let users: UserStore
    let trail: AuditTrail
    let clock: any WallClock

    /// Roles that see every case (to assign, review and close); everyone else sees the cases
    /// they lead or work on (need to know, 28 CFR 23.20(e)).
    static let overseeingRoles: Set<Role> = [.supervisor, .judicialAuthority]

    struct Opening: Decodable, Sendable {
        var reference: String?
        var title: String
        var summary: String?
        var offenceCategories: [String]
        var lead: String?
        var team: [String]?
        var legalBasis: String
        var retention: String?
        var partnerReferences: [String]?
    }

    struct Change: Decodable, Sendable {
        var title: String?
        var summary: String?
        var offenceCategories: [String]?
        var lead: String?
        var team: [String]?
        var legalBasis: String?
        var retention: String?
        var partnerReferences: [String]?
    }

    // MARK: Reading

    /// Where the case a reference names stands, for the safeguards; `nil` for no reference or a
    /// pseudo-reference (`message:<id>`).
    func standing(of reference: String?) async throws -> CaseStanding? {
        guard let reference, CaseLinks.namesCase(reference) else { return nil }
        guard let record = try await store.find(reference) else { return .unknown }
        return record.item.status == .open ? .open : .closed
    }

    /// Refuses unless the reference names an open case (for what is added under a case outside
    /// the decision point: an item of evidence, a legal hold's case).
    /// - Throws: ``LiaisonError`` `.unknownCase` or `.caseClosed`.
    func requireOpen(_ reference: String, field: String = "caseRef") async throws {
        switch try await standing(of: reference) {
        case .unknown: throw LiaisonError(.unknownCase, "\(field): no case on this node has the reference '\(reference)'; open the case first.")
        case .closed: throw LiaisonError(.caseClosed, "\(field): case \(reference) is closed; a supervisor reopens it before anything new is added.")
        case .open, nil: break
        }
    }

    /// Refuses unless the reference names a case (open or closed).
    func requireKnown(_ reference: String, field: String = "caseRef") async throws {
        if try await standing(of: reference) == .unknown {
            throw LiaisonError(.unknownCase, "\(field): no case on this node has the reference '\(reference)'.")
        }
    }

    /// A case the principal may read.
    /// - Throws: ``LiaisonError`` `.notFound`, or `.notOnTeam`.
    func read(_ reference: String, principal: Principal?) async throws -> CaseRecord {
        guard let record = try await store.find(reference) else { throw LiaisonError(.notFound, "No case \(reference).") }
        try Self.checkView(record.item, principal: principal)
        return record
    }

    static func checkView(_ item: Case, principal: Principal?) throws {
        guard let principal else { throw LiaisonError(.notAuthenticated, "Sign in first.") }
        guard overseeingRoles.contains(principal.role) || item.isMember(principal.username) else {
            let lead = item.lead.isEmpty ? "a supervisor" : "its lead investigator, \(item.lead)"
            throw LiaisonError(.notOnTeam, "You are not on the team of case \(item.reference): ask \(lead) to add you.")
        }
    }

    /// The cases the principal may read, most recently changed first.
    func list(principal: Principal?, status: Case.Status?, text: String?) async throws -> [CaseRecord] {
        guard let principal else { return [] }
        let member = Self.overseeingRoles.contains(principal.role) ? nil : principal.username
        return try await store.list(status: status, member: member, text: text)
    }

    /// The open cases a user works on, for the case field of forms.
    func openCases(for principal: Principal?) async throws -> [CaseRecord] {
        try await list(principal: principal, status: .open, text: nil)
    }

    /// The case file: history (filtered by `text` over what it shows), entities, deadlines.
    func file(_ reference: String, principal: Principal?, text: String? = nil, limit: Int = 10_000) async throws -> CaseFile {
        let record = try await read(reference, principal: principal)
        let now = clock.now()
        let links = try await store.links(of: record.item.references, limit: limit + 1)
        let truncated = links.count > limit
        let shown = links.prefix(limit)
        let described = try await store.describe(shown.compactMap(\.subject), at: now)
        var entries: [CaseFile.Entry] = []
        var entities: [String: CaseFile.NamedEntity] = [:]
        var deadlines: [CaseFile.Deadline] = []
        var seenDue: Set<String> = []
        var seenIn: Set<String> = []
        for link in shown {
            let about = link.subject.flatMap { described[$0] }
            entries.append(CaseFile.Entry(
                at: link.at, operation: link.operation.rawValue, what: Self.words(link.operation), actor: link.actor, subject: link.subject,
                label: about?.label, state: about?.state, due: about?.due, reference: link.reference
            ))
            if let subject = link.subject, let due = about?.due, seenDue.insert(subject).inserted {
                deadlines.append(CaseFile.Deadline(due: due, what: about?.label ?? subject, subject: subject, overdue: due < now))
            }
            guard let subject = link.subject, subject.hasPrefix("message:"), let about else { continue }
            for entity in about.entities {
                let name = entity.name
                let key = "\(entity.schema)|\(name.lowercased())"
                var named = entities[key] ?? CaseFile.NamedEntity(schema: entity.schema, name: name, dataSubjectCategory: entity.dataSubjectCategory.rawValue, messages: [])
                if seenIn.insert("\(key)|\(subject)").inserted { named.messages.append(subject) }
                entities[key] = named
            }
        }
        if record.item.status == .open || record.item.reviewDue > now {
            deadlines.append(CaseFile.Deadline(due: record.item.reviewDue, what: "Review of the need to keep the case (Directive 2016/680 Art. 5)", subject: nil, overdue: record.item.reviewDue < now))
        }
        if let text = text?.lowercased(), !text.allSatisfy(\.isWhitespace) {
            let needle = text.trimmingCharacters(in: .whitespaces)
            entries = entries.filter { entry in
                [entry.what, entry.actor, entry.label ?? "", entry.state ?? "", entry.subject ?? "", entry.reference].contains { $0.lowercased().contains(needle) }
                    || (entry.subject.flatMap { described[$0] }?.entities ?? []).contains { entity in
                        entity.properties.values.joined().contains { $0.lowercased().contains(needle) }
                    }
            }
        }
        return CaseFile(
            case: record.item, id: record.id, entries: entries,
            entities: entities.values.sorted { ($0.messages.count, $1.name) > ($1.messages.count, $0.name) },
            deadlines: deadlines.sorted { $0.due < $1.due }, truncated: truncated
        )
    }

    /// An operation in words, for the history.
    static func words(_ operation: AuditOperation) -> String {
        switch operation {
        case .messageSent: "Message sent"
        case .messageReceived: "Message received"
        case .hitSearched: "Hit/no-hit search"
        case .followUpRequested: "Follow-up requested"
        case .followUpDecided: "Follow-up decided"
        case .approvalRequested: "Approval requested"
        case .approvalDecided: "Approval decided"
        case .evidenceRegistered: "Evidence registered"
        case .custodyEvent: "Custody event"
        case .legalHoldChanged: "Legal hold"
        case .screeningPerformed: "Screening"
        case .caseOpened: "Case opened"
        case .caseChanged: "Case changed"
        case .caseClosed: "Case closed"
        case .caseReopened: "Case reopened"
        default: operation.rawValue
        }
    }

    // MARK: Changing

    /// Opens a case; without a reference it gets the next `<agency>-<year>-<nnnn>`.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field, `.conflict` for a reference in use.
    func open(_ opening: Opening, principal: Principal?) async throws -> CaseRecord {
        guard let principal else { throw LiaisonError(.notAuthenticated, "Sign in first.") }
        let now = clock.now()
        let given = opening.reference.flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 }
        let reference = if let given { given } else { try await nextReference(at: now) }
        let lead = (opening.lead ?? "").allSatisfy(\.isWhitespace) ? principal.username : opening.lead ?? principal.username
        var item = Case(
            reference: reference, title: opening.title, summary: opening.summary ?? "", offenceCategories: try Self.categories(opening.offenceCategories),
            lead: lead, team: (opening.team ?? []).filter { $0 != lead }, legalBasis: opening.legalBasis,
            retention: try Self.retention(opening.retention) ?? .standard, partnerReferences: opening.partnerReferences ?? [],
            openedBy: principal.username, openedAt: now
        )
        item.team = Self.unique(item.team)
        try item.validate()
        try await checkUsers(item)
        let id = UUIDv7.make(at: now).uuidString.lowercased()
        let event = trail.event(
            .caseOpened, actor: "user:\(principal.username)", role: principal.role.rawValue, subject: "case:\(id)", legalBasis: item.legalBasis,
            details: ["caseRef": item.reference, "lead": item.lead, "team": "\(item.team.count)"]
        )
        let record = try await store.open(item, id: id, audit: [event], at: now)
        await trail.wakeup.signal()
        return record
    }

    /// Changes a case's description or team: its lead or a supervisor.
    func change(_ reference: String, _ change: Change, principal: Principal?) async throws -> CaseRecord {
        let record = try await read(reference, principal: principal)
        try Self.checkManage(record.item, principal: principal)
        var item = record.item
        if let title = change.title { item.title = title }
        if let summary = change.summary { item.summary = summary }
        if let categories = change.offenceCategories { item.offenceCategories = try Self.categories(categories) }
        if let legalBasis = change.legalBasis { item.legalBasis = legalBasis }
        if let retention = try Self.retention(change.retention) { item.retention = retention }
        if let partnerReferences = change.partnerReferences { item.partnerReferences = partnerReferences }
        if let lead = change.lead, !lead.allSatisfy(\.isWhitespace) { item.lead = lead }
        if let team = change.team { item.team = Self.unique(team) }
        item.team.removeAll { $0 == item.lead }
        try item.validate()
        try await checkUsers(item)
        var changed: [String] = []
        for (field, different) in [
            ("title", item.title != record.item.title), ("summary", item.summary != record.item.summary),
            ("offenceCategories", item.offenceCategories != record.item.offenceCategories), ("legalBasis", item.legalBasis != record.item.legalBasis),
            ("retention", item.retention != record.item.retention), ("partnerReferences", item.partnerReferences != record.item.partnerReferences),
            ("lead", item.lead != record.item.lead), ("team", item.team != record.item.team),
        ] where different { changed.append(field) }
        guard !changed.isEmpty else { return record }
        return try await save(record, item, .caseChanged, principal: principal, details: ["changed": changed.joined(separator: ",")])
    }

    /// Closes a case: its lead or a supervisor, with a reason.
    func close(_ reference: String, reason: String, principal: Principal?) async throws -> CaseRecord {
        let record = try await read(reference, principal: principal)
        try Self.checkManage(record.item, principal: principal)
        guard record.item.status == .open else { throw LiaisonError(.conflict, "Case \(record.item.reference) is already closed.") }
        let reason = try Self.reason(reason, "closed")
        var item = record.item
        item.status = .closed
        item.closedAt = clock.now()
        item.closedBy = principal?.username
        item.closingReason = reason
        return try await save(record, item, .caseClosed, principal: principal, details: ["reason": reason])
    }

    /// Reopens a closed case: a supervisor, with a reason.
    func reopen(_ reference: String, reason: String, principal: Principal?) async throws -> CaseRecord {
        let record = try await read(reference, principal: principal)
        guard principal?.role == .supervisor else { throw LiaisonError(.forbidden, "Only a supervisor reopens a closed case.") }
        guard record.item.status == .closed else { throw LiaisonError(.conflict, "Case \(record.item.reference) is open.") }
        let reason = try Self.reason(reason, "reopened")
        var item = record.item
        item.status = .open
        item.closedAt = nil
        item.closedBy = nil
        item.closingReason = nil
        return try await save(record, item, .caseReopened, principal: principal, details: ["reason": reason])
    }

    private func save(_ record: CaseRecord, _ item: Case, _ operation: AuditOperation, principal: Principal?, details: [String: String]) async throws -> CaseRecord {
        var details = details
        details["caseRef"] = item.reference
        let event = trail.event(operation, actor: principal.map { "user:\($0.username)" } ?? "system", role: principal?.role.rawValue, subject: "case:\(record.id)", details: details)
        let saved = try await store.update(record, to: item, audit: [event], at: clock.now())
        await trail.wakeup.signal()
        return saved
    }

    static func checkManage(_ item: Case, principal: Principal?) throws {
        guard let principal, principal.role == .supervisor || (item.lead == principal.username && !item.lead.isEmpty) else {
            throw LiaisonError(.forbidden, "Only the lead investigator\(item.lead.isEmpty ? "" : " (\(item.lead))") or a supervisor changes or closes case \(item.reference).")
        }
    }

    private func checkUsers(_ item: Case) async throws {
        for (field, name) in [("lead", item.lead)] + item.team.map({ ("team", $0) }) {
            guard let user = try await users.find(username: name) else { throw LiaisonError(.invalidInput, "\(field): no user '\(name)' on this node.") }
            guard AccessRule.caseHandlers.admittedRoles.contains(user.role) else {
                throw LiaisonError(.invalidInput, "\(field): \(name) is a\(user.role.rawValue.first.map { "aeiou".contains($0) } == true ? "n" : "") \(user.role.rawValue), who does not work with case content.")
            }
        }
    }

    /// The next free `<agency>-<year>-<nnnn>`.
    private func nextReference(at now: Date) async throws -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!  // checked: UTC always exists
        let prefix = "\(agency.split(separator: "-").first.map(String.init) ?? agency)-\(calendar.component(.year, from: now))-"
        var number = try await store.list(text: prefix.lowercased()).filter { $0.item.reference.lowercased().hasPrefix(prefix.lowercased()) }.count + 1
        while try await store.find("\(prefix)\(String(format: "%04d", number))") != nil { number += 1 }
        return "\(prefix)\(String(format: "%04d", number))"
    }

    static func categories(_ names: [String]) throws -> [OffenceCategory] {
        try names.map { name in
            guard let category = OffenceCategory(rawValue: name) else {
                throw LiaisonError(.invalidInput, "offenceCategories: '\(name)' is not a category; use one of \(OffenceCategory.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            return category
        }
    }

    static func retention(_ name: String?) throws -> RetentionClass? {
        guard let name, !name.isEmpty else { return nil }
        guard let retention = RetentionClass(rawValue: name) else {
            throw LiaisonError(.invalidInput, "retention: use one of \(RetentionClass.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name)'.")
        }
        return retention
    }

    static func reason(_ text: String, _ participle: String) throws -> String {
        let reason = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (3...2_000).contains(reason.count) else { throw LiaisonError(.invalidInput, "reason: say in 3 to 2000 characters why the case is \(participle).") }
        try TextRules.checkText(reason, "reason")
        return reason
    }

    static func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}
