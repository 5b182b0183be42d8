package import Foundation
package import LiaisonCore
package import LiaisonMatching
package import LiaisonStore

/// Batch screening: a CSV with a `name` column and optional `dob`, `country`, `type` columns in,
/// one JSON line per row out (`row`, `line`, and the matches, or the row's error).
package enum ScreeningBatch {
    package struct Row: Sendable {
        /// 1-based data row (the header is not counted).
        var row: Int
        var line: Int
        package var query: Result<ScreeningQuery, LiaisonError>
    }

    /// Reads the CSV. A structural error (no `name` column, a quote never closed) refuses the file;
    /// a row with a bad value becomes that row's error line.
    package static func rows(_ text: String) throws -> [Row] {
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
    package static func run(_ rows: [Row], service: ScreeningService, threshold: Double? = nil, actor: String, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> [String] {
        var lines: [String] = []
        lines.reserveCapacity(rows.count)
        let encoder = JSON.canonicalEncoder
        var done = 0
        for start in stride(from: 0, to: rows.count, by: 500) {
            let chunk = Array(rows[start..<min(rows.count, start + 500)])
            let valid = chunk.compactMap { row -> ScreeningQuery? in if case .success(let query) = row.query { query } else { nil } }
            var outcomes = try await service.screen(valid, threshold: threshold, actor: actor).makeIterator()
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
