import ArgumentParser
import Foundation
import LiaisonServer

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a demo federation of three agencies on loopback.")

    @Option(help: "Where the demo nodes keep their data.") var dataDir = "demo-data"
    @Option(help: "First of three consecutive ports.") var basePort = 8080

    func run() async throws {
        try await reportingOperatorErrors {
            let demo = DemoFederation(dataDirectory: dataDir, basePort: basePort)
            print("Preparing the demo federation in \(dataDir) …")
            let credentials = try await demo.prepare()
            print("")
            print("Seeded users (passwords are new at every start; this is the only time they are shown):")
            print("")
            let header = ["agency", "sign in at", "username", "password"]
            let rows = credentials.map { [$0.agency, $0.url, $0.username, $0.password] }
            let widths = (0..<header.count).map { column in ([header] + rows).map { $0[column].count }.max()! }
            for row in [header] + rows {
                print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
            }
            print("")
            try await demo.run {
                print("All three nodes are up. Open http://127.0.0.1:\(basePort)/login and sign in. Stop with Ctrl-C.")
            }
        }
    }
}
