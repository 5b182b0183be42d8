public import Foundation
public import LiaisonCore
public import LiaisonCrypto
public import LiaisonStore
public import Logging

/// Operations on a node's data directory outside a running server: `init` and administration.
public enum NodeSetup {
    /// Creates a node: directory, keys, settings, and the migrated database.
    ///
    /// - Important: refuses an existing node or a non-empty directory and changes nothing then. If
    ///   the database cannot be prepared, the new directory is removed again.
    /// - Returns: the node's identity document.
    public static func initialise(dataDirectory: String, profile: NodeProfile, databaseURL: String?, now: Date = Date()) async throws -> IdentityDocument {
        let directory = NodeDirectory(path: dataDirectory)
        let existed = FileManager.default.fileExists(atPath: directory.url.path)
        let node = try directory.create(profile: profile, databaseURL: databaseURL, now: now)
        var logger = Logger(label: "liaison.init")
        logger.logLevel = .warning
        let database = LiaisonDatabase(location: node.database, logger: logger)
        do {
            try await database.migrate()
            await database.shutdown()
        } catch {
            await database.shutdown()
            if existed {
                for item in (try? FileManager.default.contentsOfDirectory(atPath: directory.url.path)) ?? [] {
                    try? FileManager.default.removeItem(at: directory.url.appendingPathComponent(item))
                }
            } else {
                try? FileManager.default.removeItem(at: directory.url)
            }
            throw error
        }
        return node.identity
    }

    /// Opens a node's migrated database for the duration of `body`.
    public static func withDatabase<T>(dataDirectory: String, databaseURL: String?, _ body: (UserStore) async throws -> T) async throws -> T {
        try await withNode(dataDirectory: dataDirectory, databaseURL: databaseURL) { _, database in
            try await body(UserStore(database: database))
        }
    }

    /// Opens a node and its migrated database for the duration of `body`.
    public static func withNode<T>(dataDirectory: String, databaseURL: String?, _ body: (NodeDirectory.Loaded, LiaisonDatabase) async throws -> T) async throws -> T {
        let node = try NodeDirectory(path: dataDirectory).load(databaseURL: databaseURL)
        var logger = Logger(label: "liaison.cli")
        logger.logLevel = .warning
        let database = LiaisonDatabase(location: node.database, logger: logger)
        do {
            try await database.migrate()
            let result = try await body(node, database)
            await database.shutdown()
            return result
        } catch {
            await database.shutdown()
            throw error
        }
    }
}
