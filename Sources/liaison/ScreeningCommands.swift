import ArgumentParser
import Foundation
import LiaisonCore
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

        func run() async throws {
            try await reportingOperatorErrors {
                let evaluation = try ScreeningEvaluation.standard(sharedData: URL(fileURLWithPath: data), withSupportingData: withSupportingData)
                let index = NameIndex(parties: evaluation.parties)
                let values = try (thresholds ?? "\(MatchingParameters().threshold)").split(separator: ",").map { text in
                    guard let value = Double(text.trimmingCharacters(in: .whitespaces)), (0...1).contains(value) else {
                        throw LiaisonError(.invalidInput, "--thresholds: '\(text)' is not a number between 0 and 1")
                    }
                    return value
                }
                print("\(evaluation.parties.count) listed parties, \(index.nameCount) names indexed; \(evaluation.queries.count) queries")
                for threshold in values {
                    let report = evaluation.evaluate(NameMatcher(index: index, parameters: MatchingParameters(threshold: threshold)))
                    if json {
                        let encoder = JSONEncoder()
                        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
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
                                                           name: name, dob: dob, country: country, type: type, json: json))
                return
            }
            let bar = ProgressBar()
            let summary = try await ScreeningOperations.screenBatch(
                dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL, input: input!, output: output!,
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
