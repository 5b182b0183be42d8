package import Foundation
package import HTTPTypes
package import LiaisonCore
package import LiaisonMatching
package import LiaisonStore
package import Logging
package import ServiceLifecycle

/// A file with bad lines: nothing was imported or searched, and every line is named.
package struct LineProblems: Error, Sendable {
    package let problems: [LineProblem]

    var summary: String {
        let shown = problems.prefix(20).map(\.description).joined(separator: "; ")
        return "\(problems.count) bad line\(problems.count == 1 ? "" : "s"), nothing done: \(shown)\(problems.count > 20 ? "; …" : "")"
    }

    /// The error the edge answers with: the summary, and every bad line in `errors`.
    var error: LiaisonError {
        LiaisonError(.invalidInput, summary, errors: problems.map(\.description))
    }
}

extension LineProblems {
    /// The error with each bad item named `queries[N]` instead of by line.
    func problem(item: String) -> LiaisonError {
        LiaisonError(
            .invalidInput, "\(problems.count) bad \(item): " + problems.prefix(20).map { "\(item)[\($0.line)]: \($0.message)" }.joined(separator: "; "),
            errors: problems.map { "\(item)[\($0.line)]: \($0.message)" }
        )
    }
}

/// Hit/no-hit reference data and searches: imports in one transaction, an in-memory index per
/// category rebuilt after each change, and searches that answer with references and match
/// quality only, each logged. The CLI, the API and the web pages share it.
package actor HitService {
    let store: HitStore
    let clock: any WallClock
    let rules: DNAMatchRules
    let frequencies: AlleleFrequencies
    /// Called after anything is recorded in the audit queue, to nudge the sequencer.
    let recorded: @Sendable () async -> Void
    private var indexes: [HitCategory: ReferenceIndex] = [:]
    /// Bumped whenever a category's data change, so that derived tables (the blinded one) are rebuilt.
    private var generations: [HitCategory: Int] = [:]
    private var building: [HitCategory: (generation: Int, task: Task<ReferenceIndex, any Error>)] = [:]
    /// Where the DNA index's snapshot is kept; nil: never kept.
    let snapshots: HitIndexSnapshots?
    let logger: Logger
    /// The rebuild that follows a change of DNA data, which rewrites the snapshot.
    private var refresh: Task<Void, Never>?
    /// Whether a change of DNA data rebuilds the index at once (a serving node; the CLI, which
    /// exits after its import, leaves the rebuild to the next start).
    private var rebuildsAfterChange = false

    /// Rebuilds the DNA index (and its snapshot) right after each change from now on.
    func keepIndexCurrent() { rebuildsAfterChange = true }

    init(store: HitStore, clock: any WallClock, rules: DNAMatchRules = DNAMatchRules(), frequencies: AlleleFrequencies = .nist1036,
         snapshots: HitIndexSnapshots? = nil, logger: Logger = Logger(label: "liaison.hits"), recorded: @escaping @Sendable () async -> Void = {}) {
        self.store = store
        self.clock = clock
        self.rules = rules
        self.frequencies = frequencies
        self.snapshots = snapshots
        self.logger = logger
        self.recorded = recorded
    }

    /// Largest file accepted over the API; the CLI reads any size.
    static let maximumFileBytes = 512 * 1024 * 1024

    /// Lines parsed and inserted at a time, so that a file of millions of rows is never held as records.
    package static let linesPerPiece = 20_000

    /// Imports a reference file of `category` in one transaction: every record or none. The file
    /// is read piece by piece and inserted as it is read; a bad line anywhere rolls it all back.
    /// - Parameter replaceAll: remove the category's records that the file does not hold.
    /// - Throws: ``LineProblems`` naming every bad line.
    package func importFile(_ text: String, category: HitCategory, replaceAll: Bool, actor: String) async throws -> (report: HitImportReport, warnings: [String]) {
        try await importPieces(category: category, replaceAll: replaceAll, actor: actor) { each in
            for piece in ReferenceFile.pieces(of: text, linesPerPiece: Self.linesPerPiece) {
                try await each(piece.header.map { "\($0)\n" + text[piece.range] } ?? String(text[piece.range]), piece.lineOffset)
            }
        }
    }

    /// Imports a reference file that `pieces` reads piece by piece (see ``ReferenceFileSplitter``),
    /// handing each to its argument with its line offset, so that the file is never held whole.
    /// One transaction, as ``importFile(_:category:replaceAll:actor:)``.
    package func importPieces(category: HitCategory, replaceAll: Bool, actor: String,
                              pieces: @escaping @Sendable (_ each: (String, Int) async throws -> Void) async throws -> Void)
        async throws -> (report: HitImportReport, warnings: [String]) {
        let now = clock.now()
        let rules = self.rules
        let (report, warnings) = try await store.importReferences(category: category.rawValue, replaceAll: replaceAll, by: actor, at: now, audit: { report in
            [AuditEvent(time: now, operation: .hitsImported, actor: actor, subject: "hits:\(category.rawValue)",
                        details: ["added": "\(report.added)", "updated": "\(report.updated)", "removed": "\(report.removed)", "replaceAll": "\(replaceAll)"])]
        }, produce: { insert in
            var scanner = ReferenceFile.Scanner(category: category, purpose: .reference, rules: rules)
            try await pieces { text, lineOffset in
                var batch: [StoredReference] = []
                scanner.scan(text, lineOffset: lineOffset) { batch.append(Self.stored($0)) }
                // Once a line is bad nothing will be kept: read on only to report every bad line.
                if !scanner.hasProblems { try await insert(batch) }
            }
            let file = scanner.finish()
            guard file.problems.isEmpty else { throw LineProblems(problems: file.problems) }
            return file.warnings
        })
        changed(category)
        await recorded()
        return (report, warnings)
    }

    /// Removes one record.
    func remove(category: HitCategory, reference: String, actor: String) async throws {
        let now = clock.now()
        let event = AuditEvent(time: now, operation: .hitsImported, actor: actor, subject: "hits:\(category.rawValue)/\(reference)", details: ["removed": "1"])
        guard try await store.remove(category: category.rawValue, reference: reference, audit: [event], at: now) else {
            throw LiaisonError(.notFound, "no \(category.rawValue) record \(reference)")
        }
        changed(category)
        await recorded()
    }

    private func changed(_ category: HitCategory) {
        indexes[category] = nil
        generations[category, default: 0] += 1
        // The DNA index is rebuilt at once, so that its snapshot stays current for a restart.
        if category == .dna, snapshots != nil, rebuildsAfterChange {
            refresh?.cancel()
            refresh = Task { try? await self.warm(.dna) }
        }
    }

    /// The categories whose index is being built: their searches wait until it is ready.
    func warming() -> [HitCategory] { building.keys.filter { indexes[$0] == nil }.sorted() }

    func generation(of category: HitCategory) -> Int { generations[category, default: 0] }

    /// Builds the category's index now if it is not built.
    func warm(_ category: HitCategory) async throws { _ = try await index(for: category) }

    /// Each canonical key of an exact-identifier category with its reference.
    func keyedReferences(of category: HitCategory) async throws -> [(key: String, reference: String)] {
        try await index(for: category).keyedReferences
    }

    /// Records audit events that change no data.
    func log(_ events: [AuditEvent]) async throws {
        try await store.recordAudit(events, at: clock.now())
        await recorded()
    }

    /// Remembers the hits reported to a partner, which its follow-up requests may then ask about.
    func disclosed(_ answers: [HitAnswer], category: HitCategory, to partner: String, query: String) async throws {
        let now = clock.now()
        try await store.recordDisclosures(answers.flatMap(\.matches).map {
            HitDisclosure(partner: partner, category: category.rawValue, reference: $0.reference, quality: $0.quality.rawValue, queryID: query, answeredAt: now)
        })
    }

    /// Parses a query file of `category`.
    /// - Throws: ``LineProblems`` naming every bad line.
    package func queries(_ text: String, category: HitCategory) throws -> [ReferenceRecord] {
        let file = ReferenceFile.parse(text, category: category, purpose: .query, rules: rules)
        guard file.problems.isEmpty else { throw LineProblems(problems: file.problems) }
        return file.records
    }

    /// One query from the fields a form or JSON body gives (the same names as a file's columns).
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the field.
    func query(_ fields: [String: String], loci: [String: [String]]? = nil, category: HitCategory) throws -> ReferenceRecord {
        var object: [String: Any] = fields
        if let loci { object["loci"] = loci }
        let line = try JSONSerialization.data(withJSONObject: object)
        let file = ReferenceFile.parse(String(decoding: line, as: UTF8.self), category: category, purpose: .query, rules: rules)
        if let problem = file.problems.first { throw LiaisonError(.invalidInput, problem.message) }
        guard var record = file.records.first else { throw LiaisonError(.invalidInput, "no query") }
        if fields["reference"] == nil { record.reference = "query" }
        return record
    }

    /// Searches this node's own reference data; each query is logged with its result.
    /// - Parameters:
    ///   - requester: for a partner's query, the requesting agency (logged as the recipient of the answer).
    package func search(_ queries: [ReferenceRecord], category: HitCategory, actor: String, role: String? = nil, purpose: String? = nil, requester: String? = nil) async throws -> [HitAnswer] {
        try await timedSearch(queries, category: category, actor: actor, role: role, purpose: purpose, requester: requester).answers
    }

    /// Answers and what they cost: the matching itself, and recording the audit events.
    package struct TimedAnswers: Sendable {
        package var answers: [HitAnswer]
        package var matching: Duration
        package var recording: Duration
    }

    /// ``search(_:category:actor:role:purpose:requester:)``, timed.
    package func timedSearch(_ queries: [ReferenceRecord], category: HitCategory, actor: String, role: String? = nil, purpose: String? = nil,
                             requester: String? = nil) async throws -> TimedAnswers {
        let index = try await index(for: category)
        let started = ContinuousClock.now
        let answers = queries.map(index.search)
        let matched = ContinuousClock.now
        let now = clock.now()
        let events = answers.map { answer in
            AuditEvent(time: now, operation: .hitSearched, actor: actor, role: role, subject: "hits:\(category.rawValue)", purpose: purpose,
                       recipients: requester.map { [$0] },
                       details: ["result": answer.outcome.rawValue, "references": answer.matches.map(\.reference).joined(separator: ",")])
        }
        try await store.recordAudit(events, at: now)
        await recorded()
        return TimedAnswers(answers: answers, matching: matched - started, recording: ContinuousClock.now - matched)
    }

    /// The data behind a reference: for the follow-up (step two) only, never in an answer.
    func record(category: HitCategory, reference: String) async throws -> ReferenceRecord? {
        try await store.reference(category: category.rawValue, reference: reference).map { try Self.record($0, category: category) }
    }

    /// Records held per category.
    func counts() async throws -> [HitCategory: Int] {
        var counts: [HitCategory: Int] = [:]
        for (name, count) in try await store.counts() { if let category = try? HitCategory.parse(name) { counts[category] = count } }
        return counts
    }

    /// The category's index, built once: concurrent callers wait for the same build, and a build
    /// overtaken by an import is used for its callers but not kept.
    private func index(for category: HitCategory) async throws -> ReferenceIndex {
        if let index = indexes[category] { return index }
        let generation = generations[category, default: 0]
        if let pending = building[category], pending.generation == generation { return try await pending.task.value }
        let (store, rules, frequencies, snapshots, logger) = (self.store, self.rules, self.frequencies, self.snapshots, self.logger)
        let task = Task {
            guard category == .dna, let snapshots else { return try await Self.build(category, store: store, rules: rules, frequencies: frequencies) }
            return try await Self.buildKeepingSnapshot(store: store, rules: rules, frequencies: frequencies, snapshots: snapshots, logger: logger)
        }
        building[category] = (generation, task)
        defer { if building[category]?.generation == generation { building[category] = nil } }
        let index = try await task.value
        if generations[category, default: 0] == generation { indexes[category] = index }
        return index
    }

    private static func build(_ category: HitCategory, store: HitStore, rules: DNAMatchRules, frequencies: AlleleFrequencies) async throws -> ReferenceIndex {
        var builder = ReferenceIndex.Builder(category: category, rules: rules, frequencies: frequencies)
        try await store.forEachReference(category: category.rawValue, withFields: category == .person) { page in
            for stored in page { try builder.append(try Self.record(stored, category: category)) }
        }
        return builder.build()
    }

    /// The DNA index from its snapshot when the snapshot is current, else from the store, then
    /// snapshotted.
    private static func buildKeepingSnapshot(store: HitStore, rules: DNAMatchRules, frequencies: AlleleFrequencies, snapshots: HitIndexSnapshots,
                                             logger: Logger) async throws -> ReferenceIndex {
        let started = ContinuousClock.now
        let count = try await store.counts()[HitCategory.dna.rawValue] ?? 0
        let version = count > 0 ? try await store.ensureVersion(of: HitCategory.dna.rawValue) : nil
        if let version {
            switch snapshots.load(.dna, version: version, count: count, rules: rules, frequencies: frequencies) {
            case .loaded(let index):
                logger.info("DNA index loaded from its snapshot", metadata: ["profiles": "\(index.count)", "seconds": "\(ContinuousClock.now - started)"])
                return index
            case .rejected(let reason):
                logger.warning("DNA index snapshot not used: it \(reason); rebuilding from the store", metadata: ["file": "\(snapshots.file(for: .dna).path)"])
            case .missing:
                break
            }
        }
        let index = try await build(.dna, store: store, rules: rules, frequencies: frequencies)
        // Kept only when no change came in while the store was read.
        if let version, count > 0, try await store.version(of: HitCategory.dna.rawValue) == version {
            do {
                try snapshots.save(index, category: .dna, version: version)
            } catch {
                logger.warning("cannot write the DNA index snapshot", metadata: ["error": "\(error)"])
            }
        }
        return index
    }

    static func stored(_ record: ReferenceRecord) -> StoredReference {
        StoredReference(category: record.category.rawValue, reference: record.reference, keys: record.keys, fields: record.fields, profile: record.profile?.encoded)
    }

    static func record(_ stored: StoredReference, category: HitCategory) throws -> ReferenceRecord {
        let profile = try stored.profile.map { text throws(LiaisonError) in try STRProfile(reference: stored.reference, encoded: text) }
        return ReferenceRecord(category: category, reference: stored.reference, keys: stored.keys, fields: stored.fields, profile: profile)
    }
}

/// Builds the hit/no-hit indexes of every category that holds data when the node starts, so that
/// the first search does not wait while millions of records are read.
struct HitIndexWarmUp: Service {
    let hits: HitService
    let logger: Logger

    func run() async throws {
        await hits.keepIndexCurrent()
        try? await cancelWhenGracefulShutdown {
            do {
                for (category, count) in try await hits.counts().sorted(by: { $0.key < $1.key }) where count > 0 {
                    let started = ContinuousClock.now
                    try await hits.warm(category)
                    logger.info("hit/no-hit index ready", metadata: ["category": "\(category.rawValue)", "records": "\(count)",
                                                                   "seconds": "\((ContinuousClock.now - started).components.seconds)"])
                }
            } catch {
                logger.error("cannot build the hit/no-hit indexes", metadata: ["error": "\(error)"])
            }
            try await gracefulShutdown()
        }
    }
}
