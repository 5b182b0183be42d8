import Foundation
public import LiaisonCore

/// Reads reference data and query files: CSV with a header row, or JSON lines (one object per
/// line). Every bad line is reported with its number and reason; a caller imports nothing when
/// there is any.
///
/// DNA CSV follows the NIST 1036 layout: the first column is the reference, then `<locus>_a1` and
/// `<locus>_a2` (and `_a3` for a tri-allelic call) columns; other columns are ignored with a
/// warning. DNA JSON lines are `{"reference": "…", "type": "stain|person", "loci": {"D3S1358":
/// ["15", "16"], …}}`. The other categories use the columns ``HitCategory/identifyingFields``
/// names; any further column is kept as data for the follow-up.
public struct ReferenceFile: Sendable {
    public var records: [ReferenceRecord] = []
    public var warnings: [String] = []
    public var problems: [LineProblem] = []

    /// What the file is: stored reference data, or queries (whose reference is optional and
    /// defaults to `line N`).
    public enum Purpose: Sendable { case reference, query }

    /// At most this many problems are listed; a last line counts the rest.
    public static let maximumListedProblems = 10_000

    /// Reads a whole file into memory: for query files and small imports.
    public static func parse(_ text: String, category: HitCategory, purpose: Purpose = .reference, rules: DNAMatchRules = DNAMatchRules()) -> ReferenceFile {
        var records: [ReferenceRecord] = []
        var file = scan(text, category: category, purpose: purpose, rules: rules) { records.append($0) }
        file.records = records
        return file
    }

    /// Reads a file record by record, handing each valid record to `body` and keeping none.
    /// - Returns: the warnings and problems (``records`` stays empty).
    public static func scan(_ text: String, category: HitCategory, purpose: Purpose = .reference, rules: DNAMatchRules = DNAMatchRules(),
                            _ body: (ReferenceRecord) -> Void) -> ReferenceFile {
        var scanner = Scanner(category: category, purpose: purpose, rules: rules)
        scanner.scan(text, lineOffset: 0, body)
        return scanner.finish()
    }

    /// Reads a file in pieces (see ``pieces(of:linesPerPiece:)``), keeping across them what a
    /// whole-file read keeps: the references seen (a 64-bit hash of each), the problems and warnings.
    public struct Scanner: Sendable {
        let category: HitCategory
        let purpose: Purpose
        let rules: DNAMatchRules
        private var file = ReferenceFile()
        private var seen: [UInt64: Int] = [:]
        private var rows = 0
        private var unlisted = 0

        public init(category: HitCategory, purpose: Purpose = .reference, rules: DNAMatchRules = DNAMatchRules()) {
            self.category = category
            self.purpose = purpose
            self.rules = rules
        }

        /// Whether any problem was found so far.
        public var hasProblems: Bool { !file.problems.isEmpty }

        /// Reads one piece; its line numbers are shifted by `lineOffset`.
        public mutating func scan(_ text: String, lineOffset: Int, _ body: (ReferenceRecord) -> Void) {
            var file = self.file, seen = self.seen, rows = self.rows, unlisted = self.unlisted
            let (category, purpose, rules) = (self.category, self.purpose, self.rules)
            func problem(_ line: Int, _ message: String) {
                if file.problems.count < ReferenceFile.maximumListedProblems {
                    file.problems.append(LineProblem(line: line + lineOffset, message: message))
                } else {
                    unlisted += 1
                }
            }
            func row(_ line: Int, _ fields: [String: Any]) {
                rows += 1
                do throws(LiaisonError) {
                    let record = try ReferenceFile.record(fields, line: line + lineOffset, category: category, purpose: purpose, rules: rules)
                    if purpose == .reference {
                        let key = ExactKeyIndex.hash(record.reference)
                        if let first = seen[key] { throw LiaisonError(.invalidInput, "reference '\(record.reference)' already appears on line \(first)") }
                        seen[key] = line + lineOffset
                    }
                    body(record)
                } catch {
                    problem(line, error.message)
                }
            }
            if text.drop(while: \.isWhitespace).first == "{" {
                ReferenceFile.jsonLines(text, row: row, problem: problem)
            } else {
                var warnings: [String] = []
                ReferenceFile.csv(text, category: category, warning: { warnings.append($0) }, row: row, problem: problem)
                for warning in warnings where !file.warnings.contains(warning) { file.warnings.append(warning) }
            }
            (self.file, self.seen, self.rows, self.unlisted) = (file, seen, rows, unlisted)
        }

        /// The warnings and problems of every piece read.
        public func finish() -> ReferenceFile {
            var file = self.file
            if rows == 0 && file.problems.isEmpty { file.problems.append(LineProblem(line: 1, message: "the file holds no records")) }
            if unlisted > 0 { file.problems.append(LineProblem(line: file.problems.last?.line ?? 1, message: "and \(unlisted) more bad lines")) }
            return file
        }
    }

    /// Splits a file into pieces of about `linesPerPiece` lines, each a complete file of the same
    /// format: CSV pieces after the first repeat the header, and a piece never ends inside a quoted
    /// field (an even number of `"` before the cut; RFC 4180 doubles quotes inside fields).
    /// - Returns: each piece's range in `text`, the header to put before it (CSV), and the offset
    ///   that turns its line numbers into the file's.
    public static func pieces(of text: String, linesPerPiece: Int) -> [(range: Range<String.Index>, header: Substring?, lineOffset: Int)] {
        let json = text.drop(while: \.isWhitespace).first == "{"
        var pieces: [(Range<String.Index>, Substring?, Int)] = []
        var header: Substring?
        var start = text.startIndex
        var line = 1, startLine = 1, linesInPiece = 0
        var quotes = 0
        var index = text.utf8.startIndex
        while index < text.utf8.endIndex {
            let byte = text.utf8[index]
            if byte == UInt8(ascii: "\"") { quotes += 1 }
            if byte == UInt8(ascii: "\n") {
                line += 1
                if quotes % 2 == 0 {
                    let next = text.utf8.index(after: index)
                    if !json && header == nil {
                        header = text[start..<index]
                        start = next
                        startLine = line
                    } else {
                        linesInPiece += 1
                        if linesInPiece >= linesPerPiece {
                            pieces.append((start..<next, header, json ? startLine - 1 : startLine - 2))
                            start = next
                            startLine = line
                            linesInPiece = 0
                        }
                    }
                }
            }
            index = text.utf8.index(after: index)
        }
        if json {
            if start < text.endIndex || pieces.isEmpty { pieces.append((start..<text.endIndex, nil, startLine - 1)) }
        } else if let header {
            if start < text.endIndex || pieces.isEmpty { pieces.append((start..<text.endIndex, header, startLine - 2)) }
        } else {
            pieces.append((text.startIndex..<text.endIndex, nil, 0))
        }
        return pieces
    }

    private static func jsonLines(_ text: String, row: (Int, [String: Any]) -> Void, problem: (Int, String) -> Void) {
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            guard line.contains(where: { !$0.isWhitespace }) else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                problem(number, "not a JSON object")
                continue
            }
            row(number, object)
        }
    }

    private static func csv(_ text: String, category: HitCategory, warning: (String) -> Void, row: (Int, [String: Any]) -> Void, problem: (Int, String) -> Void) {
        var layout: Layout?
        var started = false
        do {
            try CSVReader().forEachRecord(text) { record in
                if started {
                    layout?.handle(record, row: row, problem: problem)
                    return
                }
                started = true
                layout = Self.layout(header: record, category: category, warning: warning, problem: problem)
            }
        } catch let error as LiaisonError {
            problem(1, error.message)
        } catch {
            problem(1, "\(error)")
        }
    }

    /// A CSV row's alleles, already as strings per locus (no JSON values to cast).
    private struct TypedAlleles {
        var pairs: [(locus: String, values: [String])]
    }

    /// How the rows of a CSV file are read, from its header.
    private enum Layout {
        /// DNA: each locus with its allele columns, the row width.
        case dna(loci: [(name: String, columns: [Int])], width: Int)
        /// Other categories: each column's field name.
        case fields([String])

        func handle(_ record: CSVReader.Record, row: (Int, [String: Any]) -> Void, problem: (Int, String) -> Void) {
            switch self {
            case .dna(let loci, let width):
                guard record.fields.count == width else { return problem(record.line, "expected \(width) fields, found \(record.fields.count)") }
                row(record.line, ["reference": record.fields[0], "loci": TypedAlleles(pairs: loci.map { ($0.name, $0.columns.map { record.fields[$0] }) })])
            case .fields(let names):
                guard record.fields.count == names.count else { return problem(record.line, "expected \(names.count) fields, found \(record.fields.count)") }
                var fields: [String: Any] = [:]
                for (name, value) in zip(names, record.fields) where !value.isEmpty { fields[name] = value }
                row(record.line, fields)
            }
        }
    }

    /// The layout of a CSV file with this header (nil when the header is unusable; its problems are recorded).
    private static func layout(header: CSVReader.Record, category: HitCategory, warning: (String) -> Void, problem: (Int, String) -> Void) -> Layout? {
        if category == .dna {
            // Column → (locus name, allele position); the first column is the reference.
            var alleleColumns: [Int: String] = [:]
            var ignored: [String] = []
            var usable = true
            for (index, name) in header.fields.enumerated().dropFirst() {
                let lower = name.lowercased()
                if let suffix = ["_a1", "_a2", "_a3"].first(where: lower.hasSuffix) {
                    let locus = String(name.dropLast(suffix.count))
                    if STRLocus.named(locus) == nil && !STRLocus.isAmelogenin(locus) {
                        problem(header.line, "unknown locus '\(locus)' in column '\(name)'")
                        usable = false
                    }
                    alleleColumns[index] = locus
                } else {
                    ignored.append(name)
                }
            }
            if !ignored.isEmpty { warning("columns ignored: \(ignored.joined(separator: ", "))") }
            if alleleColumns.isEmpty {
                problem(header.line, "no <locus>_a1/<locus>_a2 columns")
                usable = false
            }
            guard usable else { return nil }
            let loci = Array(Set(alleleColumns.values)).sorted().map { locus in
                (name: locus, columns: alleleColumns.filter { $0.value == locus }.map(\.key).sorted())
            }
            return .dna(loci: loci, width: header.fields.count)
        }
        return .fields(header.fields.map { Self.canonicalField($0, category: category) })
    }

    /// A header name spelled the way ``HitCategory/identifyingFields`` does, ignoring case and `_`.
    private static func canonicalField(_ name: String, category: HitCategory) -> String {
        let key = name.lowercased().filter { $0 != "_" && $0 != " " }
        return (["reference"] + category.identifyingFields).first { $0.lowercased() == key } ?? name
    }

    private static func string(_ value: Any?) -> String? {
        switch value {
        case let text as String: return text.isEmpty ? nil : text
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }

    static func record(_ fields: [String: Any], line: Int, category: HitCategory, purpose: Purpose, rules: DNAMatchRules) throws(LiaisonError) -> ReferenceRecord {
        let reference = string(fields["reference"]).map { String($0.prefix(100)) }
        guard let reference = reference ?? (purpose == .query ? "line \(line)" : nil) else {
            throw LiaisonError(.invalidInput, "reference: missing")
        }
        var data: [String: String] = [:]
        for (key, value) in fields where key != "loci" && key != "reference" { if let text = string(value) { data[key] = text } }
        func field(_ name: String) -> String? { data[name] }
        func required(_ name: String) throws(LiaisonError) -> String {
            guard let value = data[name] else { throw LiaisonError(.invalidInput, "\(name): missing") }
            return value
        }
        func named(_ name: String, _ body: () throws(LiaisonError) -> String) throws(LiaisonError) -> String {
            do { return try body() } catch { throw LiaisonError(.invalidInput, "\(name): \(error.message)") }
        }
        switch category {
        case .dna:
            let alleles: [(locus: String, values: [String])]
            if let typed = fields["loci"] as? TypedAlleles {
                alleles = typed.pairs
            } else if let loci = fields["loci"] as? [String: Any] {
                alleles = loci.sorted { $0.key < $1.key }.map { (locus: $0.key, values: values($0.value)) }
            } else {
                throw LiaisonError(.invalidInput, "loci: missing (an object of locus → alleles)")
            }
            let profile = try STRProfile.make(reference: reference, alleles: alleles)
            let type = field("type")?.lowercased() ?? "stain"
            guard ["stain", "person"].contains(type) else { throw LiaisonError(.invalidInput, "type: must be stain or person") }
            if let problem = rules.searchabilityProblem(of: profile, referencePerson: type == "person") {
                throw LiaisonError(.invalidInput, "profile: \(problem)")
            }
            return ReferenceRecord(category: .dna, reference: reference, fields: ["type": type], profile: profile)
        case .vehicle:
            var keys: [String] = []
            if let vin = field("vin") { keys.append("VIN:" + (try named("vin") { () throws(LiaisonError) in try VIN.normalise(vin) })) }
            if let plate = field("plate") {
                guard let country = field("plateCountry") else { throw LiaisonError(.invalidInput, "plateCountry: needed with a plate") }
                keys.append("PLATE:" + (try named("plate") { () throws(LiaisonError) in try LicencePlate.normalise(plate, country: country) }))
            }
            guard !keys.isEmpty else { throw LiaisonError(.invalidInput, "vin or plate: one is needed") }
            return ReferenceRecord(category: .vehicle, reference: reference, keys: keys, fields: data)
        case .person:
            let name = try required("name")
            guard name.count <= 300, name.contains(where: \.isLetter) else { throw LiaisonError(.invalidInput, "name: must contain letters (at most 300 characters)") }
            if let date = field("dateOfBirth") {
                guard PersonMatch.year(of: date) != nil else { throw LiaisonError(.invalidInput, "dateOfBirth: '\(date)' is not YYYY, YYYY-MM or YYYY-MM-DD") }
            }
            if let country = field("nationality") { data["nationality"] = try CountryCode.validate(country, field: "nationality") }
            return ReferenceRecord(category: .person, reference: reference, fields: data)
        case .document:
            let number = try required("number"), country = try required("issuingCountry")
            if let type = field("type") { data["type"] = try named("type") { () throws(LiaisonError) in try TravelDocument.type(type) } }
            let key = try named("number") { () throws(LiaisonError) in try TravelDocument.normalise(number, country: country) }
            return ReferenceRecord(category: .document, reference: reference, keys: [key], fields: data)
        case .phone:
            let number = try required("number")
            return ReferenceRecord(category: .phone, reference: reference, keys: [try named("number") { () throws(LiaisonError) in try PhoneNumber.normalise(number) }], fields: data)
        case .bankAccount:
            let iban = try required("iban")
            return ReferenceRecord(category: .bankAccount, reference: reference, keys: [try named("iban") { () throws(LiaisonError) in try IBAN.normalise(iban) }], fields: data)
        case .cryptoWallet:
            let address = try required("address")
            return ReferenceRecord(category: .cryptoWallet, reference: reference, keys: [try named("address") { () throws(LiaisonError) in try CryptoWallet.normalise(address) }], fields: data)
        }
    }

    private static func values(_ value: Any) -> [String] {
        switch value {
        case let list as [Any]: return list.compactMap { string($0) ?? ($0 is NSNull ? nil : "\($0)") }
        case let text as String: return text.split(separator: ",").map { String($0) }
        default: return string(value).map { [$0] } ?? []
        }
    }
}
