public import Foundation
public import LiaisonCore
public import LiaisonCrypto
public import LiaisonStore

/// The on-disk layout of a node's data directory.
///
/// ```
/// DIR/node.json        profile and database URL (no secrets unless the URL holds a password)
/// DIR/keys/            private keys, 0700; each file 0600 (see NodeKeyFiles)
/// DIR/liaison.sqlite   the embedded database, unless node.json names PostgreSQL
/// ```
public struct NodeDirectory: Sendable {
    /// The stored settings of a node.
    public struct Settings: Codable, Sendable, Equatable {
        public var profile: NodeProfile
        /// `nil` for the embedded SQLite file.
        public var databaseURL: String?
        public var createdAt: Date
    }

    /// What a node needs to run: who it is, its keys and where its records are.
    public struct Loaded: Sendable {
        public let settings: Settings
        public let keys: NodeKeys
        public let database: DatabaseLocation
        public let identity: IdentityDocument
        /// The data directory itself (the DNA index's snapshot is kept there).
        public let directory: URL
    }

    public let url: URL

    public init(path: String) {
        self.url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    var settingsFile: URL { url.appendingPathComponent("node.json") }
    var keyFiles: NodeKeyFiles { NodeKeyFiles(directory: url.appendingPathComponent("keys", isDirectory: true)) }

    /// The database a node in this directory uses: the URL given, else the embedded SQLite file.
    public func databaseLocation(url override: String?) throws(LiaisonError) -> DatabaseLocation {
        if let override { return try DatabaseLocation(url: override) }
        return .sqlite(path: url.appendingPathComponent("liaison.sqlite").path)
    }

    /// Whether a node has already been initialised here.
    public var isInitialised: Bool { FileManager.default.fileExists(atPath: settingsFile.path) }

    /// Creates the directory, the keys and the settings; does not touch the database.
    ///
    /// - Important: refuses a directory that exists and is not empty, and changes nothing then.
    /// - Returns: the loaded node.
    public func create(profile: NodeProfile, databaseURL: String?, now: Date) throws -> Loaded {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw LiaisonError(.configuration, "\(url.path) exists and is not a directory; choose another --data-dir")
            }
            let contents = (try? manager.contentsOfDirectory(atPath: url.path)) ?? []
            if isInitialised {
                throw LiaisonError(.conflict, "\(url.path) already holds a Liaison node; nothing was changed (use another --data-dir for a new node)")
            }
            guard contents.isEmpty else {
                throw LiaisonError(.conflict, "\(url.path) is not empty; nothing was changed (give an empty or new --data-dir)")
            }
        }
        let database = try databaseLocation(url: databaseURL)
        let keys = try NodeKeys.generate(for: profile, now: now)
        let settings = Settings(profile: profile, databaseURL: databaseURL, createdAt: now)
        try manager.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        do {
            try keyFiles.write(keys)
            let encoder = JSON.readableEncoder
            // node.json may hold a database password: owner-only like the keys.
            guard manager.createFile(atPath: settingsFile.path, contents: try encoder.encode(settings), attributes: [.posixPermissions: 0o600]) else {
                throw LiaisonError(.configuration, "cannot write \(settingsFile.path)")
            }
        } catch {
            try? manager.removeItem(at: url)
            throw error
        }
        return Loaded(settings: settings, keys: keys, database: database, identity: try keys.identityDocument(profile: profile), directory: url)
    }

    /// Loads an initialised node.
    /// - Parameter databaseURL: overrides the stored database URL (e.g. from `LIAISON_DATABASE_URL`).
    /// - Throws: ``LiaisonError`` `.configuration` saying what is missing and how to fix it.
    public func load(databaseURL override: String? = nil) throws -> Loaded {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw LiaisonError(.configuration, "data directory \(url.path) does not exist; create a node with 'liaison init --data-dir \(url.path) …'")
        }
        guard isInitialised else {
            throw LiaisonError(.configuration, "\(url.path) holds no Liaison node (no node.json); run 'liaison init --data-dir \(url.path) …' first")
        }
        guard let data = FileManager.default.contents(atPath: settingsFile.path) else {
            throw LiaisonError(.configuration, "cannot read \(settingsFile.path); check its owner and permissions")
        }
        let decoder = JSON.decoder
        let settings: Settings
        do {
            settings = try decoder.decode(Settings.self, from: data)
        } catch {
            throw LiaisonError(.configuration, "\(settingsFile.path) is not a valid node settings file; restore it from backup")
        }
        let keys = try keyFiles.load()
        let database = try databaseLocation(url: override ?? settings.databaseURL)
        return Loaded(settings: settings, keys: keys, database: database, identity: try keys.identityDocument(profile: settings.profile), directory: url)
    }
}
