import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonServer
import LiaisonStore

/// Reads and decodes a JSON file, with an error that names the file and the field.
func decodeFile<T: Decodable>(_ type: T.Type, path: String, what: String) throws -> T {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw LiaisonError(.invalidInput, "cannot read \(what) file \(path)")
    }
    let decoder = JSON.decoder
    do {
        return try decoder.decode(T.self, from: data)
    } catch let error as DecodingError {
        throw LiaisonError(.invalidInput, "\(path) is not a valid \(what): \(describeDecoding(error))")
    }
}

func describeDecoding(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String { keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") }
    switch error {
    case .keyNotFound(let key, let context): return "field '\(path(context.codingPath + [key]))' is missing"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
        return "field '\(path(context.codingPath))' has the wrong type"
    case .dataCorrupted(let context):
        return context.codingPath.isEmpty ? "not valid JSON" : "field '\(path(context.codingPath))' is invalid (\(context.debugDescription))"
    @unknown default: return "unreadable"
    }
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSON.readableEncoder
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

struct PartnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "partner", abstract: "Manage the partner nodes this node trusts.", subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pin a partner from its identity document, after you compare its fingerprints out of band.")
        @OptionGroup var options: DataDirectoryOptions
        @Option(help: "The partner's identity document (from 'liaison identity').") var identity: String
        @Flag(help: "Do not ask for confirmation (scripts that checked the fingerprints themselves).") var yes = false

        func run() async throws {
            try await reportingOperatorErrors {
                let document = try decodeFile(IdentityDocument.self, path: identity, what: "identity document")
                try await NodeServices.with(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL) { node in
                    print("Partner \(document.agencyCode) — \(document.name) (\(document.jurisdiction)), \(document.endpoint)")
                    print("  signing key:       \(document.signingKey.fingerprint)")
                    print("  key-agreement key: \(document.keyAgreementKey.fingerprint)")
                    print("  TLS certificate:   \(document.tlsCertificate.fingerprint)")
                    if !yes {
                        print("Do these fingerprints match what \(document.agencyCode) gave you out of band? [y/N] ", terminator: "")
                        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
                        guard answer == "y" || answer == "yes" else {
                            throw LiaisonError(.invalidInput, "not confirmed; \(document.agencyCode) was not added")
                        }
                    }
                    try await node.federationAdministration
                        .addPartner(document, confirmedFingerprint: nil, by: "cli")
                    print("Added partner \(document.agencyCode)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List partners.")
        @OptionGroup var options: DataDirectoryOptions

        func run() async throws {
            try await reportingOperatorErrors {
                try await NodeServices.with(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL) { node in
                    for partner in try await node.federation.partners() {
                        print("\(partner.identity.agencyCode)\t\(partner.identity.name)\t\(partner.identity.endpoint)\t\(partner.identity.signingKey.fingerprint)")
                    }
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unpin a partner.")
        @OptionGroup var options: DataDirectoryOptions
        @Option(help: "The partner's agency code.") var agencyCode: String

        func run() async throws {
            try await reportingOperatorErrors {
                try await NodeServices.with(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL) { node in
                    try await node.federationAdministration.removePartner(agencyCode, by: "cli")
                    print("Removed partner \(agencyCode.uppercased())")
                }
            }
        }
    }
}

struct AgreementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agreement", abstract: "Manage cooperation agreements.", subcommands: [Add.self, List.self, Show.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import an agreement (JSON) to which this node is a party.")
        @OptionGroup var options: DataDirectoryOptions
        @Option(help: "The agreement file.") var file: String

        func run() async throws {
            try await reportingOperatorErrors {
                let agreement = try decodeFile(Agreement.self, path: file, what: "agreement")
                try await NodeServices.with(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL) { node in
                    try await node.federationAdministration.importAgreement(agreement, by: "cli")
                    print("Imported agreement \(agreement.id) between \(agreement.parties.joined(separator: ", ")), valid \(agreement.validFrom.formatted(.iso8601)) to \(agreement.validUntil.formatted(.iso8601))")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agreements with their status.")
        @OptionGroup var options: DataDirectoryOptions

        func run() async throws {
            try await reportingOperatorErrors {
                try await NodeServices.with(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL) { node in
                    let now = Date()
                    for record in try await node.federation.agreements() {
                        let agreement = record.agreement
                        print("\(agreement.id)\t\(agreement.status(at: now, revoked: record.isRevoked).rawValue)\t\(agreement.parties.joined(separator: ","))\tuntil \(agreement.validUntil.formatted(.iso8601))")
                    }
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an agreement as JSON.")
        @OptionGroup var options: DataDirectoryOptions
        @Option(help: "The agreement's id.") var id: String

        func run() async throws {
            try await reportingOperatorErrors {
                try await NodeServices.with(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL) { node in
                    guard let record = try await node.federation.agreement(id) else {
                        throw LiaisonError(.notFound, "no agreement with id \(id)")
                    }
                    try printJSON(record.agreement)
                    print("status: \(record.agreement.status(at: Date(), revoked: record.isRevoked).rawValue)" + (record.revocationReason.map { " (\($0))" } ?? ""))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an agreement; nothing flows under it afterwards.")
        @OptionGroup var options: DataDirectoryOptions
        @Option(help: "The agreement's id.") var id: String
        @Option(help: "Why it is revoked.") var reason: String

        func run() async throws {
            try await reportingOperatorErrors {
                try await NodeServices.with(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL) { node in
                    _ = try await node.federationAdministration.revokeAgreement(id, reason: reason, by: "cli")
                    print("Revoked agreement \(id)")
                }
            }
        }
    }
}
