import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonServer

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports computed from the node's records.",
        subcommands: [Transparency.self]
    )

    struct Transparency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The transparency report for a period, computed only from the audit records: messages per partner and purpose, searches, approvals, data-subject requests, erasures, policy refusals, alerts."
        )
        @OptionGroup var options: DataDirectoryOptions
        @Option(help: "First day, YYYY-MM-DD (default: 1 January of this year).") var from: String?
        @Option(help: "Last day, YYYY-MM-DD, inclusive (default: 31 December of this year).") var to: String?
        @Option(help: "html, json or csv.") var format = "html"
        @Option(help: "Write the report to this file instead of standard output.") var output: String?

        func run() async throws {
            try await reportingOperatorErrors {
                let year = Calendar(identifier: .gregorian).component(.year, from: Date())
                let text = try await SafeguardsOperations.transparencyReport(
                    dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL,
                    from: from ?? "\(year)-01-01", to: to ?? "\(year)-12-31", format: format
                )
                if let output {
                    do {
                        try text.write(toFile: output, atomically: true, encoding: .utf8)
                    } catch {
                        throw LiaisonError(.invalidInput, "--output: cannot write \(output): \(error.localizedDescription)")
                    }
                } else {
                    print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
                }
            }
        }
    }
}

struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Retention of personal data: what is due for deletion, and what legal holds keep.",
        subcommands: [Report.self]
    )

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the records whose retention period ends within --days (default 30), with the legal holds in force.")
        @OptionGroup var options: DataDirectoryOptions
        @Option(help: "Look ahead this many days.") var days: Int = 30
        @Flag(help: "Print the report as JSON.") var json = false

        func run() async throws {
            try await reportingOperatorErrors {
                print(try await SafeguardsOperations.retentionReport(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL, days: days, json: json))
            }
        }
    }
}
