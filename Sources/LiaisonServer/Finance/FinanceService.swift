import Crypto
import Foundation
import LiaisonCore
import LiaisonMatching
import LiaisonSafeguards
import LiaisonStore
import Synchronization

/// Financial investigation within a case: transactions imported from bank files, funds traced
/// through them, laundering typologies detected and each alert decided by a person.
struct FinanceService: Sendable {
    let store: FinanceStore
    let cases: CaseService
    /// Where statements a partner returned as attachments are read from.
    let messages: MessageService
    let trail: AuditTrail
    let clock: any WallClock
    let parameters: TypologyParameters
    let graphs = GraphCache()

    /// Cases' trace graphs, kept between traces until the case's ledger changes (building the graph
    /// of millions of transactions takes seconds; a trace on it milliseconds). A few cases at a time.
    final class GraphCache: Sendable {
        private let entries = Mutex<[String: (version: String, graph: TransactionGraph)]>([:])
        static let capacity = 4

        func graph(case reference: String, store: FinanceStore) async throws -> TransactionGraph {
            let version = try await store.version(case: reference)
            if let cached = entries.withLock({ $0[reference] }), cached.version == version { return cached.graph }
            let ledger = try await store.ledger(case: reference)
            let graph = TransactionGraph(accounts: ledger.accounts, transactions: ledger.transactions)
            entries.withLock { entries in
                if entries.count >= Self.capacity, entries[reference] == nil, let evicted = entries.keys.first { entries[evicted] = nil }
                entries[reference] = (version, graph)
            }
            return graph
        }
    }

    /// The largest transaction file one import reads.
    static let maximumFileBytes = 512 << 20

    /// Where a trace starts and how it attributes mixed funds.
    struct TraceRequest: Codable, Sendable {
        /// An account key (`iban:…`), an IBAN or an account number as imported.
        var account: String?
        /// A transaction id.
        var transaction: String?
        var direction: String?
        var method: String?
        var depth: Int?
        /// The period of the account's credits (forward) or debits (backward) to trace, YYYY-MM-DD.
        var from: String?
        var to: String?
    }

    struct Decision: Codable, Sendable {
        /// `confirm` or `dismiss`.
        var decision: String
        var reason: String
    }

    private func checkCase(_ reference: String, principal: Principal?, changing: Bool) async throws {
        _ = try await cases.read(reference, principal: principal)
        if changing { try await cases.requireOpen(reference, field: "case") }
    }

    private func actor(_ principal: Principal?) -> String { principal.map { "user:\($0.username)" } ?? "system" }

    /// Imports a transaction file into a case: all of it or, when any line is bad, nothing.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming every bad line; `.notFound` / `.notOnTeam`
    ///   for a case the principal cannot read; `.caseClosed`.
    func importFile(
        _ data: Data, name: String, format: String?, currency: String?, mapping: String?, startDate: String?, case reference: String, principal: Principal?
    ) async throws -> FinanceImportRecord {
        try await checkCase(reference, principal: principal, changing: true)
        guard !data.isEmpty else { throw LiaisonError(.invalidInput, "the file is empty") }
        let chosen: TransactionFormat?
        if let format, !format.isEmpty, format != "auto" {
            guard let known = TransactionFormat(rawValue: format) else {
                throw LiaisonError(.invalidInput, "format must be one of \(TransactionFormat.allCases.map(\.rawValue).joined(separator: ", ")) (or auto), not '\(format.prefix(40))'")
            }
            chosen = known
        } else {
            chosen = nil
        }
        var options = TransactionImportOptions()
        if let currency, !currency.isEmpty { options.currency = try Currency(currency) }
        if let mapping, !mapping.isEmpty { options.mapping = try TransactionCSV.Mapping(pairs: mapping) }
        if let startDate, !startDate.isEmpty {
            guard let day = CalendarDay.start(of: startDate) else { throw LiaisonError(.invalidInput, "start must be a date as YYYY-MM-DD, not '\(startDate.prefix(40))'") }
            options.startDate = day
        }
        let file = try TransactionReader.read(data, format: chosen, name: name, options: options)
        let ledger = try await store.ledger(case: reference)
        let existing = Dictionary(ledger.transactions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let known = Dictionary(ledger.accounts.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        try file.validate(file: name, existing: existing, knownAccounts: known)
        let now = clock.now()
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let record = FinanceImportRecord(
            id: UUIDv7.make(at: now).uuidString.lowercased(), caseReference: reference, fileName: name, format: file.format, sha256: digest,
            importedBy: principal?.username ?? "system", importedAt: now, added: 0, alreadyPresent: 0, accounts: 0)
        let event = trail.event(
            .financeImported, actor: actor(principal), role: principal?.role.rawValue, subject: "case:\(reference)",
            details: ["caseRef": reference, "file": String(name.prefix(200)), "format": file.format, "sha256": digest, "transactions": "\(file.transactions.count)"])
        let saved = try await store.add(file, record: record, existing: Set(existing.keys), knownAccounts: known, audit: [event], at: now)
        await trail.wakeup.signal()
        return saved
    }

    /// Imports a transaction file a message carries (a partner's statements, returned for the
    /// request the money trail prepared) into a case: the message is read under the safeguards as
    /// any reading is, and the import records which message the file came with.
    /// - Throws: ``LiaisonError`` `.notFound` for a message the principal cannot read or that has no
    ///   such attachment; as ``importFile(_:name:format:currency:mapping:startDate:case:principal:)``.
    func importAttachment(
        message id: String, attachment: String, format: String?, currency: String?, mapping: String?, case reference: String?, principal: Principal?
    ) async throws -> FinanceImportRecord {
        let record = try await messages.read(id, principal: principal, actor: actor(principal))
        let wanted = attachment.lowercased()
        guard let file = record.message.attachments.first(where: { $0.sha256 == wanted || $0.name == attachment }),
              let content = try await messages.blobs.get(file.sha256)
        else {
            throw LiaisonError(.notFound, "Message \(id) has no attachment '\(attachment.prefix(80))'.")
        }
        guard let target = reference ?? record.message.caseRef else {
            throw LiaisonError(.invalidInput, "case: message \(id) names no case; say which case the statements belong to.")
        }
        let local = try await cases.store.find(target)?.item.reference ?? target
        return try await importFile(
            content, name: "\(file.name) (message \(id))", format: format, currency: currency, mapping: mapping, startDate: nil, case: local, principal: principal)
    }

    /// The case's imports, transactions (most recent last) and accounts.
    func ledger(case reference: String, principal: Principal?) async throws -> (imports: [FinanceImportRecord], accounts: [FinancialAccount], transactions: [FinancialTransaction]) {
        try await checkCase(reference, principal: principal, changing: false)
        let ledger = try await store.ledger(case: reference)
        let byTime = ledger.transactions.enumerated().sorted { lhs, rhs in
            lhs.element.valueAt != rhs.element.valueAt ? lhs.element.valueAt < rhs.element.valueAt : lhs.offset < rhs.offset
        }.map(\.element)
        return (try await store.imports(case: reference), ledger.accounts, byTime)
    }

    /// Traces funds through the case's transactions.
    /// - Throws: ``LiaisonError`` `.invalidInput` for a request that names neither or both of an
    ///   account and a transaction, an unknown method or direction, a depth outside 1…20.
    func trace(_ request: TraceRequest, case reference: String, principal: Principal?) async throws -> FundsTrace {
        try await checkCase(reference, principal: principal, changing: false)
        let direction = try FundsTrace.Direction(rawValue: request.direction ?? "forward")
            .orThrow(LiaisonError(.invalidInput, "direction must be forward or backward, not '\((request.direction ?? "").prefix(40))'"))
        let method = try AttributionMethod(rawValue: request.method ?? "fifo")
            .orThrow(LiaisonError(.invalidInput, "method must be one of \(AttributionMethod.allCases.map(\.rawValue).joined(separator: ", ")), not '\((request.method ?? "").prefix(40))'"))
        let depth = request.depth ?? 6
        let graph = try await graphs.graph(case: reference, store: store)
        guard graph.transactionCount > 0 else { throw LiaisonError(.invalidInput, "case \(reference) holds no transactions yet; import a file first") }
        let origin: TraceOrigin
        switch (request.account?.trimmingCharacters(in: .whitespaces).nilIfEmpty, request.transaction?.trimmingCharacters(in: .whitespaces).nilIfEmpty) {
        case (let account?, nil):
            guard let key = Self.accountKey(account, in: graph.accounts) else {
                throw LiaisonError(.invalidInput, "account: no account '\(account.prefix(60))' in case \(reference)")
            }
            func day(_ text: String?, _ field: String, end: Bool) throws -> Date? {
                guard let text, !text.isEmpty else { return nil }
                guard let date = end ? CalendarDay.end(of: text) : CalendarDay.start(of: text) else {
                    throw LiaisonError(.invalidInput, "\(field) must be a date as YYYY-MM-DD, not '\(text.prefix(40))'")
                }
                return end ? date.addingTimeInterval(-1) : date
            }
            let from = try day(request.from, "from", end: false)
            let to = try day(request.to, "to", end: true)
            if let from, let to, to < from { throw LiaisonError(.invalidInput, "to must not be before from") }
            origin = .account(key, from: from, to: to)
        case (nil, let transaction?):
            guard graph.transaction(id: transaction) != nil else {
                throw LiaisonError(.invalidInput, "transaction: no transaction '\(transaction.prefix(80))' in case \(reference)")
            }
            origin = .transaction(transaction)
        default:
            throw LiaisonError(.invalidInput, "name either an account or a transaction to trace from")
        }
        let tracer = FundsTracer(graph: graph)
        let trace = try direction == .forward
            ? tracer.forward(from: origin, method: method, maxDepth: depth) : tracer.backward(from: origin, method: method, maxDepth: depth)
        let described: String
        switch origin {
        case .account(let key, _, _): described = key
        case .transaction(let id): described = "transaction \(id)"
        }
        let event = trail.event(
            .financeTraced, actor: actor(principal), role: principal?.role.rawValue, subject: "case:\(reference)",
            details: ["caseRef": reference, "origin": String(described.prefix(120)), "direction": direction.rawValue, "method": method.rawValue, "depth": "\(depth)"])
        await trail.record(event)
        return trace
    }

    /// The account a user names: its key, its identifier (an IBAN with or without spaces), a
    /// domestic number, or its holder's name when one account alone has it.
    static func accountKey(_ text: String, in accounts: [FinancialAccount]) -> String? {
        if accounts.contains(where: { $0.key == text }) { return text }
        let compact = text.uppercased().filter { $0.isLetter || $0.isNumber }
        if let match = accounts.first(where: { $0.identifier.uppercased().filter { $0.isLetter || $0.isNumber } == compact }) { return match.key }
        // The holder's name, when exactly one account has it.
        let name = text.trimmingCharacters(in: .whitespaces).lowercased()
        let held = accounts.filter { $0.holder?.lowercased() == name }
        return held.count == 1 ? held[0].key : nil
    }

    /// Runs the typology detectors over the case's transactions and stores the new alerts.
    func scan(case reference: String, principal: Principal?) async throws -> (raised: [FinanceAlertRecord], found: Int) {
        try await checkCase(reference, principal: principal, changing: true)
        let graph = try await graphs.graph(case: reference, store: store)
        let found = TypologyDetector(graph: graph, parameters: parameters).scan()
        let now = clock.now()
        let records = found.map { alert in
            FinanceAlertRecord(id: UUIDv7.make(at: now).uuidString.lowercased(), caseReference: reference, alert: alert, status: .pending, raisedAt: now)
        }
        let event = trail.event(
            .financeScanned, actor: actor(principal), role: principal?.role.rawValue, subject: "case:\(reference)",
            details: ["caseRef": reference, "found": "\(found.count)", "algorithmVersion": TypologyDetector.version])
        let raised = try await store.raise(records, audit: [event], at: now)
        await trail.wakeup.signal()
        return (raised, found.count)
    }

    func alerts(case reference: String, principal: Principal?) async throws -> [FinanceAlertRecord] {
        try await checkCase(reference, principal: principal, changing: false)
        return try await store.alerts(case: reference)
    }

    /// A person's decision on an alert: confirmed (it goes into the case as a finding) or dismissed,
    /// with a reason either way (Directive 2016/680 Art. 11: no decision on an automated output alone).
    func decide(_ decision: Decision, alert id: String, case reference: String, principal: Principal?) async throws -> FinanceAlertRecord {
        try await checkCase(reference, principal: principal, changing: true)
        guard var record = try await store.alert(id), record.caseReference == reference else {
            throw LiaisonError(.notFound, "No alert \(id.prefix(60)) in case \(reference).")
        }
        guard record.status == .pending else { throw LiaisonError(.conflict, "This alert was \(record.status.rawValue) already.") }
        let reason = decision.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw LiaisonError(.invalidInput, "reason: say why you confirm or dismiss the alert") }
        guard reason.count <= 2000 else { throw LiaisonError(.invalidInput, "reason: at most 2000 characters") }
        switch decision.decision {
        case "confirm": record.status = .confirmed
        case "dismiss": record.status = .dismissed
        default: throw LiaisonError(.invalidInput, "decision must be confirm or dismiss, not '\(decision.decision.prefix(40))'")
        }
        let now = clock.now()
        record.decidedBy = principal?.username
        record.decidedAt = now
        record.reason = reason
        let event = trail.event(
            .alertReviewed, actor: actor(principal), role: principal?.role.rawValue, subject: "finance-alert:\(id)",
            details: [
                "caseRef": reference, "decision": record.status.rawValue, "typology": record.alert.typology.rawValue, "algorithm": record.alert.algorithm,
                "algorithmVersion": record.alert.algorithmVersion,
            ])
        try await store.decide(record, audit: [event], at: now)
        await trail.wakeup.signal()
        return record
    }
}

extension TypologyParameters {
    /// The node's own thresholds: `finance-typologies.json` in its directory (only the keys it
    /// changes), else `fallback`.
    /// - Throws: ``LiaisonError`` `.configuration` naming the file and what is wrong.
    static func load(nodeDirectory: URL, fallback: TypologyParameters) throws -> TypologyParameters {
        let url = nodeDirectory.appendingPathComponent("finance-typologies.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return fallback }
        do {
            let parameters = try JSONDecoder().decode(TypologyParameters.self, from: Data(contentsOf: url))
            try parameters.validate()
            return parameters
        } catch let error as LiaisonError {
            throw LiaisonError(.configuration, "\(url.path): \(error.message)")
        } catch {
            throw LiaisonError(.configuration, "\(url.path): not a JSON object of typology parameters (\(error.localizedDescription))")
        }
    }
}

extension Optional {
    func orThrow(_ error: LiaisonError) throws -> Wrapped {
        guard let self else { throw error }
        return self
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
