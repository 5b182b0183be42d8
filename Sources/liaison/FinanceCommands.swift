import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonEvaluation
import LiaisonMatching

/// `liaison finance …`: transactions, traces and typology alerts.
struct FinanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finance",
        abstract: "Follow the money: import transactions into a case, trace funds, review typology alerts.",
        subcommands: [Evaluate.self, Generate.self]
    )

    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score the typology detectors: precision and recall per typology on generated data and on AMLSim's samples."
        )
        @Option(help: "The shared/data directory (AMLSim samples under aml/; skipped when absent).") var data: String = "../shared/data"
        @Option(help: "Accounts in the generated set.") var accounts: Int = 10_000
        @Option(help: "Ordinary transactions in the generated set.") var transactions: Int = 60_000
        @Option(help: "Patterns planted per typology.") var patterns: Int = 20
        @Option(help: "Seed of the generated set.") var seed: UInt64 = 20_261_207
        @Flag(help: "Print the reports as JSON.") var json = false
        @Option(help: "Print some false alerts of this typology on the generated set (for tuning).") var showFalse: String?
        @Option(help: "Print the planted patterns of this typology that no alert found (for tuning).") var showMissed: String?
        @Flag(help: "Only the generated set.") var generatedOnly = false

        func run() async throws {
            try await reportingOperatorErrors {
                var configuration = LaunderingGenerator.Configuration()
                guard accounts >= 1_000, transactions >= 0, patterns >= 1 else {
                    throw LiaisonError(.invalidInput, "--accounts must be at least 1000 and --patterns at least 1")
                }
                configuration.accounts = accounts
                configuration.backgroundTransactions = transactions
                configuration.patternsPerTypology = patterns
                configuration.seed = seed
                var reports = [
                    TypologyEvaluation.generated(
                        configuration, showFalse: showFalse.flatMap(Typology.init(rawValue:)), showMissed: showMissed.flatMap(Typology.init(rawValue:)))
                ]
                let aml = URL(fileURLWithPath: data).appendingPathComponent("aml")
                let samples: [(String, [Typology])] = [
                    ("20K_cycle200", [.cycle]), ("20K_fanin200", [.fanIn]), ("20K_fanin200cycle200", [.cycle, .fanIn]),
                ]
                for (name, typologies) in samples where !generatedOnly && FileManager.default.fileExists(atPath: aml.appendingPathComponent(name).path) {
                    reports.append(try TypologyEvaluation.amlsim(directory: aml.appendingPathComponent(name), typologies: typologies))
                }
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    print(String(decoding: try encoder.encode(reports), as: UTF8.self))
                } else {
                    print(reports.map(TypologyEvaluation.describe).joined(separator: "\n\n"))
                }
            }
        }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a generated transaction set with planted laundering patterns as CSV (and its labels as JSON lines)."
        )
        @Option(help: "Accounts.") var accounts: Int = 10_000
        @Option(help: "Ordinary transactions.") var transactions: Int = 60_000
        @Option(help: "Patterns planted per typology.") var patterns: Int = 20
        @Option(help: "Seed.") var seed: UInt64 = 20_261_207
        @Option(help: "The CSV file to write.") var output: String
        @Option(help: "Where to write the planted patterns (JSON lines {typology, accounts}).") var labels: String?

        func run() async throws {
            try await reportingOperatorErrors {
                var configuration = LaunderingGenerator.Configuration()
                configuration.accounts = accounts
                configuration.backgroundTransactions = transactions
                configuration.patternsPerTypology = patterns
                configuration.seed = seed
                let dataset = LaunderingGenerator(configuration: configuration).generate()
                do {
                    try Data(dataset.csv.utf8).write(to: URL(fileURLWithPath: output))
                    if let labels {
                        let lines = try dataset.patterns.map { pattern in
                            String(decoding: try JSONEncoder().encode(["typology": [pattern.typology.rawValue], "accounts": pattern.accounts]), as: UTF8.self)
                        }
                        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: labels))
                    }
                } catch {
                    throw LiaisonError(.invalidInput, "cannot write \(output): \(error.localizedDescription)")
                }
                print("wrote \(dataset.transactions.count) transactions between \(dataset.accounts.count) accounts, \(dataset.patterns.count) patterns, to \(output)")
            }
        }
    }
}
