import ArgumentParser
import Foundation
import LiaisonCore
import NIOHTTP1

/// `liaison instruments …`: judicial-cooperation instruments through a running node's API.
struct InstrumentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instruments",
        abstract: "Judicial instruments on a running node: print a form's template, draft, list the register, show, change, take a step, extend a deadline.",
        subcommands: [Template.self, Draft.self, List.self, Show.self, Change.self, Step.self, Extend.self, Directory.self]
    )

    /// A JSON object from a file, or one readable line saying why not (with the line of a syntax error).
    static func readJSON(_ path: String, option: String) throws -> Any {
        guard let data = FileManager.default.contents(atPath: path) else { throw LiaisonError(.invalidInput, "\(option): cannot read \(path)") }
        do {
            let object = try JSONSerialization.jsonObject(with: data)
            guard object is [String: Any] else { throw LiaisonError(.invalidInput, "\(option): \(path) holds no JSON object") }
            return object
        } catch let error as LiaisonError {
            throw error
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw LiaisonError(.invalidInput, "\(option): \(path) is not valid JSON: \(detail)")
        }
    }

    struct Template: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an empty form to fill in (JSON): eio, mla, eaw, extradition, freezing, confiscation, epoc, epoc-pr, eio-annex-b, eio-annex-c.")
        @OptionGroup var api: NodeAPIOptions
        @Argument(help: "The form.") var form: String
        @Option(help: "The language it is filled in (ISO 639-1).") var language = "en"

        func run() async throws {
            try await reportingOperatorErrors {
                let reply = try await api.withNode { node in
                    try await node.call("/api/v1/instrument-forms/\(try CasesCommand.segment(form))?template=true&language=\(try CasesCommand.segment(language))")
                }
                print(try CasesCommand.pretty(reply))
            }
        }
    }

    struct Draft: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Draft an instrument from a filled-in form (the template's JSON); a problem names its section and field. Prints the id and reference.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The instrument: eio, mla, eaw, extradition, freezing, confiscation, epoc, epoc-pr.") var kind: String
        @Option(help: "The filled-in form (JSON).") var file: String
        @Option(help: "The executing agency (default: routed by the directory from the form's executing state).") var executor: String?
        @Option(help: "This node's case the instrument belongs to.") var caseReference: String?

        func run() async throws {
            try await reportingOperatorErrors {
                let document = try InstrumentsCommand.readJSON(file, option: "--file")
                var body: [String: Any] = ["kind": kind, "document": document]
                if let executor { body["executor"] = executor }
                if let caseReference { body["caseReference"] = caseReference }
                let reply = try await api.withNode { node in try await node.call("/api/v1/instruments", method: .POST, body: try CasesCommand.json(body)) }
                let instrument = try CasesCommand.object(reply)["instrument"] as? [String: Any] ?? [:]
                print("\(instrument["id"] as? String ?? "")\t\(instrument["reference"] as? String ?? "")\t\(instrument["state"] as? String ?? "")")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The register: next deadline, reference, kind, other side, state — what is due first on top.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "outgoing, incoming or all.") var direction = "all"
        @Option(help: "day, week or all.") var due = "all"

        func run() async throws {
            try await reportingOperatorErrors {
                let reply = try await api.withNode { node in
                    try await node.call("/api/v1/instruments?direction=\(try CasesCommand.segment(direction))&due=\(try CasesCommand.segment(due))")
                }
                for row in (try JSONSerialization.jsonObject(with: reply) as? [[String: Any]]) ?? [] {
                    let deadline = (row["nextDeadline"] as? String).map { "\($0) \(row["nextClock"] as? String ?? "")\(row["overdue"] as? Bool == true ? " OVERDUE" : "")" } ?? "-"
                    let side = row["direction"] as? String == "incoming" ? "from" : "to"
                    print([deadline, row["reference"] as? String ?? "", row["kind"] as? String ?? "", "\(side) \(row["partner"] as? String ?? "")", row["state"] as? String ?? "", row["id"] as? String ?? ""]
                        .joined(separator: "\t"))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an instrument as JSON: the form, state, history, clocks, the offence's assessment, the steps you may take (the read is logged).")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The instrument's id or reference.") var id: String

        func run() async throws {
            try await reportingOperatorErrors {
                let reply = try await api.withNode { node in try await node.call("/api/v1/instruments/\(try CasesCommand.segment(id))") }
                print(try CasesCommand.pretty(reply))
            }
        }
    }

    struct Change: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace an instrument's form: a draft simply; once transmitted, as an amendment with its reason, sent to the other side.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The instrument's id.") var id: String
        @Option(help: "The filled-in form (JSON).") var file: String
        @Option(help: "The reason (required once transmitted).") var reason: String?

        func run() async throws {
            try await reportingOperatorErrors {
                var body: [String: Any] = ["document": try InstrumentsCommand.readJSON(file, option: "--file")]
                if let reason { body["reason"] = reason }
                let reply = try await api.withNode { node in
                    try await node.call("/api/v1/instruments/\(try CasesCommand.segment(id))/document", method: .PUT, body: try CasesCommand.json(body))
                }
                print((try CasesCommand.object(reply)["instrument"] as? [String: Any])?["state"] as? String ?? "")
            }
        }
    }

    struct Step: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a step: validate, transmit, acknowledge, consult, recognise, refuse (--ground, --reason), postpone, execute-partly, execute, return-results, close, withdraw; on an arrest warrant arrest and consent (which start its decision clocks). Prints the new state.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The instrument's id.") var id: String
        @Argument(help: "The step.") var action: String
        @Option(help: "The reason (required to refuse, postpone, withdraw, consult or execute partly).") var reason: String?
        @Option(help: "The refusal ground's code (eio-11-1-a …; `instruments show` lists them).") var ground: String?

        func run() async throws {
            try await reportingOperatorErrors {
                var body: [String: Any] = ["action": action]
                if let reason { body["reason"] = reason }
                if let ground { body["ground"] = ground }
                let reply = try await api.withNode { node in
                    try await node.call("/api/v1/instruments/\(try CasesCommand.segment(id))/steps", method: .POST, body: try CasesCommand.json(body))
                }
                print((try CasesCommand.object(reply)["instrument"] as? [String: Any])?["state"] as? String ?? "")
            }
        }
    }

    struct Directory: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the directory of competent authorities and calendars in use, or replace it with --file (an administrator; checked first, kept for the next start).")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "A new directory (JSON: authorities and calendars; see docs/judicial.md).") var file: String?

        func run() async throws {
            try await reportingOperatorErrors {
                let reply: Data
                if let file {
                    guard let data = FileManager.default.contents(atPath: file) else { throw LiaisonError(.invalidInput, "--file: cannot read \(file)") }
                    _ = try InstrumentsCommand.readJSON(file, option: "--file")
                    reply = try await api.withNode { node in try await node.call("/api/v1/judicial/directory", method: .PUT, body: String(decoding: data, as: UTF8.self)) }
                } else {
                    reply = try await api.withNode { node in try await node.call("/api/v1/judicial/directory") }
                }
                print(try CasesCommand.pretty(reply))
            }
        }
    }

    struct Extend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Extend a running deadline once, within the law's maximum, with the reason the issuing authority receives.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The instrument's id.") var id: String
        @Option(help: "The clock: eio-recognition, eaw-decision or epoc-pr-preservation.") var clock: String
        @Option(help: "How many days.") var days: Int
        @Option(help: "The reason.") var reason: String

        func run() async throws {
            try await reportingOperatorErrors {
                let body: [String: Any] = ["clock": clock, "amount": days, "unit": "days", "reason": reason]
                let reply = try await api.withNode { node in
                    try await node.call("/api/v1/instruments/\(try CasesCommand.segment(id))/extensions", method: .POST, body: try CasesCommand.json(body))
                }
                let clocks = (try CasesCommand.object(reply)["instrument"] as? [String: Any])?["clocks"] as? [[String: Any]] ?? []
                let reading = clocks.compactMap { $0["reading"] as? [String: Any] }.first { $0["clock"] as? String == clock }
                print("\(clock) now ends \(reading?["deadline"] as? String ?? "")")
            }
        }
    }
}
