import ArgumentParser
import Foundation
import LiaisonServer

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a demo federation of three agencies on loopback.")

    @Option(help: "Where the demo nodes keep their data.") var dataDir = "demo-data"
    @Option(help: "First of three consecutive ports.") var basePort = 8080

    func run() async throws {
        try await reportingOperatorErrors {
            EventLoopExecutor.install()
            let demo = DemoFederation(dataDirectory: dataDir, basePort: basePort)
            say("Preparing the demo federation in \(dataDir) …")
            let credentials = try await demo.prepare()
            say("")
            say("Seeded users (passwords are new at every start; this is the only time they are shown):")
            say("")
            let header = ["agency", "sign in at", "username", "password"]
            let rows = credentials.map { [$0.agency, $0.url, $0.username, $0.password] }
            let widths = (0..<header.count).map { column in ([header] + rows).map { $0[column].count }.max()! }
            for row in [header] + rows {
                say(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
            }
            say("")
            try await demo.run {
                say("All three nodes are up. Open http://127.0.0.1:\(basePort)/login and sign in. Stop with Ctrl-C.")
            }
        }
    }
}

/// Writes a line to standard output at once (print() buffers when the output is a pipe or file,
/// and the demo runs until interrupted).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
