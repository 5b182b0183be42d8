import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonServer

struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Export evidence with its chain of custody for a court.",
        subcommands: [Export.self]
    )

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an item's evidence package: the file, manifest, custody chain, inclusion proofs, checkpoints with cosignatures and public keys (docs/evidence.md)."
        )

        @OptionGroup var options: DataDirectoryOptions
        @Option(help: "The evidence item's id.") var id: String
        @Option(help: "Where to write the ZIP.") var out: String

        func run() async throws {
            try await reportingOperatorErrors {
                guard !FileManager.default.fileExists(atPath: out) else {
                    throw LiaisonError(.conflict, "\(out) exists; choose another --out or remove it")
                }
                let package = try await EvidenceExport.package(dataDirectory: options.dataDir, databaseURL: options.effectiveDatabaseURL, id: id)
                guard FileManager.default.createFile(atPath: out, contents: package, attributes: [.posixPermissions: 0o600]) else {
                    throw LiaisonError(.configuration, "cannot write \(out)")
                }
                print("wrote \(out) (\(package.count) bytes); check it with: liaison verify \(out)")
            }
        }
    }
}

/// `liaison verify FILE.zip`: checks an evidence package offline and prints a readable report.
struct VerifyPackage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an evidence package offline: file hash, custody signatures and links, audit inclusion proofs, checkpoint signatures and cosignatures. Exit 0 only if every check passes."
    )

    @Argument(help: "The evidence package (ZIP).") var file: String

    func run() async throws {
        try await reportingOperatorErrors {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw LiaisonError(.invalidInput, "cannot read \(file)")
            }
            let report = EvidencePackageVerifier.verify(data)
            print(report.text)
            if !report.passed { throw ExitCode.failure }
        }
    }
}
