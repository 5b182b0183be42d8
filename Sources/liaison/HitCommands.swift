import ArgumentParser
import Foundation
import LiaisonServer

struct HitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hits",
        abstract: "Hit/no-hit reference data (DNA, vehicles, persons, documents, phones, bank accounts, wallets): import and search.",
        subcommands: [Import.self, Search.self, Generate.self]
    )

    static let categories = "dna, vehicle, person, document, phone, bank-account or crypto-wallet"

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import reference data in one transaction: a file with any bad line imports nothing and every bad line is reported with its number."
        )
        @OptionGroup var options: DataDirectoryOptions
        @Option(help: "The category: \(HitsCommand.categories).") var category: String
        @Option(help: "CSV with a header row, or JSON lines; DNA in the NIST 1036 layout (<locus>_a1, <locus>_a2 columns). See docs/hits.md.") var file: String
        @Flag(help: "Remove the category's records that the file does not hold.") var replaceAll = false

        func run() async throws {
            try await reportingOperatorErrors {
                print(try await HitOperations.importFile(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL, category: category, path: file, replaceAll: replaceAll))
            }
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Search this node's reference data with each query in a file (same layout as an import; the reference column is optional)."
        )
        @OptionGroup var options: DataDirectoryOptions
        @Option(help: "The category: \(HitsCommand.categories).") var category: String
        @Option(help: "The queries: CSV with a header row, or JSON lines.") var file: String
        @Flag(help: "One JSON answer per line.") var json = false

        func run() async throws {
            try await reportingOperatorErrors {
                print(try await HitOperations.search(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL, category: category, path: file, json: json))
            }
        }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write synthetic DNA reference profiles (CSV, NIST 1036 layout) drawn from the NIST 1036 allele frequencies: for load tests and demos."
        )
        @Option(help: "How many profiles.") var count: Int
        @Option(help: "Random seed (the same seed gives the same profiles).") var seed: UInt64 = 1
        @Option(help: "Reference prefix.") var prefix: String = "SYN-"
        @Flag(help: "A national database's mix instead of complete profiles only: 20 % partial profiles of degraded stains (6–12 loci), 5 % with a wildcard or a microvariant.")
        var mix = false

        func run() async throws {
            try await reportingOperatorErrors {
                guard count > 0 else { throw ValidationError("--count must be positive") }
                try HitOperations.generateProfiles(count: count, seed: seed, prefix: prefix, mix: mix) { FileHandle.standardOutput.write($0) }
            }
        }
    }
}
