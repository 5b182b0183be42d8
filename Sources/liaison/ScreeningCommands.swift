import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonEvaluation
import LiaisonMatching
import LiaisonServer

struct ListsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lists",
        abstract: "Sanctions and watch lists: import, list, and the matcher's evaluation harness.",
        subcommands: [Import.self, List.self, Evaluate.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a list, replacing its previous version atomically (a FollowTheMoney delta file is applied on top); prints what was added, removed and changed."
        )
        @OptionGroup var options: DataDirectoryOptions
        @Option(help: "ofac-csv (a directory with sdn.csv, alt.csv, add.csv, sdn_comments.csv, or a ZIP of them), un-xml, or ftm (JSON lines, or a delta file).") var format: String
        @Option(help: "The file or directory.") var path: String
        @Option(help: "The list's name (default: ofac-sdn, un-consolidated, or the FollowTheMoney file's name).") var name: String?

        func run() async throws {
            try await reportingOperatorErrors {
                print(try await ScreeningOperations.importList(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL, format: format, path: path, name: name))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the node's lists with their versions and sizes.")
        @OptionGroup var options: DataDirectoryOptions

        func run() async throws {
            try await reportingOperatorErrors {
                print(try await ScreeningOperations.lists(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL))
            }
        }
    }

    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the matcher's evaluation harness over the real lists in shared/data: precision, recall, F1 and false-positive rates per script."
        )
        @Option(help: "The shared/data directory.") var data: String = "../shared/data"
        @Option(help: "Thresholds to report, comma-separated (default: the matcher's default).") var thresholds: String?
        @Flag(help: "Give the negatives their dates of birth and nationalities, as a screening user would.") var withSupportingData = false
        @Flag(help: "Print the full report as JSON.") var json = false
        @Option(help: "Add synthetic names up to this many indexed names (speed and memory at scale; quality figures then include them).") var scale: Int?
        @Option(help: "Write names.tsv, queries.jsonl and liaison.json (timings, recall) here, for scripts/compare-rapidfuzz.py.") var export: String?
        @Option(help: "With --export: how many positive queries to time and export.") var queries: Int = 300
        @Option(help: "Screen this name against the harness's index and print the normalised tokens and the five best candidates down to 0.5 (or the first of --thresholds), with explanations (repeatable).") var explain: [String] = []
        @Option(help: "Write every miss and false alert at the (first) threshold to this file, one per line, for tuning.") var misses: String?
        @Option(help: "Evaluate labelled pairs from this file instead (JSON lines {left, right, judgement} as OpenSanctions publishes them, or a CSV left,right,label): precision, recall and F1 at every threshold and the best F1. Needs no shared data.") var pairs: String?
        @Flag(help: "Evaluate pairwise over the harness: each query with its own party and with the best other one.") var pairwise = false

        func run() async throws {
            try await reportingOperatorErrors {
                let values = try (thresholds ?? "\(MatchingParameters().threshold)").split(separator: ",").map { text in
                    guard let value = Double(text.trimmingCharacters(in: .whitespaces)), (0...1).contains(value) else {
                        throw LiaisonError(.invalidInput, "--thresholds: '\(text)' is not a number between 0 and 1")
                    }
                    return value
                }
                if let pairs {
                    guard let data = FileManager.default.contents(atPath: pairs) else { throw LiaisonError(.invalidInput, "cannot read \(pairs)") }
                    let evaluation = try PairwiseEvaluation(file: String(decoding: data, as: UTF8.self))
                    print(try Self.describe(evaluation.evaluate(parameters: MatchingParameters(threshold: values[0])), json: json))
                    return
                }
                let evaluation = try ScreeningEvaluation.standard(sharedData: URL(fileURLWithPath: data), withSupportingData: withSupportingData)
                if pairwise {
                    print(try Self.describe(PairwiseEvaluation(harness: evaluation).evaluate(parameters: MatchingParameters(threshold: values[0])), json: json))
                    return
                }
                let before = residentMemory()
                let started = ContinuousClock.now
                let parties = scale.map { evaluation.scaled(toNames: $0) } ?? evaluation.parties
                let index = NameIndex(parties: parties)
                let built = ContinuousClock.now - started
                let memory = residentMemory() - before
                print("index of \(index.nameCount) names built in \(built.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))); resident memory grew \(memory / 1_048_576) MB")
                if !explain.isEmpty {
                    let floor = thresholds == nil ? 0.5 : values[0]
                    let matcher = NameMatcher(index: index, parameters: MatchingParameters(threshold: floor, limit: 5))
                    for name in explain {
                        let normalized = NameNormalizer.normalize(name)
                        let readings = zip(normalized.tokens, normalized.alternatives).filter { !$0.1.isEmpty }
                            .map { "\($0.0): \($0.1.joined(separator: ", "))" }.joined(separator: "; ")
                        print("\(name) → \(normalized.tokens.joined(separator: " ")) [\(normalized.script.rawValue)]\(readings.isEmpty ? "" : " readings \(readings)")")
                        for candidate in matcher.screen(ScreeningQuery(name: name)) {
                            print(String(format: "  %.3f ", candidate.score) + "\(candidate.matchedName): \(candidate.explanation.summary)")
                        }
                    }
                    return
                }
                if let export {
                    try exportComparison(evaluation: evaluation, index: index, directory: export, memory: memory)
                    return
                }
                print("\(evaluation.parties.count) listed parties, \(index.nameCount) names indexed; \(evaluation.queries.count) queries")
                // With --misses, the first threshold's candidates serve both the file and the report.
                var firstCandidates: [[ScreeningCandidate]]?
                if let misses, let threshold = values.first {
                    let matcher = NameMatcher(index: index, parameters: MatchingParameters(threshold: threshold))
                    let candidates = evaluation.queries.map { matcher.screen($0.query) }
                    try writeMisses(evaluation: evaluation, candidates: candidates, matcher: matcher, to: misses)
                    firstCandidates = candidates
                }
                for (position, threshold) in values.enumerated() {
                    let report = if position == 0, let firstCandidates {
                        evaluation.evaluate(results: firstCandidates.map { $0.map(\.partyIndex) }, threshold: threshold)
                    } else {
                        evaluation.evaluate(NameMatcher(index: index, parameters: MatchingParameters(threshold: threshold)))
                    }
                    if json {
                        let encoder = JSON.readableEncoder
                        print(String(decoding: try encoder.encode(report), as: UTF8.self))
                        continue
                    }
                    func rates(_ table: [String: Double]) -> String {
                        table.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.3f", $0.value))" }.joined(separator: ", ")
                    }
                    print(String(format: "threshold %.2f: precision %.3f recall %.3f F1 %.3f top-1 %.3f (%d positives, %d negatives)",
                                 threshold, report.precision, report.recall, report.f1, report.top1, report.positives, report.negatives))
                    print("  recall by script: \(rates(report.recallByScript))")
                    print("  recall by variant: \(rates(report.recallByVariant))")
                    print("  false-positive rate by script: \(rates(report.falsePositiveRateByScript))")
                }
            }
        }
    }
}

extension ListsCommand.Evaluate {
    /// A pairwise report as text: the curve every 0.05, the best F1, the classes and scripts.
    static func describe(_ report: PairwiseEvaluation.Report, json: Bool) throws -> String {
        if json { return String(decoding: try JSON.readableEncoder.encode(report), as: UTF8.self) }
        func line(_ point: PairwiseEvaluation.Point) -> String {
            String(format: "threshold %.2f: precision %.3f recall %.3f F1 %.3f (%d true, %d false positives, %d missed)",
                   point.threshold, point.precision, point.recall, point.f1, point.truePositives, point.falsePositives, point.falseNegatives)
        }
        func rates(_ table: [String: Double]) -> String {
            table.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.3f", $0.value))" }.joined(separator: ", ")
        }
        var lines = ["\(report.pairs) labelled pairs (\(report.positives) same, \(report.negatives) not)"]
        lines += report.curve.enumerated().filter { $0.offset % 5 == 0 }.map { line($0.element) }
        lines.append("best F1 " + line(report.best))
        lines.append("at the default " + line(report.atDefault))
        lines.append("  recall by class: \(rates(report.recallByGroup))")
        lines.append("  false-positive rate by class: \(rates(report.falsePositiveRateByGroup))")
        lines.append("  recall by script: \(rates(report.recallByScript))")
        lines.append("  false-positive rate by script: \(rates(report.falsePositiveRateByScript))")
        return lines.joined(separator: "\n")
    }

    /// Every positive whose party was not raised and every negative that raised one, with the
    /// best candidate's name and score (a miss also shows its party's best score below the
    /// threshold), tab-separated.
    /// - Parameter candidates: what `matcher` raised for each of the evaluation's queries.
    func writeMisses(evaluation: ScreeningEvaluation, candidates: [[ScreeningCandidate]], matcher: NameMatcher, to path: String) throws {
        var loose = matcher
        loose.parameters.threshold = 0.5
        loose.parameters.limit = 50
        var lines = ["kind\tscript\tvariant\tquery\texpected\tbest\tbest score\texpected score"]
        for (query, raised) in zip(evaluation.queries, candidates) where query.variant != "script-organisation" {
            let script = ScreeningEvaluation.reportingScript(query.script)
            let best = raised.first.map { ($0.matchedName, String(format: "%.3f", $0.score)) } ?? ("", "")
            if let expected = query.expected {
                guard !raised.contains(where: { $0.partyIndex == expected }) else { continue }
                let own = loose.screen(query.query).first { $0.partyIndex == expected }
                let ownText = own.map { "\($0.matchedName) \(String(format: "%.3f", $0.score))" } ?? "-"
                lines.append("miss\t\(script)\t\(query.variant)\t\(query.query.name)\t\(evaluation.parties[expected].names.joined(separator: " | "))\t\(best.0)\t\(best.1)\t\(ownText)")
            } else if !raised.isEmpty {
                lines.append("false\t\(script)\tnegative\t\(query.query.name)\t\t\(best.0)\t\(best.1)\t")
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Times the matcher on the first `queries` positive queries (one at a time, in this process)
    /// and writes what a comparison with another matcher needs.
    /// The `p` quantile of sorted values.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]  // checked: p is 0...1, a percentile
    }

    func exportComparison(evaluation: ScreeningEvaluation, index: NameIndex, directory: String, memory: Int) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let matcher = NameMatcher(index: index)
        var sample = evaluation.queries.filter { $0.expected != nil && $0.variant != "script-organisation" }
        var random = SplitMix64(seed: 11)
        sample.shuffle(using: &random)
        sample = Array(sample.prefix(queries))
        var durations: [Double] = []
        var hits = 0
        for query in sample {
            let start = ContinuousClock.now
            let candidates = matcher.screen(query.query)
            let elapsed = ContinuousClock.now - start
            durations.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
            if candidates.contains(where: { $0.partyIndex == query.expected }) { hits += 1 }
        }
        var byScript: [String: [Double]] = [:]
        for (query, duration) in zip(sample, durations) { byScript[ScreeningEvaluation.reportingScript(query.script), default: []].append(duration) }
        for (script, values) in byScript.sorted(by: { $0.key < $1.key }) {
            let sorted = values.sorted()
            print(String(format: "  %@: %d queries, p50 %.1f µs, p99 %.1f µs", script, sorted.count, Self.percentile(sorted, 0.5), Self.percentile(sorted, 0.99)))
        }
        durations.sort()
        func percentile(_ p: Double) -> Double { Self.percentile(durations, p) }
        var names = "party\tname\n"
        for (partyIndex, party) in index.parties.enumerated() {
            for name in party.names { names += "\(partyIndex)\t\(name.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " "))\n" }
        }
        try names.write(toFile: directory + "/names.tsv", atomically: true, encoding: .utf8)
        let encoder = JSON.encoder
        let lines = try sample.map { String(decoding: try encoder.encode(["query": $0.query.name, "expected": String($0.expected!), "variant": $0.variant, "script": $0.script.rawValue]), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/queries.jsonl", atomically: true, encoding: .utf8)
        let summary: [String: Double] = [
            "names": Double(index.nameCount), "queries": Double(sample.count), "recall": Double(hits) / Double(max(sample.count, 1)),
            "p50_us": percentile(0.5), "p99_us": percentile(0.99), "mean_us": durations.reduce(0, +) / Double(max(durations.count, 1)),
            "resident_mb": Double(memory) / 1_048_576, "threshold": matcher.parameters.threshold,
        ]
        try String(decoding: try encoder.encode(summary), as: UTF8.self).write(toFile: directory + "/liaison.json", atomically: true, encoding: .utf8)
        print(String(format: "liaison: %d names, %d queries, recall %.3f, p50 %.1f µs, p99 %.1f µs", index.nameCount, sample.count, summary["recall"]!, summary["p50_us"]!, summary["p99_us"]!))
    }
}

/// The process's resident memory in bytes (Linux `/proc/self/status` VmRSS; 0 elsewhere).
func residentMemory() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }  // checked: parses text: nil when not a number
    return kilobytes * 1024
}

struct ScreenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "screen",
        abstract: "Screen a name (--name) or a CSV file (--input, with a 'name' column and optional dob, country, type) against the node's lists. Every candidate is stored as a potential match until a person decides."
    )
    @OptionGroup var options: DataDirectoryOptions
    @Option(help: "The name to screen.") var name: String?
    @Option(help: "Date of birth: YYYY, YYYY-MM or YYYY-MM-DD.") var dob: String?
    @Option(help: "Country: ISO 3166-1 code or name.") var country: String?
    @Option(help: "person, organization, vessel or aircraft.") var type: String?
    @Option(help: "Report candidates scoring at least this (0.5–1; default: the node's, 0.80). Lower it to widen a search.") var threshold: Double?
    @Option(help: "A CSV file to screen in batch.") var input: String?
    @Option(help: "Where to write the batch results (JSON lines, one per input row).") var output: String?
    @Flag(help: "Print the single result as JSON.") var json = false

    func validate() throws {
        guard (name == nil) != (input == nil) else { throw ValidationError("give either --name or --input") }
        if input != nil, output == nil { throw ValidationError("--input needs --output") }
    }

    func run() async throws {
        try await reportingOperatorErrors {
            if let name {
                print(try await ScreeningOperations.screen(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL,
                                                           name: name, dob: dob, country: country, type: type, threshold: threshold, json: json))
                return
            }
            let bar = ProgressBar()
            let summary = try await ScreeningOperations.screenBatch(
                dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL, input: input!, output: output!, threshold: threshold,
                progress: { done, total in bar.show(done, total) })
            bar.finish()
            print(summary)
        }
    }
}

/// A progress bar on standard error, redrawn in place on a terminal and printed every tenth
/// otherwise.
final class ProgressBar: Sendable {
    private let terminal = isatty(2) == 1

    func show(_ done: Int, _ total: Int) {
        guard total > 0 else { return }
        let width = 30
        let filled = width * done / total
        let line = "[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total)"
        if terminal {
            FileHandle.standardError.write(Data("\r\(line)".utf8))
        } else if done == total || done % max(1, total / 10) < 500 {
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
