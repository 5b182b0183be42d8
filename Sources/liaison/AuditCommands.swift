import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonServer
import LiaisonStore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check and read the node's tamper-evident audit log.",
        subcommands: [Verify.self, ShowCheckpoint.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the audit log from its stored entries and check it against every signed checkpoint; exit 1 and name the first bad index if anything was edited, removed or reordered."
        )

        @OptionGroup var options: DataDirectoryOptions

        func run() async throws {
            try await reportingOperatorErrors {
                let report = try await NodeServices.with(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL) { node in
                    guard let key = node.node.identity.auditVerifierKey else {
                        throw LiaisonError(.configuration, "the node's identity has no audit verifier key")
                    }
                    return try await AuditVerifier(store: node.auditStore, verifierKey: key).verify()
                }
                if let failure = report.failure {
                    let index = report.firstBadIndex.map { " (first bad index: \($0))" } ?? ""
                    FileHandle.standardError.write(Data("liaison: audit log FAILED verification: \(failure)\(index)\n".utf8))
                    throw ExitCode.failure
                }
                print("audit log intact: \(report.entries) entries, \(report.checkpointsVerified) signed checkpoints verified")
            }
        }
    }

    struct ShowCheckpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint",
            abstract: "Print the newest signed checkpoint (a C2SP signed note) and the key that verifies it."
        )

        @OptionGroup var options: DataDirectoryOptions

        func run() async throws {
            try await reportingOperatorErrors {
                let (note, key) = try await NodeServices.with(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL) { node in
                    guard let latest = try await node.auditStore.latestCheckpoint() else {
                        throw LiaisonError(.notFound, "no checkpoint has been signed yet; start the node with liaison serve")
                    }
                    return (latest.note, node.node.identity.auditVerifierKey ?? "")
                }
                print(note, terminator: "")
                FileHandle.standardError.write(Data("verifier key: \(key)\n".utf8))
            }
        }
    }
}
