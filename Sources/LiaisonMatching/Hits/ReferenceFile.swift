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

    public static func parse(_ text: String, category: HitCategory, purpose: Purpose = .reference, rules: DNAMatchRules = DNAMatchRules()) -> ReferenceFile {
        var file = ReferenceFile()
        let rows: [(line: Int, fields: [String: Any])]
        let trimmed = text.drop { $0.isWhitespace }
        if trimmed.first == "{" {
            rows = file.jsonLines(text)
        } else {
            rows = file.csv(text, category: category)
        }
        var seen: [String: Int] = [:]
        for (line, fields) in rows {
            do throws(LiaisonError) {
                let record = try Self.record(fields, line: line, category: category, purpose: purpose, rules: rules)
                if purpose == .reference, let first = seen[record.reference] {
                    throw LiaisonError(.invalidInput, "reference '\(record.reference)' already appears on line \(first)")
                }
                seen[record.reference] = line
                file.records.append(record)
            } catch {
                file.problems.append(LineProblem(line: line, message: error.message))
            }
        }
        if rows.isEmpty && file.problems.isEmpty { file.problems.append(LineProblem(line: 1, message: "the file holds no records")) }
        return file
    }

    private mutating func jsonLines(_ text: String) -> [(Int, [String: Any])] {
        var rows: [(Int, [String: Any])] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { !$0.isWhitespace }) else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                problems.append(LineProblem(line: offset + 1, message: "not a JSON object"))
                continue
            }
            rows.append((offset + 1, object))
        }
        return rows
    }

    private mutating func csv(_ text: String, category: HitCategory) -> [(Int, [String: Any])] {
        let records: [CSVReader.Record]
        do { records = try CSVReader().records(text) } catch {
            problems.append(LineProblem(line: 1, message: error.message))
            return []
        }
        guard let header = records.first else { return [] }
        var rows: [(Int, [String: Any])] = []
        if category == .dna {
            // Column → (locus name, allele position); the first column is the reference.
            var alleleColumns: [Int: String] = [:]
            var ignored: [String] = []
            for (index, name) in header.fields.enumerated().dropFirst() {
                let lower = name.lowercased()
                if let suffix = ["_a1", "_a2", "_a3"].first(where: lower.hasSuffix) {
                    let locus = String(name.dropLast(suffix.count))
                    if STRLocus.named(locus) == nil && !STRLocus.isAmelogenin(locus) {
                        problems.append(LineProblem(line: header.line, message: "unknown locus '\(locus)' in column '\(name)'"))
                    }
                    alleleColumns[index] = locus
                } else {
                    ignored.append(name)
                }
            }
            if !ignored.isEmpty { warnings.append("columns ignored: \(ignored.joined(separator: ", "))") }
            if alleleColumns.isEmpty { problems.append(LineProblem(line: header.line, message: "no <locus>_a1/<locus>_a2 columns")) }
            guard problems.isEmpty else { return [] }
            let loci = Array(Set(alleleColumns.values)).sorted()
            for record in records.dropFirst() {
                guard record.fields.count == header.fields.count else {
                    problems.append(LineProblem(line: record.line, message: "expected \(header.fields.count) fields, found \(record.fields.count)"))
                    continue
                }
                var alleles: [String: [String]] = [:]
                for (index, locus) in alleleColumns.sorted(by: { $0.key < $1.key }) { alleles[locus, default: []].append(record.fields[index]) }
                rows.append((record.line, ["reference": record.fields[0], "loci": Dictionary(uniqueKeysWithValues: loci.map { ($0, alleles[$0] ?? []) })]))
            }
            return rows
        }
        let names = header.fields.map { Self.canonicalField($0, category: category) }
        for record in records.dropFirst() {
            guard record.fields.count == header.fields.count else {
                problems.append(LineProblem(line: record.line, message: "expected \(header.fields.count) fields, found \(record.fields.count)"))
                continue
            }
            var fields: [String: Any] = [:]
            for (name, value) in zip(names, record.fields) where !value.isEmpty { fields[name] = value }
            rows.append((record.line, fields))
        }
        return rows
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
            guard let loci = fields["loci"] as? [String: Any] else { throw LiaisonError(.invalidInput, "loci: missing (an object of locus → alleles)") }
            let alleles = loci.sorted { $0.key < $1.key }.map { (locus: $0.key, values: values($0.value)) }
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
