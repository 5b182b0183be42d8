import ArgumentParser
import Foundation
import LiaisonCore
import NIOHTTP1

/// `liaison jits …`: joint investigation teams through a running node's API.
struct JITsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jits",
        abstract: "Joint investigation teams on a running node: propose, sign, list, show, contribute, catch up.",
        subcommands: [Propose.self, Sign.self, List.self, Show.self, Contribute.self, Sync.self]
    )

    struct Propose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Propose a JIT from an agreement file (JSON: name, purpose, parties, statesOfOperation, validFrom, validUntil, operationalActionPlan, informationRules, evidenceRules); prints its id.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The agreement as JSON (see docs/cases.md).") var file: String

        func run() async throws {
            try await reportingOperatorErrors {
                guard let body = FileManager.default.contents(atPath: file) else { throw LiaisonError(.invalidInput, "--file: cannot read \(file)") }
                let reply = try await api.withNode { node in try await node.call("/api/v1/jits", method: .POST, body: String(decoding: body, as: UTF8.self)) }
                print(try CasesCommand.object(reply)["id"] as? String ?? "")
            }
        }
    }

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a proposed JIT agreement for this node's agency.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The JIT's id.") var id: String

        func run() async throws {
            try await reportingOperatorErrors {
                let reply = try await api.withNode { node in try await node.call("/api/v1/jits/\(try CasesCommand.segment(id))/signature", method: .POST) }
                print("signed; status: \(try CasesCommand.object(reply)["status"] as? String ?? "")")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the JIT spaces this node holds: id, status, parties, name.")
        @OptionGroup var api: NodeAPIOptions

        func run() async throws {
            try await reportingOperatorErrors {
                let reply = try await api.withNode { node in try await node.call("/api/v1/jits") }
                for space in (try JSONSerialization.jsonObject(with: reply) as? [[String: Any]]) ?? [] {
                    let agreement = space["agreement"] as? [String: Any] ?? [:]
                    let parties = (agreement["parties"] as? [[String: Any]] ?? []).compactMap { $0["agency"] as? String }.joined(separator: ",")
                    print([space["id"] as? String ?? "", space["status"] as? String ?? "", parties, agreement["name"] as? String ?? ""].joined(separator: "\t"))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a JIT space as JSON: agreement, signatures, digest, contributions (the read is logged).")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The JIT's id.") var id: String

        func run() async throws {
            try await reportingOperatorErrors {
                let reply = try await api.withNode { node in try await node.call("/api/v1/jits/\(try CasesCommand.segment(id))") }
                print(try CasesCommand.pretty(reply))
            }
        }
    }

    struct Contribute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a note, decision, minutes or task to an active JIT space; it is signed and sent to every member.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The JIT's id.") var id: String
        @Option(help: "note, decision, minutes or task.") var kind = "note"
        @Option(help: "Title.") var title: String
        @Option(help: "Text, or @FILE to read it from a file.") var text: String?
        @Option(help: "For a task: who does it.") var taskOwner: String?
        @Option(help: "For a task: the member agency that does it.") var taskAgency: String?

        func run() async throws {
            try await reportingOperatorErrors {
                var body: [String: Any] = ["kind": kind, "title": title]
                if let text {
                    if text.hasPrefix("@") {
                        guard let data = FileManager.default.contents(atPath: String(text.dropFirst())) else { throw LiaisonError(.invalidInput, "--text: cannot read \(text.dropFirst())") }
                        body["text"] = String(decoding: data, as: UTF8.self)
                    } else {
                        body["text"] = text
                    }
                }
                if kind == "task" { body["task"] = ["owner": taskOwner ?? "", "agency": taskAgency ?? "", "status": "open"] }
                let reply = try await api.withNode { node in
                    try await node.call("/api/v1/jits/\(try CasesCommand.segment(id))/contributions", method: .POST, body: try CasesCommand.json(body))
                }
                let object = try CasesCommand.object(reply)
                print("\(object["author"] as? String ?? "") #\(object["sequence"] as? Int ?? 0) \(object["id"] as? String ?? "")")
            }
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Catch up every JIT space from the other members now.")
        @OptionGroup var api: NodeAPIOptions

        func run() async throws {
            try await reportingOperatorErrors {
                let reply = try await api.withNode { node in try await node.call("/api/v1/jits/sync", method: .POST) }
                print("arrived: \(try CasesCommand.object(reply)["arrived"] as? Int ?? 0)")
            }
        }
    }
}
