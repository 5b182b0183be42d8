import Foundation
import LiaisonCore
import LiaisonMatching
import LiaisonSafeguards
import LiaisonServer
import LiaisonStore


/// Screening from the command line: the same service over the node's database, without a server.
enum ScreeningOperations {
    static func withService<T: Sendable>(dataDirectory: String, databaseURL: String?, _ body: @escaping @Sendable (ScreeningService) async throws -> T) async throws -> T {
        try await NodeServices.with(dataDirectory: dataDirectory, databaseURL: databaseURL) { try await body($0.screening) }
    }

    /// Imports a list; `path` is a directory (OFAC CSV files) or a file.
    static func importList(dataDirectory: String, databaseURL: String?, format: String, path: String, name: String?) async throws -> String {
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
        let listName = name ?? format.defaultListName(path: path)
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


    /// A table of the node's lists.
    static func lists(dataDirectory: String, databaseURL: String?) async throws -> String {
        let lists = try await withService(dataDirectory: dataDirectory, databaseURL: databaseURL) { service in try await service.store.lists() }
        guard !lists.isEmpty else { return "no lists; import one with: liaison lists import --format ofac-csv|un-xml|ftm --path PATH" }
        return lists.map { "\($0.name)\t\($0.kind.rawValue)\tversion \($0.version)\t\($0.entries) entries\tupdated \($0.updatedAt.formatted(.iso8601))" }.joined(separator: "\n")
    }

    /// Screens one name; returns the outcome as text or JSON.
    static func screen(dataDirectory: String, databaseURL: String?, name: String, dob: String?, country: String?, type: String?,
                       threshold: Double? = nil, json: Bool) async throws -> String {
        let query = try ScreeningService.query(name: name, birthDate: dob, country: country, kind: type)
        let threshold = try ScreeningService.threshold(threshold)
        let outcome = try await withService(dataDirectory: dataDirectory, databaseURL: databaseURL) { service in
            try await service.screen(query, threshold: threshold, actor: "cli")
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
    static func screenBatch(dataDirectory: String, databaseURL: String?, input: String, output: String, threshold: Double? = nil,
                                   progress: @escaping @Sendable (Int, Int) -> Void) async throws -> String {
        let threshold = try ScreeningService.threshold(threshold)
        guard let data = FileManager.default.contents(atPath: input) else { throw LiaisonError(.invalidInput, "cannot read \(input)") }
        guard !FileManager.default.fileExists(atPath: output) else { throw LiaisonError(.conflict, "\(output) exists; choose another --output or remove it") }
        let rows = try ScreeningBatch.rows(String(decoding: data, as: UTF8.self))
        let lines = try await withService(dataDirectory: dataDirectory, databaseURL: databaseURL) { service in
            try await ScreeningBatch.run(rows, service: service, threshold: threshold, actor: "cli", progress: progress)
        }
        guard FileManager.default.createFile(atPath: output, contents: Data((lines.joined(separator: "\n") + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw LiaisonError(.configuration, "cannot write \(output)")
        }
        let errors = rows.filter { if case .failure = $0.query { true } else { false } }.count
        return "screened \(rows.count - errors) row\(rows.count - errors == 1 ? "" : "s")\(errors > 0 ? ", \(errors) with errors (see their lines)" : ""); wrote \(output)"
    }
}
