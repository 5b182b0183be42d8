import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonEvaluation
import LiaisonMatching
import NIOCore
import NIOHTTP1

/// `liaison finance …`: transactions, traces and typology alerts.
struct FinanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finance",
        abstract: "Follow the money: import transactions into a case, trace funds, review typology alerts.",
        subcommands: [Check.self, Import.self, Trace.self, Scan.self, Alerts.self, Decide.self, Evaluate.self, Generate.self]
    )

    static func query(_ pairs: [(String, String?)]) -> String {
        let items = pairs.compactMap { name, value in
            value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
        }
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a transaction file here, without a node: print what it holds, or every bad line (exit 1)."
        )
        @Argument(help: "The file.") var file: String
        @Option(help: "csv, camt.053, pacs.008, ftm or amlsim (default: recognised from the content).") var format: String?
        @Option(help: "The currency of the amounts (CSV without a currency column; AMLSim, default USD).") var currency: String?
        @Option(help: "CSV columns as field=column pairs.") var mapping: String?
        @Flag(help: "Print every transaction.") var list = false

        func run() async throws {
            try await reportingOperatorErrors {
                guard let data = FileManager.default.contents(atPath: file) else { throw LiaisonError(.invalidInput, "cannot read \(file)") }
                var options = TransactionImportOptions()
                if let currency { options.currency = try Currency(currency) }
                if let mapping { options.mapping = try TransactionCSV.Mapping(pairs: mapping) }
                let chosen = try format.map { text in
                    guard let known = TransactionFormat(rawValue: text) else { throw LiaisonError(.invalidInput, "--format: '\(text)' is not one of \(TransactionFormat.allCases.map(\.rawValue).joined(separator: ", "))") }
                    return known
                }
                let result = try TransactionReader.read(data, format: chosen, name: URL(fileURLWithPath: file).lastPathComponent, options: options)
                print("\(result.format): \(result.transactions.count) transactions between \(result.accounts.count) accounts")
                if list {
                    for transaction in result.transactions {
                        print("line \(transaction.sourceLine)\t\(ISO8601DateFormatter().string(from: transaction.valueAt).prefix(10))\t\(transaction.debtor) -> \(transaction.creditor)\t\(transaction.amount)\t\(transaction.id)")
                    }
                }
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a transaction file into a case (CSV, camt.053, pacs.008, FtM JSON lines, AMLSim): all of it, or nothing with every bad line named."
        )
        @OptionGroup var api: NodeAPIOptions
        @Argument(help: "The case reference.") var caseReference: String
        @Argument(help: "The file (or, with --message, none).") var file: String?
        @Option(help: "csv, camt.053, pacs.008, ftm or amlsim (default: recognised from the content).") var format: String?
        @Option(help: "The currency of the amounts (CSV without a currency column; AMLSim, default USD).") var currency: String?
        @Option(help: "CSV columns as field=column pairs: debtor=From IBAN,amount=Betrag,…") var mapping: String?
        @Option(help: "AMLSim: the day step 0 stands for (YYYY-MM-DD).") var start: String?
        @Option(help: "Import a file a received message carries (a partner's returned statements): the message's id.") var message: String?
        @Option(help: "With --message: the attachment's file name or SHA-256.") var attachment: String?

        func validate() throws {
            guard (file == nil) != (message == nil) else { throw ValidationError("give either a file or --message with --attachment") }
            guard (message == nil) == (attachment == nil) else { throw ValidationError("--message and --attachment go together") }
        }

        func run() async throws {
            try await reportingOperatorErrors {
                if let message, let attachment {
                    var body: [String: Any] = ["message": message, "attachment": attachment]
                    if let format { body["format"] = format }
                    if let currency { body["currency"] = currency }
                    if let mapping { body["mapping"] = mapping }
                    let path = "/api/v1/cases/\(try CasesCommand.segment(caseReference))/finance/imports/from-message"
                    let reply = try await api.withNode { node in try await node.call(path, method: .POST, body: try CasesCommand.json(body), timeout: .minutes(15)) }
                    let record = try CasesCommand.object(reply)
                    print("\(record["added"] as? Int ?? 0) transactions added, \(record["alreadyPresent"] as? Int ?? 0) already in the case, \(record["accounts"] as? Int ?? 0) new accounts")
                    return
                }
                guard let file else { return }
                let name = URL(fileURLWithPath: file).lastPathComponent
                let path = "/api/v1/cases/\(try CasesCommand.segment(caseReference))/finance/imports"
                    + FinanceCommand.query([("name", name), ("format", format), ("currency", currency), ("mapping", mapping), ("start", start)])
                let reply = try await api.withNode { node in try await node.upload(path, file: file, mediaType: "application/octet-stream") }
                let record = try CasesCommand.object(reply)
                print("\(record["added"] as? Int ?? 0) transactions added, \(record["alreadyPresent"] as? Int ?? 0) already in the case, \(record["accounts"] as? Int ?? 0) new accounts")
            }
        }
    }

    struct Trace: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Trace funds through a case's transactions: the flow table and where the funds end (or the CSV or FtM export)."
        )
        @OptionGroup var api: NodeAPIOptions
        @Argument(help: "The case reference.") var caseReference: String
        @Option(help: "The account to trace from (IBAN, account number or key).") var account: String?
        @Option(help: "The transaction to trace from (its id).") var transaction: String?
        @Option(help: "forward (where it went) or backward (where it came from).") var direction = "forward"
        @Option(help: "fifo, lifo, pro-rata or libr.") var method = "fifo"
        @Option(help: "Hops to follow (1-20).") var depth = 6
        @Option(help: "The account's payments from this day (YYYY-MM-DD).") var from: String?
        @Option(help: "… to this day.") var to: String?
        @Option(help: "table (default), json, csv or ftm.") var output = "table"

        func run() async throws {
            try await reportingOperatorErrors {
                var body: [String: Any] = ["direction": direction, "method": method, "depth": depth]
                if let account { body["account"] = account }
                if let transaction { body["transaction"] = transaction }
                if let from { body["from"] = from }
                if let to { body["to"] = to }
                let format = output == "table" ? "json" : output
                let path = "/api/v1/cases/\(try CasesCommand.segment(caseReference))/finance/trace?format=\(try CasesCommand.segment(format))"
                let reply = try await api.withNode { node in try await node.call(path, method: .POST, body: try CasesCommand.json(body), timeout: .minutes(15)) }
                guard output == "table" else {
                    FileHandle.standardOutput.write(reply)
                    return
                }
                let trace = try CasesCommand.object(reply)
                let traced = trace["traced"] as? [String: Any] ?? [:]
                print("traced \(traced["currency"] as? String ?? "") \(traced["minor"] as? Int ?? 0) minor units; jurisdictions: \((trace["jurisdictions"] as? [String] ?? []).joined(separator: ", "))")
                print("hop\tdate\tfrom\tto\tattributed\tcross-border\ttransaction")
                for flow in trace["flows"] as? [[String: Any]] ?? [] {
                    let transaction = flow["transaction"] as? [String: Any] ?? [:]
                    let attributed = flow["attributed"] as? [String: Any] ?? [:]
                    print([
                        "\(flow["depth"] as? Int ?? 0)", String((transaction["valueAt"] as? String ?? "").prefix(10)), transaction["debtor"] as? String ?? "",
                        transaction["creditor"] as? String ?? "", "\(attributed["minor"] as? Int ?? 0)", flow["crossBorder"] as? Bool == true ? "yes" : "",
                        transaction["id"] as? String ?? "",
                    ].joined(separator: "\t"))
                }
                print("ends:")
                for end in trace["endPoints"] as? [[String: Any]] ?? [] {
                    let account = end["account"] as? [String: Any] ?? [:]
                    let amount = end["amount"] as? [String: Any] ?? [:]
                    print("  \(account["key"] as? String ?? "")\t\(amount["minor"] as? Int ?? 0)\t\(end["reason"] as? String ?? "")")
                }
            }
        }
    }

    struct Scan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the typology detectors over a case's transactions; prints the new alerts.")
        @OptionGroup var api: NodeAPIOptions
        @Argument(help: "The case reference.") var caseReference: String

        func run() async throws {
            try await reportingOperatorErrors {
                let reply = try await api.withNode { node in
                    try await node.call("/api/v1/cases/\(try CasesCommand.segment(caseReference))/finance/scan", method: .POST, body: "{}", timeout: .minutes(15))
                }
                let result = try CasesCommand.object(reply)
                let raised = result["raised"] as? [[String: Any]] ?? []
                print("\(result["found"] as? Int ?? 0) findings, \(raised.count) new alerts")
                for record in raised { print(Alerts.line(record)) }
            }
        }
    }

    struct Alerts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A case's typology alerts, waiting ones first; --explain prints why each was raised.")
        @OptionGroup var api: NodeAPIOptions
        @Argument(help: "The case reference.") var caseReference: String
        @Flag(help: "Print each alert's explanation.") var explain = false

        static func line(_ record: [String: Any]) -> String {
            let alert = record["alert"] as? [String: Any] ?? [:]
            return [
                record["id"] as? String ?? "", record["status"] as? String ?? "", alert["typology"] as? String ?? "",
                String((alert["from"] as? String ?? "").prefix(10)), alert["focus"] as? String ?? "", "\((alert["accounts"] as? [Any] ?? []).count) accounts",
            ].joined(separator: "\t")
        }

        func run() async throws {
            try await reportingOperatorErrors {
                let reply = try await api.withNode { node in try await node.call("/api/v1/cases/\(try CasesCommand.segment(caseReference))/finance/alerts") }
                for record in (try JSONSerialization.jsonObject(with: reply) as? [[String: Any]]) ?? [] {
                    print(Self.line(record))
                    if explain {
                        for line in (record["alert"] as? [String: Any])?["explanation"] as? [String] ?? [] { print("    \(line)") }
                    }
                }
            }
        }
    }

    struct Decide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Confirm or dismiss a typology alert, with the reason.")
        @OptionGroup var api: NodeAPIOptions
        @Argument(help: "The case reference.") var caseReference: String
        @Argument(help: "The alert id.") var alert: String
        @Argument(help: "confirm or dismiss.") var decision: String
        @Option(help: "Why.") var reason: String

        func run() async throws {
            try await reportingOperatorErrors {
                let path = "/api/v1/cases/\(try CasesCommand.segment(caseReference))/finance/alerts/\(try CasesCommand.segment(alert))/decision"
                let reply = try await api.withNode { node in
                    try await node.call(path, method: .POST, body: try CasesCommand.json(["decision": decision, "reason": reason]))
                }
                print("\(try CasesCommand.object(reply)["status"] as? String ?? "")")
            }
        }
    }

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
