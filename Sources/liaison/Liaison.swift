import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonServer
import LiaisonStore
import Logging
import NIOCore

@main
struct Liaison: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liaison",
        abstract: "A node for secure, rights-first cooperation between law-enforcement agencies.",
        subcommands: [Init.self, Identity.self, UserCommand.self, PartnerCommand.self, AgreementCommand.self, MessageCommand.self, AuditCommand.self, EvidenceCommand.self, VerifyPackage.self, ListsCommand.self, ScreenCommand.self, FinanceCommand.self, HitsCommand.self, CasesCommand.self, JITsCommand.self, InstrumentsCommand.self, RetentionCommand.self, ReportCommand.self, Serve.self, Demo.self]
    )
}

/// Options shared by every command that works on a node's data directory.
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .long, help: "The node's data directory.")
    var dataDir: String

    @Option(name: .long, help: "Database URL (postgres://… ); overrides the one stored at init and LIAISON_DATABASE_URL.")
    var databaseURL: String?

    /// `--database-url`, else `LIAISON_DATABASE_URL`, else what `init` stored.
    var effectiveDatabaseURL: String? {
        databaseURL ?? ProcessInfo.processInfo.environment["LIAISON_DATABASE_URL"]
    }
}

/// Runs a command body and turns any failure into one readable line on standard error and exit code 1.
func reportingOperatorErrors(_ body: () async throws -> Void) async throws {
    // Files the node creates (database, WAL, exports) are for its owner only.
    umask(0o077)
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        FileHandle.standardError.write(Data("liaison: error: \(describe(error))\n".utf8))
        // Every problem the node named (a form's sections and fields, a file's lines), one a line.
        if let errors = (error as? LiaisonError)?.errors, errors.count > 1 {
            FileHandle.standardError.write(Data(errors.map { "  \($0)\n" }.joined().utf8))
        }
        throw ExitCode.failure
    }
}

/// One line for an operator, with how to fix it where we know.
func describe(_ error: any Error) -> String {
    switch error {
    case let error as LiaisonError:
        return error.message
    case let error as IOError where error.errnoCode == EADDRINUSE:
        return "the port is already in use; stop the other program or choose another with --port"
    case let error as IOError where error.errnoCode == EACCES:
        return "permission denied binding the port; use a port above 1023"
    case let error as IOError:
        return "I/O error: \(error.description)"
    default:
        // The errors the server's services throw besides LiaisonError (bad lines of a file, a JSON
        // document that does not decode) read as the API would word them.
        let mapped = LiaisonError.of(error)
        return mapped.code == .internal ? String(describing: error) : mapped.message
    }
}

func readPasswordFromStandardInput() throws -> String {
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw LiaisonError(.invalidInput, "no password on standard input (give it with --password-stdin, e.g. echo \"$PASSWORD\" | liaison user add …)")
    }
    return line
}
