package import Foundation
package import LiaisonCore
package import LiaisonStore
import Logging
package import Testing

/// The databases a storage test runs against: SQLite always; PostgreSQL too when
/// `LIAISON_TEST_POSTGRES_URL` names a server (CI starts one), each test in a fresh database.
package enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    package static var available: [Backend] {
        (ProcessInfo.processInfo.environment["LIAISON_TEST_POSTGRES_URL"] ?? "").isEmpty ? [.sqlite] : [.sqlite, .postgres]
    }

    package var testDescription: String { rawValue }

    /// A URL for a new, empty database (nil: the node's default SQLite file).
    package func freshDatabaseURL() async throws -> String? {
        switch self {
        case .sqlite:
            return nil
        case .postgres:
            let admin = ProcessInfo.processInfo.environment["LIAISON_TEST_POSTGRES_URL"]!
            let name = "liaison_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let database = LiaisonDatabase(location: .postgres(url: admin), logger: Logger(label: "test"))
            do {
                try await database.execute(unsafeSQL: "CREATE DATABASE \(name)")
            } catch {
                await database.shutdown()
                throw error
            }
            await database.shutdown()
            var components = URLComponents(string: admin)!
            components.path = "/" + name
            return components.string!
        }
    }

    /// A fresh, migrated database.
    package func freshDatabase() async throws -> LiaisonDatabase {
        let location: DatabaseLocation
        if let url = try await freshDatabaseURL() {
            location = .postgres(url: url)
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            location = .sqlite(path: directory.appendingPathComponent("test.sqlite").path)
        }
        let database = LiaisonDatabase(location: location, logger: Logger(label: "test"))
        try await database.migrate()
        return database
    }
}
