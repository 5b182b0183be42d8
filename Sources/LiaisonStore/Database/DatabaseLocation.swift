public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Where a node keeps its records: an embedded SQLite file (the default) or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// An SQLite file, opened in WAL mode.
    case sqlite(path: String)
    /// An in-memory SQLite database, for tests and benchmarks.
    case sqliteMemory
    /// A PostgreSQL server, given as `postgres://user:password@host:port/database`.
    case postgres(url: String)

    /// Parses a `--database-url` value: `postgres://…`/`postgresql://…`, `sqlite:///path` or `sqlite::memory:`.
    /// - Throws: ``LiaisonError`` `.configuration` for any other scheme.
    public init(url: String) throws(LiaisonError) {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            guard let parsed = URL(string: url), parsed.host != nil, parsed.path.count > 1 else {
                throw LiaisonError(.configuration, "database URL '\(Self.redacted(url))' must name a host and a database, e.g. postgres://liaison@127.0.0.1:5432/liaison")
            }
            self = .postgres(url: url)
        } else if url == "sqlite::memory:" {
            self = .sqliteMemory
        } else if url.hasPrefix("sqlite://") {
            self = .sqlite(path: String(url.dropFirst("sqlite://".count)))
        } else {
            throw LiaisonError(.configuration, "database URL '\(Self.redacted(url))' is not supported; use postgres://… or sqlite:///path")
        }
    }

    /// The URL with any password replaced by `***`, safe for logs and error messages.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite://\(path)"
        case .sqliteMemory: return "sqlite::memory:"
        case .postgres(let url): return Self.redacted(url)
        }
    }
}
