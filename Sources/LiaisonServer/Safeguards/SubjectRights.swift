import Foundation
import LiaisonCore
import LiaisonMatching
import LiaisonSafeguards
import LiaisonStore

/// One record the node holds that may be about the data subject.
struct SubjectFinding: Codable, Sendable, Equatable {
    /// `message:<id>` or `screening:<id>`.
    var record: String
    var kind: String
    /// How it was found: `name` (the screening matcher), `identifier` (exact, canonical) or `text`.
    var how: String
    var score: Double?
    /// The name or identifier as the record holds it.
    var matched: String
    var caseRef: String?
    var purpose: String?
    var dataSubjectCategory: String?
    /// Who it came from or went to.
    var counterparts: [String]
    var date: Date
    /// The data held on the subject in that record (entity properties), for an access answer.
    var data: [String: [String]]?
}

/// What a search found, kept with the request.
struct SubjectFindings: Codable, Sendable {
    var searchedAt: Date
    var algorithm: String
    var findings: [SubjectFinding]
}

/// The answer exported for the subject (or the supervisory authority).
struct SubjectAnswer: Codable, Sendable {
    var node: String
    var request: SubjectRequest
    var statement: String
    /// For a granted access request: the records and the data held.
    var records: [SubjectFinding]
}

/// Data subjects' rights (Directive 2016/680 Arts. 14–17): requests with their deadline, a search
/// across the node by names (transliteration-aware, the screening matcher) and identifiers, a
/// reasoned decision — erasure carried out and notified to recipients, restriction with indirect
/// access through the supervisory authority — and the answer.
struct SubjectRights: Sendable {
    let agency: String
    let store: SubjectRequestStore
    let messages: MessageStore
    let screening: ScreeningStore
    let safeguards: SafeguardsService
    let retention: RetentionSweeper
    let trail: AuditTrail
    let clock: any WallClock

    struct NewRequest: Decodable {
        var kind: SubjectRequest.Kind
        var name: String
        var birthDate: String?
        var identifiers: [String]?
        var channel: String
        var details: String?
        /// When it arrived, if before today (the deadline counts from receipt).
        var receivedAt: Date?
    }

    struct DecisionRequest: Decodable {
        var outcome: SubjectRequest.Outcome
        var reasons: String
    }

    func receive(_ new: NewRequest, actor: String, role: Role?) async throws -> SubjectRequest {
        let now = clock.now()
        let received = new.receivedAt ?? now
        guard received <= now.addingTimeInterval(300) else { throw LiaisonError(.invalidInput, "receivedAt must not be in the future.") }
        let months = try await safeguards.configuration().subjectRequestMonths
        let request = SubjectRequest(
            id: UUIDv7.make(at: now).uuidString.lowercased(), kind: new.kind, name: new.name.trimmingCharacters(in: .whitespaces),
            birthDate: new.birthDate.flatMap { $0.isEmpty ? nil : $0 }, identifiers: (new.identifiers ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            channel: new.channel, details: new.details ?? "", receivedAt: received, dueAt: SubjectRequest.deadline(receivedAt: received, months: months), recordedBy: actor
        )
        try request.validate()
        // The log names the request, not the person: the request itself holds the name.
        let event = trail.event(
            .subjectRequestReceived, actor: actor, role: role?.rawValue, subject: "subject-request:\(request.id)",
            details: ["kind": request.kind.rawValue, "channel": request.channel, "dueAt": request.dueAt.formatted(.iso8601)]
        )
        try await store.create(request, audit: event, at: now)
        await trail.wakeup.signal()
        return request
    }

    func request(_ id: String) async throws -> (request: SubjectRequest, findings: SubjectFindings?) {
        guard let stored = try await store.request(id) else { throw LiaisonError(.notFound, "No subject request \(id).") }
        return (stored.request, try stored.findings.map { try JSON.decoder.decode(SubjectFindings.self, from: $0) })
    }

    /// Searches every message and screening result for the subject and keeps what it found.
    func search(_ id: String, actor: String, role: Role?) async throws -> SubjectFindings {
        let (request, _) = try await self.request(id)
        let now = clock.now()
        var parties: [ListedParty] = []
        var sources: [String: (record: MessageRecord?, entity: MessageEntity?, screened: ScreeningResultRecord?)] = [:]
        var findings: [SubjectFinding] = []
        let wanted = Set(request.identifiers.map(ListedParty.canonicalIdentifier).filter { !$0.isEmpty })
        let records = try await messages.allMessages()
        for record in records {
            for entity in record.message.entities {
                let names = (entity.properties["name"] ?? []) + (entity.properties["alias"] ?? [])
                    + [[entity.properties["firstName"]?.first, entity.properties["lastName"]?.first].compactMap { $0 }.joined(separator: " ")].filter { !$0.isEmpty }
                let key = "message:\(record.message.id)#\(entity.id)"
                if !names.isEmpty {
                    parties.append(ListedParty(id: key, kind: entity.schema == "Person" ? .person : .unknown, names: names, birthDates: entity.properties["birthDate"] ?? []))
                    sources[key] = (record, entity, nil)
                }
                for (property, values) in entity.properties.sorted(by: { $0.key < $1.key }) {
                    for value in values where wanted.contains(ListedParty.canonicalIdentifier(value)) {
                        findings.append(finding(record, entity, how: "identifier", score: nil, matched: "\(property): \(value)"))
                    }
                }
            }
            let body = record.message.body.lowercased()
            if request.name.count >= 5, body.contains(request.name.lowercased()) {
                findings.append(finding(record, nil, how: "text", score: nil, matched: request.name))
            }
        }
        for result in try await screening.results(status: nil, limit: 100_000) {
            guard let query = try? JSON.decoder.decode(ScreeningQuery.self, from: result.query), !query.name.isEmpty else { continue }
            let key = "screening:\(result.id)"
            parties.append(ListedParty(id: key, kind: query.kind, names: [query.name], birthDates: query.birthDate.map { [$0] } ?? []))
            sources[key] = (nil, nil, result)
        }
        let parameters = MatchingParameters(threshold: MatchingParameters().threshold, limit: 1_000)
        if !parties.isEmpty {
            let matcher = NameMatcher(index: NameIndex(parties: parties), parameters: parameters)
            for candidate in matcher.screen(ScreeningQuery(name: request.name, kind: .person, birthDate: request.birthDate)) {
                guard let source = sources[candidate.partyID] else { continue }
                if let record = source.record {
                    findings.append(finding(record, source.entity, how: "name", score: candidate.score, matched: candidate.matchedName))
                } else if let screened = source.screened {
                    findings.append(SubjectFinding(
                        record: "screening:\(screened.id)", kind: "screening", how: "name", score: candidate.score, matched: candidate.matchedName,
                        caseRef: nil, purpose: "sanctions and watch-list screening", dataSubjectCategory: nil, counterparts: [screened.list],
                        date: screened.screenedAt, data: nil
                    ))
                }
            }
        }
        // One finding per record and way, best first.
        var seen = Set<String>()
        findings = findings.sorted { ($0.score ?? 2) > ($1.score ?? 2) }.filter { seen.insert("\($0.record)|\($0.how)|\($0.matched)").inserted }
        let result = SubjectFindings(searchedAt: now, algorithm: "\(NameMatcher.algorithm) threshold \(parameters.threshold)", findings: findings)
        let event = trail.event(
            .subjectRequestSearched, actor: actor, role: role?.rawValue, subject: "subject-request:\(id)",
            purpose: "data subject's request (Directive 2016/680 Arts. 14-17)", details: ["found": "\(findings.count)", "records": "\(Set(findings.map(\.record)).count)"]
        )
        try await store.saveFindings(id, findings: try JSON.encoder.encode(result), audit: event, at: now)
        await trail.wakeup.signal()
        return result
    }

    private func finding(_ record: MessageRecord, _ entity: MessageEntity?, how: String, score: Double?, matched: String) -> SubjectFinding {
        SubjectFinding(
            record: "message:\(record.message.id)", kind: record.box == .inbox ? "received message" : "sent message", how: how, score: score, matched: matched,
            caseRef: record.message.caseRef, purpose: record.message.purpose, dataSubjectCategory: entity?.dataSubjectCategory.rawValue,
            counterparts: record.box == .inbox ? [record.message.originator] : record.message.to, date: record.message.createdAt, data: entity?.properties
        )
    }

    /// Decides with reasons. A granted erasure erases the messages the search found and tells the
    /// partners that received them; a restriction keeps the data and answers with the route
    /// through the supervisory authority.
    func decide(_ id: String, _ body: DecisionRequest, actor: String, role: Role?) async throws -> SubjectRequest {
        let (request, findings) = try await self.request(id)
        guard request.state == .open else { throw LiaisonError(.conflict, "Subject request \(id) was already decided.") }
        let reasons = body.reasons.trimmingCharacters(in: .whitespacesAndNewlines)
        guard reasons.count >= 10, reasons.count <= 5_000 else {
            throw LiaisonError(.invalidInput, "reasons: give the reasons for the decision (10 to 5000 characters).")
        }
        guard findings != nil || body.outcome == .refused else {
            throw LiaisonError(.searchFirst, "Search the node for the subject before deciding (POST /api/v1/subject-requests/\(id)/search).")
        }
        if body.outcome == .nothingHeld, !(findings?.findings.isEmpty ?? true) {
            throw LiaisonError(.recordsFound, "The search found \(findings!.findings.count) records; 'nothing-held' would not be true.")
        }
        let now = clock.now()
        var acted: [String] = []
        if request.kind == .erasure, body.outcome == .granted || body.outcome == .partiallyGranted {
            let ids = Set((findings?.findings ?? []).filter { $0.record.hasPrefix("message:") }.map { String($0.record.dropFirst(8)) })
            for messageID in ids.sorted() {
                let erased = try await retention.erase(
                    message: messageID, reason: "Erased on the data subject's request (Directive 2016/680 Art. 16(2)).", actor: actor,
                    details: ["subjectRequest": id], at: now
                )
                if erased.erased { acted.append("message:\(messageID)") }
            }
        }
        let decision = SubjectRequest.Decision(outcome: body.outcome, reasons: reasons, decidedBy: actor, decidedAt: now, records: acted)
        let event = trail.event(
            .subjectRequestDecided, actor: actor, role: role?.rawValue, subject: "subject-request:\(id)",
            details: ["kind": request.kind.rawValue, "outcome": body.outcome.rawValue, "onTime": now <= request.dueAt ? "yes" : "no", "acted": "\(acted.count)"]
        )
        let decided = try await store.decide(id, decision, audit: event, at: now)
        await trail.wakeup.signal()
        return decided
    }

    /// The answer to send: the decision, its reasons, and for granted access the data held.
    func answer(_ id: String, actor: String, role: Role?) async throws -> SubjectAnswer {
        let (request, findings) = try await self.request(id)
        guard let decision = request.decision else {
            throw LiaisonError(.notDecided, "Subject request \(id) is not decided yet; its deadline is \(request.dueAt.formatted(.iso8601)).")
        }
        let statement: String
        var records: [SubjectFinding] = []
        switch decision.outcome {
        case .granted, .partiallyGranted:
            switch request.kind {
            case .access:
                records = findings?.findings ?? []
                statement = "\(agency) holds the records below about you (Directive 2016/680 Art. 14): the purpose, the case, where they came from or went to, and the data."
            case .erasure: statement = "\(agency) erased \(decision.records.count) record(s) about you and told the agencies that had received them (Art. 16(2) and 16(6))."
            case .rectification: statement = "\(agency) rectified the data as you asked (Art. 16(1))."
            case .restriction: statement = "\(agency) restricted the processing of your data (Art. 16(3))."
            }
        case .refused:
            statement = "\(agency) refused your request. You may complain to the supervisory authority or seek a judicial remedy (Directive 2016/680 Arts. 52–54)."
        case .restricted:
            // Art. 15(3) and 17: the answer neither confirms nor denies; the authority checks.
            statement = "Your rights are restricted to avoid prejudicing an investigation or prosecution (Directive 2016/680 Art. 15). You may ask the supervisory authority to exercise them on your behalf and to verify the lawfulness of the processing (Art. 17)."
        case .nothingHeld:
            statement = "\(agency) holds no personal data about you."
        }
        await trail.record(trail.event(.subjectRequestAnswered, actor: actor, role: role?.rawValue, subject: "subject-request:\(id)", details: ["outcome": decision.outcome.rawValue, "records": "\(records.count)"]))
        return SubjectAnswer(node: agency, request: request, statement: statement, records: records)
    }
}
