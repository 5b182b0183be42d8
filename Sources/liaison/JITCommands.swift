import ArgumentParser
import Foundation
import LiaisonCore
import NIOHTTP1

/// `liaison jits …`: joint investigation teams through a running node's API.
struct JITsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jits",
        abstract: "Joint investigation teams on a running node: propose, sign, list, show, contribute, share files, read the ledger, extend, catch up.",
        subcommands: [Propose.self, Sign.self, List.self, Show.self, Reminders.self, Contribute.self, Upload.self, Download.self, Ledger.self, Extend.self, Consent.self, Dossier.self, Sync.self]
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

    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Share a file (up to the node's limit, 1 GB by default) with a JIT's members: sent and stored in chunks; prints its contribution id and SHA-256.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The JIT's id.") var id: String
        @Option(help: "The file to share.") var file: String
        @Option(help: "A title (default: the file's name).") var title: String?
        @Option(help: "The file's media type.") var mediaType = "application/octet-stream"

        func run() async throws {
            try await reportingOperatorErrors {
                let name = URL(fileURLWithPath: file).lastPathComponent
                var query = "name=\(try CasesCommand.segment(name))"
                if let title { query += "&title=\(try CasesCommand.segment(title))" }
                let reply = try await api.withNode { node in
                    try await node.upload("/api/v1/jits/\(try CasesCommand.segment(id))/files?\(query)", file: file, mediaType: mediaType)
                }
                let object = try CasesCommand.object(reply)
                let manifest = object["file"] as? [String: Any] ?? [:]
                print("\(object["id"] as? String ?? "")\t\(manifest["size"] as? Int ?? 0) bytes\tsha256 \(manifest["sha256"] as? String ?? "")")
            }
        }
    }

    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Download a JIT file (its contribution id) to a file; the download enters the space's ledger on every member.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The JIT's id.") var id: String
        @Option(name: .customLong("file-id"), help: "The file's contribution id (see 'jits show').") var fileID: String
        @Option(help: "Where to write it.") var output: String

        func run() async throws {
            try await reportingOperatorErrors {
                let (bytes, digest) = try await api.withNode { node in
                    try await node.download("/api/v1/jits/\(try CasesCommand.segment(id))/files/\(try CasesCommand.segment(fileID))", to: output)
                }
                print("\(output)\t\(bytes) bytes\t\(digest ?? "")")
            }
        }
    }

    struct Ledger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a JIT's ledger: every upload and download on every member (leaders, oversight, data-protection officer).")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The JIT's id.") var id: String

        func run() async throws {
            try await reportingOperatorErrors {
                let reply = try await api.withNode { node in try await node.call("/api/v1/jits/\(try CasesCommand.segment(id))/ledger") }
                for entry in (try JSONSerialization.jsonObject(with: reply) as? [[String: Any]]) ?? [] {
                    print(["at", "action", "agency", "user", "name", "sha256"].map { entry[$0] as? String ?? "" }.joined(separator: "\t"))
                }
            }
        }
    }

    struct Extend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Propose to extend a JIT's period (a leader); it is in force once every party consents.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The JIT's id.") var id: String
        @Option(help: "The new last day, YYYY-MM-DD.") var until: String
        @Option(help: "Why the team needs more time.") var reason: String

        func run() async throws {
            try await reportingOperatorErrors {
                guard let day = CalendarDay.end(of: until) else { throw LiaisonError(.invalidInput, "--until: a day as YYYY-MM-DD, not '\(until.prefix(40))'") }
                let body: [String: Any] = ["kind": "extension", "title": "Extension to \(until)", "newPeriod": ["until": day.formatted(.iso8601), "reason": reason]]
                let reply = try await api.withNode { node in
                    try await node.call("/api/v1/jits/\(try CasesCommand.segment(id))/contributions", method: .POST, body: try CasesCommand.json(body))
                }
                print("proposed: \(try CasesCommand.object(reply)["id"] as? String ?? "")")
            }
        }
    }

    struct Consent: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Consent, for this node's agency, to an extension another party proposed (a leader).")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The JIT's id.") var id: String
        @Option(name: .customLong("extension"), help: "The extension's contribution id.") var extensionID: String

        func run() async throws {
            try await reportingOperatorErrors {
                let body: [String: Any] = ["kind": "consent", "title": "Consent to the extension", "refersTo": extensionID]
                _ = try await api.withNode { node in
                    try await node.call("/api/v1/jits/\(try CasesCommand.segment(id))/contributions", method: .POST, body: try CasesCommand.json(body))
                }
                print("consented")
            }
        }
    }

    struct Dossier: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a dossier on one entity of a JIT's shared graph (JSON, or FollowTheMoney lines with --ftm).")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The JIT's id.") var id: String
        @Option(help: "The entity's id (see the graph).") var entity: String
        @Flag(help: "FollowTheMoney lines instead of JSON.") var ftm = false

        func run() async throws {
            try await reportingOperatorErrors {
                let reply = try await api.withNode { node in
                    try await node.call("/api/v1/jits/\(try CasesCommand.segment(id))/entities/\(try CasesCommand.segment(entity))/dossier\(ftm ? "?format=ftm" : "")")
                }
                print(ftm ? String(decoding: reply, as: UTF8.self) : try CasesCommand.pretty(reply), terminator: ftm ? "" : "\n")
            }
        }
    }

    struct Reminders: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What the JIT spaces ask of this agency now: agreements and extensions to sign, tasks due within a week or overdue, evaluations to answer.")
        @OptionGroup var api: NodeAPIOptions

        func run() async throws {
            try await reportingOperatorErrors {
                let reply = try await api.withNode { node in try await node.call("/api/v1/jits/reminders") }
                for item in (try JSONSerialization.jsonObject(with: reply) as? [[String: Any]]) ?? [] {
                    let overdue = item["overdue"] as? Bool == true ? "OVERDUE" : ""
                    print([item["due"] as? String ?? "", overdue, item["kind"] as? String ?? "", item["team"] as? String ?? "", item["title"] as? String ?? "", item["space"] as? String ?? ""].joined(separator: "\t"))
                }
            }
        }
    }
}
