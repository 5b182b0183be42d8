package import Crypto
package import Foundation
package import LiaisonCore
package import LiaisonMatching
package import LiaisonStore
package import Logging
package import ServiceLifecycle

/// Sanctions and watch-list screening: list imports, the in-memory name index, screening with
/// stored potential matches, human adjudication with remembered clearances, and designations
/// with due process. The CLI and the HTTP routes share it.
package actor ScreeningService {
    package let store: ScreeningStore
    let clock: any WallClock
    var parameters: MatchingParameters
    /// Called after anything is recorded in the audit queue, to nudge the sequencer.
    let recorded: @Sendable () async -> Void

    /// The index over every active entry, with where each entry came from; rebuilt lazily after
    /// a list changes.
    private struct Snapshot {
        var matcher: NameMatcher
        let origins: [(list: String, version: Int, entry: String)]
    }
    private var snapshot: Snapshot?

    init(store: ScreeningStore, clock: any WallClock, parameters: MatchingParameters = MatchingParameters(), recorded: @escaping @Sendable () async -> Void = {}) {
        self.store = store
        self.clock = clock
        self.parameters = parameters
        self.recorded = recorded
    }

    // MARK: Lists

    package enum Format: String, CaseIterable, Codable, Sendable {
        case ofacCSV = "ofac-csv", unXML = "un-xml", ftm
    }

    /// Imports a list file, replacing the list's previous version atomically (a FollowTheMoney
    /// delta file is applied on top of it instead).
    /// - Parameters:
    ///   - files: for `ofac-csv` the files by name (`sdn.csv` required; `alt.csv`, `add.csv`,
    ///     `sdn_comments.csv` optional); for the others one file under any name.
    package func importList(name: String, format: Format, files: [String: Data], actor: String) async throws -> ListImportReport {
        try Self.validateListName(name)
        let now = clock.now()
        let event = AuditEvent(time: now, operation: .listImported, actor: actor, subject: "list:\(name)", details: ["format": format.rawValue])
        let report: ListImportReport
        switch format {
        case .ofacCSV:
            guard let sdn = files["sdn.csv"] else { throw LiaisonError(.invalidInput, "an OFAC import needs sdn.csv") }
            let parsed = try OFACList.parse(sdn: Self.text(sdn), alt: files["alt.csv"].map(Self.text), add: files["add.csv"].map(Self.text),
                                            comments: files["sdn_comments.csv"].map(Self.text))
            report = try await store.replace(list: name, kind: .sanctions, format: format.rawValue, description: "OFAC SDN",
                                             entries: try Self.rows(parsed), audit: [event], at: now)
        case .unXML:
            guard let data = files.values.first else { throw LiaisonError(.invalidInput, "no file to import") }
            let parsed = try UNList.parse(data)
            report = try await store.replace(list: name, kind: .sanctions, format: format.rawValue, description: "UN Security Council Consolidated List",
                                             entries: try Self.rows(parsed), audit: [event], at: now)
        case .ftm:
            guard let data = files.values.first else { throw LiaisonError(.invalidInput, "no file to import") }
            let text = Self.text(data)
            let changes = try FollowTheMoneyList.changes(text)
            let isDelta = text.split(separator: "\n").contains { $0.contains("\"op\"") }
            if isDelta {
                guard try await store.list(name) != nil else {
                    throw LiaisonError(.invalidInput, "\(name) does not exist yet: import the full FollowTheMoney file before its delta files")
                }
                var upserts: [(id: String, entry: Data, details: Data, active: Bool)] = []
                var deletions: [String] = []
                for change in changes {
                    switch change {
                    case .upsert(let party, let details): upserts.append((party.id, try Self.encode(party), try Self.encode(details), true))
                    case .delete(let id): deletions.append(id)
                    }
                }
                report = try await store.apply(list: name, kind: .sanctions, format: format.rawValue, description: "FollowTheMoney",
                                               upserts: upserts, deletions: deletions, audit: [event], at: now)
            } else {
                let parsed = try FollowTheMoneyList.parse(text)
                report = try await store.replace(list: name, kind: .sanctions, format: format.rawValue, description: "FollowTheMoney",
                                                 entries: try Self.rows(parsed), audit: [event], at: now)
            }
        }
        snapshot = nil
        await recorded()
        return report
    }

    /// Adds or replaces an entry of a national list (created on first use).
    func editNational(list name: String, upsert party: ListedParty?, delete id: String?, actor: String) async throws -> ListImportReport {
        try Self.validateListName(name)
        if let existing = try await store.list(name), existing.kind != .national {
            throw LiaisonError(.conflict, "\(name) is an imported sanctions list; only national lists are edited here")
        }
        if let party {
            guard !party.names.isEmpty, party.names.allSatisfy({ !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
                throw LiaisonError(.invalidInput, "names: an entry needs at least one non-empty name")
            }
            try Self.validateText(party.names.joined(separator: " "), field: "names")
        }
        let now = clock.now()
        let event = AuditEvent(time: now, operation: .listEdited, actor: actor, subject: "list:\(name)",
                               details: party.map { ["upsert": $0.id] } ?? ["delete": id ?? ""])
        let report = try await store.apply(
            list: name, kind: .national, format: "national", description: "National watch list",
            upserts: try party.map { [($0.id, try Self.encode($0), try Self.encode([String: [String]]()), true)] } ?? [],
            deletions: id.map { [$0] } ?? [], audit: [event], at: now)
        snapshot = nil
        await recorded()
        return report
    }

    static func validateListName(_ name: String) throws {
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) else {
            throw LiaisonError(.invalidInput, "list name '\(name)': 1 to 64 letters, digits, '-', '_' or '.'")
        }
    }

    private static func rows(_ list: ParsedList) throws -> [(id: String, entry: Data, details: Data)] {
        try list.parties.map { ($0.id, try encode($0), try encode(list.details[$0.id] ?? [:])) }
    }

    static func encode<T: Encodable>(_ value: T) throws -> Data {
        try JSON.canonicalEncoder.encode(value)
    }

    private static func text(_ data: Data) -> String {
        String(data: data, encoding: .utf8) ?? String(decoding: data, as: UTF8.self)
    }

    // MARK: Screening

    /// One candidate as the API, the CLI and the pages show it.
    package struct Match: Codable, Sendable {
        /// The stored result's id: adjudicate with it.
        package var id: String
        package var list: String
        var listVersion: Int
        package var entryId: String
        var kind: PartyKind
        package var primaryName: String
        package var matchedName: String
        package var score: Double
        var status: ScreeningResultRecord.Status
        package var summary: String
        var explanation: MatchExplanation
    }

    /// A candidate not raised again because a person cleared it for the same input and list version.
    package struct Cleared: Codable, Sendable {
        package var list: String
        package var entryId: String
        package var clearedBy: String
    }

    package struct Outcome: Codable, Sendable {
        var query: ScreeningQuery
        var screenedAt: Date
        package var algorithm: String
        package var threshold: Double
        package var matches: [Match]
        package var cleared: [Cleared]
    }

    /// The longest name screened (characters).
    static let maximumNameLength = 300

    /// Checks and normalises what a user asked to screen.
    package static func query(name: String, birthDate: String?, country: String?, kind: String?, identifiers: [String] = []) throws -> ScreeningQuery {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw LiaisonError(.invalidInput, "name: empty; give the name to screen") }
        guard trimmed.count <= maximumNameLength else {
            throw LiaisonError(.invalidInput, "name: \(trimmed.count) characters; at most \(maximumNameLength)")
        }
        try validateText(trimmed, field: "name")
        guard !NameNormalizer.normalize(trimmed).tokens.isEmpty else {
            if let script = NameNormalizer.untransliterableScript(in: trimmed) {
                throw LiaisonError(.invalidInput, "name: '\(trimmed)' is written in \(script) script, which screening cannot transliterate yet; give the name in Latin letters too")
            }
            throw LiaisonError(.invalidInput, "name: '\(trimmed)' has no letters or digits to compare")
        }
        var date: String?
        if let birthDate = birthDate?.trimmingCharacters(in: .whitespaces), !birthDate.isEmpty { date = try Self.birthDate(birthDate) }
        var code: String?
        if let country = country?.trimmingCharacters(in: .whitespaces), !country.isEmpty {
            guard let resolved = Countries.code(for: country) else {
                throw LiaisonError(.invalidInput, "country: '\(country)' is not an ISO 3166-1 code or a country name")
            }
            code = resolved
        }
        var partyKind = PartyKind.unknown
        if let kind = kind?.trimmingCharacters(in: .whitespaces), !kind.isEmpty {
            partyKind = PartyKind(listValue: kind)
            guard partyKind != .unknown || kind.lowercased() == "unknown" else {
                throw LiaisonError(.invalidInput, "type: '\(kind)' is not person, organization, vessel or aircraft")
            }
        }
        for identifier in identifiers { try validateText(identifier, field: "identifiers") }
        return ScreeningQuery(name: trimmed, kind: partyKind, birthDate: date, country: code, identifiers: identifiers)
    }

    /// A date of birth as lists and users give it: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    static func birthDate(_ text: String) throws -> String {
        let pattern = #"^\d{4}(-\d{2}(-\d{2})?)?$"#
        guard text.range(of: pattern, options: .regularExpression) != nil, Int(text.prefix(4)).map({ (1000...2999).contains($0) }) == true else {  // checked: parses text: nil when not a number
            throw LiaisonError(.invalidInput, "dob: '\(text)' is not YYYY, YYYY-MM or YYYY-MM-DD")
        }
        return text
    }

    static func validateText(_ text: String, field: String) throws {
        if let bad = text.unicodeScalars.first(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format && $0 != "\u{200C}" && $0 != "\u{200D}" }) {
            throw LiaisonError(.invalidInput, "\(field): contains the control character U+\(String(format: "%04X", bad.value))")
        }
    }

    /// Screens one query against every list (or the lists named), stores each candidate as a
    /// potential match and records the screening in the audit log.
    package func screen(_ query: ScreeningQuery, lists: Set<String>? = nil, threshold: Double? = nil, actor: String) async throws -> Outcome {
        try await screen([query], lists: lists, threshold: threshold, actor: actor)[0]
    }

    /// The lowest threshold a user may ask for: below it names share little more than a token.
    static let lowestThreshold = 0.5

    /// Checks a threshold a user asked for (nil: the node's default).
    package static func threshold(_ value: Double?) throws -> Double? {
        guard let value else { return nil }
        guard value.isFinite, value >= lowestThreshold, value <= 1 else {
            throw LiaisonError(.invalidInput, "threshold: \(value) is not between \(lowestThreshold) and 1 (the node's default is \(MatchingParameters().threshold))")
        }
        return value
    }

    /// Checks a threshold given as text (a form field, a query parameter); empty is the default.
    package static func threshold(text: String?) throws -> Double? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let value = Double(text) else { throw LiaisonError(.invalidInput, "threshold: '\(text)' is not a number between \(lowestThreshold) and 1") }
        return try threshold(value)
    }

    /// Screens a batch; one audit event for the whole batch.
    /// - Parameter threshold: report candidates from this score (nil: the node's default), to
    ///   widen a search or narrow it; stored with each result.
    func screen(_ queries: [ScreeningQuery], lists: Set<String>? = nil, threshold: Double? = nil, actor: String, progress: (@Sendable (Int) -> Void)? = nil) async throws -> [Outcome] {
        var snapshot = try await currentSnapshot()
        var parameters = parameters
        if let threshold = try Self.threshold(threshold) {
            parameters.threshold = threshold
            snapshot.matcher.parameters = parameters
        }
        let now = clock.now()
        let parametersJSON = try Self.encode(parameters)
        var outcomes: [Outcome] = []
        var records: [ScreeningResultRecord] = []
        var pending: [(outcome: Int, candidate: ScreeningCandidate, inputKey: String, key: String)] = []
        for (position, query) in queries.enumerated() {
            let inputKey = Self.inputKey(query)
            let candidates = snapshot.matcher.screen(query).filter { lists?.contains(snapshot.origins[$0.partyIndex].list) ?? true }
            outcomes.append(Outcome(query: query, screenedAt: now, algorithm: NameMatcher.algorithm, threshold: parameters.threshold, matches: [], cleared: []))
            for candidate in candidates {
                let origin = snapshot.origins[candidate.partyIndex]
                pending.append((position, candidate, inputKey, "\(inputKey)/\(origin.list)/\(origin.version)/\(origin.entry)"))
            }
            progress?(position + 1)
        }
        let cleared = try await store.clearances(among: pending.map(\.key))
        for item in pending {
            let origin = snapshot.origins[item.candidate.partyIndex]
            if let resultID = cleared[item.key] {
                outcomes[item.outcome].cleared.append(Cleared(list: origin.list, entryId: origin.entry, clearedBy: resultID))
                continue
            }
            let record = ScreeningResultRecord(
                id: UUIDv7.make(at: now).uuidString.lowercased(), screenedAt: now, actor: actor, query: try Self.encode(queries[item.outcome]),
                inputKey: item.inputKey, list: origin.list, listVersion: origin.version, entryID: origin.entry,
                matchedName: item.candidate.matchedName, score: item.candidate.score, explanation: try Self.encode(item.candidate.explanation),
                algorithm: NameMatcher.algorithm, parameters: parametersJSON)
            records.append(record)
            let party = snapshot.matcher.index.parties[item.candidate.partyIndex]
            outcomes[item.outcome].matches.append(Match(
                id: record.id, list: origin.list, listVersion: origin.version, entryId: origin.entry, kind: party.kind,
                primaryName: party.names.first ?? "", matchedName: item.candidate.matchedName, score: (item.candidate.score * 1000).rounded() / 1000,
                status: .potential, summary: item.candidate.explanation.summary, explanation: item.candidate.explanation))
        }
        let audit = AuditEvent(
            time: now, operation: .screeningPerformed, actor: actor, subject: queries.count == 1 ? "screening:\(records.first?.id ?? "no-match")" : "screening:batch",
            details: ["queries": "\(queries.count)", "potentialMatches": "\(records.count)", "cleared": "\(cleared.count)",
                      "algorithm": NameMatcher.algorithm, "threshold": "\(parameters.threshold)"])
        try await store.save(records, audit: [audit], at: now)
        await recorded()
        return outcomes
    }

    /// SHA-256 of the normalised query: name tokens, kind, birth date, country, identifiers.
    static func inputKey(_ query: ScreeningQuery) -> String {
        let normalized = NameNormalizer.normalize(query.name)
        let canonical = [normalized.tokens.joined(separator: " "), normalized.legalForms.joined(separator: " "), query.kind.rawValue,
                         query.birthDate ?? "", query.country ?? "", query.identifiers.sorted().joined(separator: ",")].joined(separator: "\u{1F}")
        return SHA256.hash(data: Data(canonical.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private func currentSnapshot() async throws -> Snapshot {
        if let snapshot { return snapshot }
        var parties: [ListedParty] = []
        var origins: [(list: String, version: Int, entry: String)] = []
        let decoder = JSON.decoder
        for row in try await store.entries(activeOnly: true) {
            parties.append(try decoder.decode(ListedParty.self, from: row.record.entry))
            origins.append((row.list, row.version, row.id))
        }
        let built = Snapshot(matcher: NameMatcher(index: NameIndex(parties: parties), parameters: parameters), origins: origins)
        snapshot = built
        return built
    }

    // MARK: Adjudication

    enum Decision: String, Codable, Sendable {
        case truePositive = "true-match", falsePositive = "false-positive"
    }

    /// A person's decision on a potential match, with the reason; logged, and for a false positive
    /// remembered for the same input and list version.
    func adjudicate(_ id: String, decision: Decision, reason: String, actor: String, role: String?) async throws -> ScreeningResultRecord {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard reason.count >= 3 else { throw LiaisonError(.invalidInput, "reason: say why this is \(decision == .truePositive ? "a true match" : "a false positive")") }
        try Self.validateText(reason, field: "reason")
        let now = clock.now()
        let status: ScreeningResultRecord.Status = decision == .truePositive ? .confirmed : .falsePositive
        let event = AuditEvent(time: now, operation: .screeningAdjudicated, actor: actor, role: role, subject: "screening:\(id)",
                               details: ["decision": decision.rawValue, "reason": reason])
        let record = try await store.adjudicate(id, status: status, reason: reason, by: actor, audit: event, at: now)
        await recorded()
        return record
    }

    // MARK: Designations (due process)

    struct DesignationRequest: Codable, Sendable {
        /// The confirmed screening result the designation rests on.
        var resultId: String
        /// The national list to designate on.
        var list: String
        var grounds: String
        /// How the person was told (registered letter, public notice, counsel…).
        var notificationMethod: String
        /// When the notice was given; now if absent.
        var notifiedAt: Date?
        /// How long the person has to respond; 30 days if absent.
        var responseWindowDays: Int?
    }

    /// Default response window. Seed 001 asks that persons be "notified and given opportunities to
    /// respond before sanctions are imposed"; 30 days follows the period the EU General Court
    /// has accepted as adequate for observations on a listing (T-228/02, OMPI, para. 93 ff.).
    static let defaultResponseWindowDays = 30

    /// Records a designation on the strength of a confirmed match: the person is notified, the
    /// entry waits inactive on the national list until the window ends (or a reasoned urgency
    /// override).
    func designate(_ request: DesignationRequest, actor: String) async throws -> DesignationRecord {
        try Self.validateListName(request.list)
        guard let result = try await store.result(request.resultId) else { throw LiaisonError(.notFound, "No screening result \(request.resultId).") }
        guard result.status == .confirmed else {
            throw LiaisonError(.conflict, "screening result \(request.resultId) is \(result.status.rawValue); a designation needs a match a person confirmed")
        }
        if let list = try await store.list(request.list), list.kind != .national {
            throw LiaisonError(.conflict, "\(request.list) is an imported sanctions list; designate on a national list")
        }
        for (field, text) in [("grounds", request.grounds), ("notificationMethod", request.notificationMethod)] {
            guard text.trimmingCharacters(in: .whitespaces).count >= 3 else { throw LiaisonError(.invalidInput, "\(field): required") }
            try Self.validateText(text, field: field)
        }
        let days = request.responseWindowDays ?? Self.defaultResponseWindowDays
        guard (1...365).contains(days) else { throw LiaisonError(.invalidInput, "responseWindowDays: 1 to 365") }
        let now = clock.now()
        let notified = request.notifiedAt ?? now
        guard notified <= now.addingTimeInterval(300) else { throw LiaisonError(.invalidInput, "notifiedAt: the notice cannot be in the future") }
        let query = try JSON.decoder.decode(ScreeningQuery.self, from: result.query)
        let id = UUIDv7.make(at: now).uuidString.lowercased()
        let designation = DesignationRecord(
            id: id, list: request.list, entryID: "designation-\(id)", resultID: result.id, subject: result.matchedName, grounds: request.grounds,
            status: .notified, designatedBy: actor, notifiedAt: notified, notificationMethod: request.notificationMethod,
            responseWindowDays: days, windowEndsAt: notified.addingTimeInterval(TimeInterval(days) * 86_400))
        let party = ListedParty(id: designation.entryID, kind: query.kind, names: [query.name, result.matchedName],
                                birthDates: query.birthDate.map { [$0] } ?? [], countries: query.country.map { [$0] } ?? [], identifiers: query.identifiers)
        try await save(designation, party: party, event: "notified", actor: actor, now: now)
        return designation
    }

    /// Records the person's response within the window.
    func respond(_ id: String, response: String, actor: String) async throws -> DesignationRecord {
        var designation = try await pendingDesignation(id)
        try Self.validateText(response, field: "response")
        guard !response.trimmingCharacters(in: .whitespaces).isEmpty else { throw LiaisonError(.invalidInput, "response: empty") }
        let now = clock.now()
        designation.response = response
        designation.respondedAt = now
        try await save(designation, party: nil, event: "response", actor: actor, now: now)
        return designation
    }

    /// Makes a designation effective before its window ends, for a reason that is logged.
    func override(_ id: String, reason: String, actor: String) async throws -> DesignationRecord {
        var designation = try await pendingDesignation(id)
        guard reason.trimmingCharacters(in: .whitespaces).count >= 10 else {
            throw LiaisonError(.invalidInput, "reason: an urgency override needs a reason of at least 10 characters")
        }
        try Self.validateText(reason, field: "reason")
        let now = clock.now()
        designation.urgencyOverride = reason
        designation.overriddenBy = actor
        designation.status = .effective
        designation.effectiveAt = now
        try await save(designation, party: nil, event: "urgency-override", actor: actor, now: now)
        return designation
    }

    /// Withdraws a designation (for example after the person's response), with the reason.
    func withdraw(_ id: String, reason: String, actor: String) async throws -> DesignationRecord {
        guard var designation = try await store.designation(id) else { throw LiaisonError(.notFound, "No designation \(id).") }
        guard designation.status != .withdrawn else { throw LiaisonError(.conflict, "designation \(id) is already withdrawn") }
        guard reason.trimmingCharacters(in: .whitespaces).count >= 3 else { throw LiaisonError(.invalidInput, "reason: required") }
        try Self.validateText(reason, field: "reason")
        designation.status = .withdrawn
        designation.withdrawalReason = reason
        try await save(designation, party: nil, event: "withdrawn", actor: actor, now: clock.now())
        return designation
    }

    /// Makes effective every designation whose window has ended; returns them.
    @discardableResult
    func activateDue() async throws -> [DesignationRecord] {
        let now = clock.now()
        var activated: [DesignationRecord] = []
        for var designation in try await store.due(at: now) {
            designation.status = .effective
            designation.effectiveAt = designation.windowEndsAt
            try await save(designation, party: nil, event: "window-ended", actor: "system", now: now)
            activated.append(designation)
        }
        return activated
    }

    func designations() async throws -> [DesignationRecord] {
        try await activateDue()
        return try await store.designations()
    }

    private func pendingDesignation(_ id: String) async throws -> DesignationRecord {
        try await activateDue()
        guard let designation = try await store.designation(id) else { throw LiaisonError(.notFound, "No designation \(id).") }
        guard designation.status == .notified else {
            throw LiaisonError(.conflict, "designation \(id) is \(designation.status.rawValue); only a designation in its response window can take this")
        }
        return designation
    }

    private func save(_ designation: DesignationRecord, party: ListedParty?, event: String, actor: String, now: Date) async throws {
        let entry: Data
        if let party { entry = try Self.encode(party) } else {
            entry = try await store.entry(list: designation.list, id: designation.entryID)?.entry ?? Self.encode(ListedParty(id: designation.entryID, kind: .unknown, names: [designation.subject]))
        }
        let details = try Self.encode(["grounds": [designation.grounds], "designation": [designation.id]])
        let audit = AuditEvent(time: now, operation: .designationRecorded, actor: actor, subject: "designation:\(designation.id)",
                               details: ["event": event, "status": designation.status.rawValue, "list": designation.list,
                                         "windowEndsAt": ISO8601DateFormatter().string(from: designation.windowEndsAt)]
                                   .merging(designation.urgencyOverride.map { ["override": $0] } ?? [:]) { $1 })
        try await store.save(designation, entry: entry, details: details, kind: .national, audit: [audit], at: now)
        snapshot = nil
        await recorded()
    }
}

extension ScreeningService.Format {
    /// The list name an import gets when none is given: the list's own for OFAC and the UN, the
    /// file's name for FollowTheMoney exports.
    package func defaultListName(path: String) -> String {
        switch self {
        case .ofacCSV: "ofac-sdn"
        case .unXML: "un-consolidated"
        case .ftm: String(((path as NSString).lastPathComponent as NSString).deletingPathExtension.split(separator: ".").first ?? "ftm")
        }
    }
}

extension ListImportReport {
    /// One line: the list's new version and what changed.
    package var summary: String {
        "\(list) version \(version): \(entries) entries; added \(added.count), removed \(removed.count), changed \(changed.count)"
    }
}
