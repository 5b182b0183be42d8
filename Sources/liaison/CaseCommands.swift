import ArgumentParser
import Foundation
import LiaisonCore
import NIOHTTP1

/// `liaison cases …`: a user's cases through a running node's API, as the web pages offer them.
struct CasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases",
        abstract: "Open, list, read, change, close and reopen cases on a running node (as a signed-in user).",
        subcommands: [Open.self, List.self, Show.self, Change.self, Close.self, Reopen.self]
    )

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open a case; it prints the case's reference.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The case's reference (default: the next <agency>-<year>-<nnnn>).") var reference: String?
        @Option(help: "Title.") var title: String
        @Option(help: "Offence category (repeat for several): \(OffenceCategory.allCases.map(\.rawValue).joined(separator: ", ")).") var offence: [String] = []
        @Option(help: "The provision the investigation is conducted under.") var legalBasis: String
        @Option(help: "Summary text.") var summary: String?
        @Option(help: "Lead investigator's user name (default: you).") var lead: String?
        @Option(help: "A team member's user name (repeat for several).") var member: [String] = []
        @Option(help: "A partner agency's reference for the same case (repeat for several).") var partnerReference: [String] = []
        @Option(help: "review-3-years, review-5-years or review-10-years.") var retention: String?

        func run() async throws {
            try await reportingOperatorErrors {
                var body: [String: Any] = ["title": title, "offenceCategories": offence, "legalBasis": legalBasis, "team": member, "partnerReferences": partnerReference]
                for (key, value) in [("reference", reference), ("summary", summary), ("lead", lead), ("retention", retention)] { if let value { body[key] = value } }
                let reply = try await api.withNode { node in try await node.call("/api/v1/cases", method: .POST, body: try CasesCommand.json(body)) }
                print(try CasesCommand.object(reply)["reference"] as? String ?? "")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your cases (supervisors: all): reference, status, lead, title.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "open, closed or all.") var status = "open"
        @Option(help: "Text in the reference or title.") var search: String?

        func run() async throws {
            try await reportingOperatorErrors {
                var path = "/api/v1/cases?status=\(status)"
                if let search { path += "&q=\(search.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                let reply = try await api.withNode { node in try await node.call(path) }
                for item in (try JSONSerialization.jsonObject(with: reply) as? [[String: Any]]) ?? [] {
                    print([item["reference"], item["status"], item["lead"], item["title"]].map { $0 as? String ?? "" }.joined(separator: "\t"))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a case file as JSON: the case, its history, the people named and its deadlines (the read is logged).")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The case's reference.") var reference: String
        @Option(help: "Only history entries that contain this text.") var search: String?

        func run() async throws {
            try await reportingOperatorErrors {
                var path = "/api/v1/cases/\(try CasesCommand.segment(reference))/file"
                if let search { path += "?q=\(search.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                let reply = try await api.withNode { node in try await node.call(path) }
                print(try CasesCommand.pretty(reply))
            }
        }
    }

    struct Change: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a case (its lead or a supervisor); only the options given change.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The case's reference.") var reference: String
        @Option(help: "Title.") var title: String?
        @Option(help: "Offence category (repeat; replaces the list).") var offence: [String] = []
        @Option(help: "Legal basis.") var legalBasis: String?
        @Option(help: "Summary.") var summary: String?
        @Option(help: "Lead investigator's user name.") var lead: String?
        @Option(help: "A team member (repeat; replaces the team).") var member: [String] = []
        @Flag(help: "Empty the team.") var noTeam = false
        @Option(help: "A partner's reference (repeat; replaces the list).") var partnerReference: [String] = []
        @Option(help: "review-3-years, review-5-years or review-10-years.") var retention: String?

        func run() async throws {
            try await reportingOperatorErrors {
                var body: [String: Any] = [:]
                for (key, value) in [("title", title), ("legalBasis", legalBasis), ("summary", summary), ("lead", lead), ("retention", retention)] { if let value { body[key] = value } }
                if !offence.isEmpty { body["offenceCategories"] = offence }
                if !member.isEmpty || noTeam { body["team"] = member }
                if !partnerReference.isEmpty { body["partnerReferences"] = partnerReference }
                let reply = try await api.withNode { node in
                    try await node.call("/api/v1/cases/\(try CasesCommand.segment(reference))", method: .PATCH, body: try CasesCommand.json(body))
                }
                print(try CasesCommand.pretty(reply))
            }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a case with a reason (its lead or a supervisor): nothing new is disclosed under it.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The case's reference.") var reference: String
        @Option(help: "Why the case is closed.") var reason: String

        func run() async throws { try await CasesCommand.post("close", reference: reference, reason: reason, api: api, done: "closed") }
    }

    struct Reopen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reopen a closed case with a reason (supervisors).")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The case's reference.") var reference: String
        @Option(help: "Why the case is reopened.") var reason: String

        func run() async throws { try await CasesCommand.post("reopen", reference: reference, reason: reason, api: api, done: "reopened") }
    }

    /// Closes or reopens a case with a reason, and says so.
    static func post(_ action: String, reference: String, reason: String, api: NodeAPIOptions, done: String) async throws {
        try await reportingOperatorErrors {
            _ = try await api.withNode { node in
                try await node.call("/api/v1/cases/\(try segment(reference))/\(action)", method: .POST, body: try json(["reason": reason]))
            }
            print("\(done) \(reference)")
        }
    }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func object(_ data: Data) throws -> [String: Any] {
        (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    static func pretty(_ data: Data) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: data), options: [.prettyPrinted, .sortedKeys]), as: UTF8.self)
    }

    /// A reference as one path segment.
    static func segment(_ reference: String) throws -> String {
        guard let encoded = reference.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))), !encoded.isEmpty else {
            throw LiaisonError(.invalidInput, "--reference: give the case's reference")
        }
        return encoded
    }
}
