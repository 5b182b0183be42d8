import ArgumentParser
import LiaisonServer

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
