import Foundation
import LiaisonCore
import LiaisonMatching
import LiaisonStore

/// Batch screening: a CSV with a `name` column and optional `dob`, `country`, `type` columns in,
/// one JSON line per row out (`row`, `line`, and the matches, or the row's error).
enum ScreeningBatch {
    struct Row: Sendable {
        /// 1-based data row (the header is not counted).
        var row: Int
        var line: Int
        var query: Result<ScreeningQuery, LiaisonError>
    }

    /// Reads the CSV. A structural error (no `name` column, a quote never closed) refuses the file;
    /// a row with a bad value becomes that row's error line.
    static func rows(_ text: String) throws -> [Row] {
        let records = try CSVReader().records(text)
        guard let header = records.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) else {
            throw LiaisonError(.invalidInput, "the CSV is empty; it needs a header row with a 'name' column")
        }
        guard let name = header.firstIndex(of: "name") else {
            throw LiaisonError(.invalidInput, "line \(records[0].line): the header has no 'name' column (found: \(header.joined(separator: ", ")))")
        }
        let dob = header.firstIndex(of: "dob"), country = header.firstIndex(of: "country"), type = header.firstIndex(of: "type")
        return records.dropFirst().enumerated().map { offset, record in
            func field(_ index: Int?) -> String? {
                guard let index, index < record.fields.count else { return nil }
                return record.fields[index]
            }
            let query: Result<ScreeningQuery, LiaisonError>
            do {
                query = .success(try ScreeningService.query(name: field(name) ?? "", birthDate: field(dob), country: field(country), kind: field(type)))
            } catch let error as LiaisonError {
                query = .failure(LiaisonError(.invalidInput, "line \(record.line): \(error.message)"))
            } catch {
                query = .failure(LiaisonError(.invalidInput, "line \(record.line): \(error)"))
            }
            return Row(row: offset + 1, line: record.line, query: query)
        }
    }

    struct Line: Encodable {
        var row: Int
        var line: Int
        var query: ScreeningQuery?
        var matches: [ScreeningService.Match]?
        var cleared: [ScreeningService.Cleared]?
        var error: String?
    }

    /// Screens the rows in chunks and returns one JSON line per row, in order.
    static func run(_ rows: [Row], service: ScreeningService, actor: String, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> [String] {
        var lines: [String] = []
        lines.reserveCapacity(rows.count)
        let encoder = JSON.canonicalEncoder
        var done = 0
        for start in stride(from: 0, to: rows.count, by: 500) {
            let chunk = Array(rows[start..<min(rows.count, start + 500)])
            let valid = chunk.compactMap { row -> ScreeningQuery? in if case .success(let query) = row.query { query } else { nil } }
            var outcomes = try await service.screen(valid, actor: actor).makeIterator()
            for row in chunk {
                let line: Line
                switch row.query {
                case .success:
                    let outcome = outcomes.next()!  // checked: one outcome for every name, in order
                    line = Line(row: row.row, line: row.line, query: outcome.query, matches: outcome.matches, cleared: outcome.cleared)
                case .failure(let error):
                    line = Line(row: row.row, line: row.line, error: error.message)
                }
                lines.append(String(decoding: try encoder.encode(line), as: UTF8.self))
            }
            done += chunk.count
            progress?(done, rows.count)
        }
        return lines
    }
}

/// Screening from the command line: the same service over the node's database, without a server.
public enum ScreeningOperations {
    static func withService<T: Sendable>(dataDirectory: String, databaseURL: String?, _ body: @escaping @Sendable (ScreeningService) async throws -> T) async throws -> T {
        try await NodeSetup.withNode(dataDirectory: dataDirectory, databaseURL: databaseURL) { _, database in
            try await body(ScreeningService(store: ScreeningStore(database: database), clock: SystemWallClock()))
        }
    }

    /// Imports a list; `path` is a directory (OFAC CSV files) or a file.
    public static func importList(dataDirectory: String, databaseURL: String?, format: String, path: String, name: String?) async throws -> String {
        guard let format = ScreeningService.Format(rawValue: format) else {
            throw LiaisonError(.invalidInput, "--format: one of \(ScreeningService.Format.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var files: [String: Data] = [:]
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw LiaisonError(.invalidInput, "\(path) does not exist") }
        if isDirectory.boolValue {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                files[file.lowercased()] = FileManager.default.contents(atPath: (path as NSString).appendingPathComponent(file))
            }
            if format != .ofacCSV {
                throw LiaisonError(.invalidInput, "--path: give the \(format.rawValue) file, not a directory")
            }
        } else {
            guard let data = FileManager.default.contents(atPath: path) else { throw LiaisonError(.invalidInput, "cannot read \(path)") }
            files = try ScreeningController.files(data, format: format)
        }
        let listName = name ?? Self.defaultName(format: format, path: path)
        let collected = files
        let report = try await withService(dataDirectory: dataDirectory, databaseURL: databaseURL) { service in
            try await service.importList(name: listName, format: format, files: collected, actor: "cli")
        }
        var lines = [report.summary]
        for (label, ids) in [("added", report.added), ("changed", report.changed), ("removed", report.removed)] where !ids.isEmpty {
            let shown: String = ids.prefix(20).joined(separator: ", ")
            lines.append("\(label): \(shown)\(ids.count > 20 ? " …" : "")")
        }
        return lines.joined(separator: "\n")
    }

    static func defaultName(format: ScreeningService.Format, path: String) -> String {
        switch format {
        case .ofacCSV: "ofac-sdn"
        case .unXML: "un-consolidated"
        case .ftm: String(((path as NSString).lastPathComponent as NSString).deletingPathExtension.split(separator: ".").first ?? "ftm")
        }
    }

    /// A table of the node's lists.
    public static func lists(dataDirectory: String, databaseURL: String?) async throws -> String {
        let lists = try await withService(dataDirectory: dataDirectory, databaseURL: databaseURL) { service in try await service.store.lists() }
        guard !lists.isEmpty else { return "no lists; import one with: liaison lists import --format ofac-csv|un-xml|ftm --path PATH" }
        return lists.map { "\($0.name)\t\($0.kind.rawValue)\tversion \($0.version)\t\($0.entries) entries\tupdated \($0.updatedAt.formatted(.iso8601))" }.joined(separator: "\n")
    }

    /// Screens one name; returns the outcome as text or JSON.
    public static func screen(dataDirectory: String, databaseURL: String?, name: String, dob: String?, country: String?, type: String?, json: Bool) async throws -> String {
        let query = try ScreeningService.query(name: name, birthDate: dob, country: country, kind: type)
        let outcome = try await withService(dataDirectory: dataDirectory, databaseURL: databaseURL) { service in
            try await service.screen(query, actor: "cli")
        }
        if json {
            let encoder = JSON.readableEncoder
            return String(decoding: try encoder.encode(outcome), as: UTF8.self)
        }
        var lines = ["\(outcome.matches.count) potential match\(outcome.matches.count == 1 ? "" : "es") for '\(query.name)' (\(outcome.algorithm), threshold \(outcome.threshold))"]
        for match in outcome.matches {
            lines.append(String(format: "%.3f  %@/%@  %@", match.score, match.list, match.entryId, match.matchedName) + (match.matchedName == match.primaryName ? "" : "  (alias of \(match.primaryName))"))
            lines.append("       \(match.summary)")
            lines.append("       result \(match.id): adjudicate in the web UI or POST /api/v1/screening/results/\(match.id)/adjudication")
        }
        for cleared in outcome.cleared { lines.append("cleared earlier: \(cleared.list)/\(cleared.entryId) (false positive, result \(cleared.clearedBy))") }
        return lines.joined(separator: "\n")
    }

    /// Screens a CSV file into a JSON-lines file; returns a summary.
    public static func screenBatch(dataDirectory: String, databaseURL: String?, input: String, output: String,
                                   progress: @escaping @Sendable (Int, Int) -> Void) async throws -> String {
        guard let data = FileManager.default.contents(atPath: input) else { throw LiaisonError(.invalidInput, "cannot read \(input)") }
        guard !FileManager.default.fileExists(atPath: output) else { throw LiaisonError(.conflict, "\(output) exists; choose another --output or remove it") }
        let rows = try ScreeningBatch.rows(String(decoding: data, as: UTF8.self))
        let lines = try await withService(dataDirectory: dataDirectory, databaseURL: databaseURL) { service in
            try await ScreeningBatch.run(rows, service: service, actor: "cli", progress: progress)
        }
        guard FileManager.default.createFile(atPath: output, contents: Data((lines.joined(separator: "\n") + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw LiaisonError(.configuration, "cannot write \(output)")
        }
        let errors = rows.filter { if case .failure = $0.query { true } else { false } }.count
        return "screened \(rows.count - errors) row\(rows.count - errors == 1 ? "" : "s")\(errors > 0 ? ", \(errors) with errors (see their lines)" : ""); wrote \(output)"
    }
}

extension ListImportReport {
    /// One line: the list's new version and what changed.
    var summary: String {
        "\(list) version \(version): \(entries) entries; added \(added.count), removed \(removed.count), changed \(changed.count)"
    }
}
