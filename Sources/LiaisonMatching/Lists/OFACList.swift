public import Foundation
public import LiaisonCore

/// A parsed sanctions or watch list: its entries and what the parser chose to ignore.
public struct ParsedList: Sendable {
    public var parties: [ListedParty]
    /// Each entry's program, remarks and addresses, keyed by entry id, for display.
    public var details: [String: [String: [String]]]
    public var warnings: [String]

    public init(parties: [ListedParty] = [], details: [String: [String: [String]]] = [:], warnings: [String] = []) {
        self.parties = parties
        self.details = details
        self.warnings = warnings
    }
}

/// Collects every problem in a file before failing, so that one import names them all.
struct ParseProblems {
    private(set) var messages: [String] = []
    mutating func add(_ message: String) { messages.append(message) }

    func check(file: String) throws(LiaisonError) {
        guard !messages.isEmpty else { return }
        let shown = messages.prefix(20).joined(separator: "; ")
        let more = messages.count > 20 ? " (and \(messages.count - 20) more)" : ""
        throw LiaisonError(.invalidInput, "\(file): \(messages.count) problem\(messages.count == 1 ? "" : "s"), nothing imported: \(shown)\(more)")
    }
}

/// The US Treasury OFAC Specially Designated Nationals list in its legacy CSV files, as OFAC
/// publishes them: `sdn.csv` (ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type,
/// Tonnage, GRT, Vess_flag, Vess_owner, Remarks), `alt.csv` (ent_num, alt_num, alt_type,
/// alt_name, alt_remarks), `add.csv` (ent_num, add_num, address, city, country, add_remarks) and
/// `sdn_comments.csv` (ent_num, remarks continued). No header row; `-0-` means empty.
public enum OFACList {
    /// Parses the files in `directory`; `sdn.csv` is required, the others are optional.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming every bad line; nothing is returned then.
    public static func parse(directory: URL) throws(LiaisonError) -> ParsedList {
        func read(_ name: String, required: Bool) throws(LiaisonError) -> String? {
            let url = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                if required { throw LiaisonError(.invalidInput, "\(directory.path) has no \(name) (OFAC SDN CSV expected)") }
                return nil
            }
            do { return try String(contentsOf: url, encoding: .utf8) } catch {
                do { return try String(contentsOf: url, encoding: .isoLatin1) } catch {
                    throw LiaisonError(.invalidInput, "\(name) cannot be read: \(error.localizedDescription)")
                }
            }
        }
        return try parse(sdn: read("sdn.csv", required: true)!, alt: read("alt.csv", required: false),
                         add: read("add.csv", required: false), comments: read("sdn_comments.csv", required: false))
    }

    /// Parses the contents of the four files.
    public static func parse(sdn: String, alt: String? = nil, add: String? = nil, comments: String? = nil) throws(LiaisonError) -> ParsedList {
        let reader = CSVReader()
        var problems = ParseProblems()
        var order: [String] = []
        var parties: [String: ListedParty] = [:]
        var details: [String: [String: [String]]] = [:]
        var remarks: [String: String] = [:]

        func value(_ field: String) -> String {
            let trimmed = field.trimmingCharacters(in: .whitespaces)
            return trimmed == "-0-" ? "" : trimmed
        }
        for record in try reader.records(sdn) where !Self.isEndOfFileMarker(record) {
            guard record.fields.count >= 12 else {
                problems.add("sdn.csv line \(record.line): \(record.fields.count) fields, 12 expected"); continue
            }
            let id = value(record.fields[0])
            let name = value(record.fields[1])
            guard !id.isEmpty, Int(id) != nil else { problems.add("sdn.csv line \(record.line): ent_num '\(id)' is not a number"); continue }  // checked: parses text: nil when not a number
            guard !name.isEmpty else { problems.add("sdn.csv line \(record.line): SDN_Name is empty"); continue }
            guard parties[id] == nil else { problems.add("sdn.csv line \(record.line): ent_num \(id) appears twice"); continue }
            let type = value(record.fields[2])
            let kind: PartyKind = type.isEmpty ? .organization : PartyKind(listValue: type)
            order.append(id)
            parties[id] = ListedParty(id: id, kind: kind, names: [name])
            var entry: [String: [String]] = [:]
            if !value(record.fields[3]).isEmpty { entry["program"] = value(record.fields[3]).components(separatedBy: "] [").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")) } }
            if !value(record.fields[4]).isEmpty { entry["title"] = [value(record.fields[4])] }
            if !value(record.fields[9]).isEmpty { entry["vesselFlag"] = [value(record.fields[9])] }
            details[id] = entry
            remarks[id] = value(record.fields[11])
        }
        if let comments {
            for record in try reader.records(comments) where !Self.isEndOfFileMarker(record) {
                guard record.fields.count >= 2 else { problems.add("sdn_comments.csv line \(record.line): 2 fields expected"); continue }
                let id = value(record.fields[0])
                guard parties[id] != nil else { continue }  // comments of entries not in this edition
                remarks[id, default: ""] += value(record.fields[1])
            }
        }
        if let alt {
            for record in try reader.records(alt) where !Self.isEndOfFileMarker(record) {
                guard record.fields.count >= 4 else { problems.add("alt.csv line \(record.line): \(record.fields.count) fields, 5 expected"); continue }
                let id = value(record.fields[0])
                let name = value(record.fields[3])
                guard !name.isEmpty else { problems.add("alt.csv line \(record.line): alt_name is empty"); continue }
                guard parties[id] != nil else { continue }  // aliases of entries not in this edition
                parties[id]!.names.append(name)
            }
        }
        if let add {
            for record in try reader.records(add) where !Self.isEndOfFileMarker(record) {
                guard record.fields.count >= 5 else { problems.add("add.csv line \(record.line): \(record.fields.count) fields, 6 expected"); continue }
                let id = value(record.fields[0])
                guard parties[id] != nil else { continue }
                let address = [2, 3, 4].map { value(record.fields[$0]) }.filter { !$0.isEmpty }.joined(separator: ", ")
                if !address.isEmpty { details[id, default: [:]]["address", default: []].append(address) }
                if let code = Countries.code(for: value(record.fields[4])), !parties[id]!.countries.contains(code) {
                    parties[id]!.countries.append(code)
                }
            }
        }
        try problems.check(file: "OFAC SDN")
        for (id, text) in remarks where !text.isEmpty {
            let facts = RemarkFacts(text)
            parties[id]!.birthDates += facts.birthDates
            for code in facts.countries where !parties[id]!.countries.contains(code) { parties[id]!.countries.append(code) }
            parties[id]!.identifiers += facts.identifiers.map(ListedParty.canonicalIdentifier).filter { $0.count >= 4 }
            parties[id]!.names += facts.aliases
            details[id, default: [:]]["remarks"] = [text]
        }
        return ParsedList(parties: order.map { parties[$0]! }, details: details)
    }
}

extension OFACList {
    /// OFAC's files end with a DOS end-of-file byte (0x1A) on a line of its own.
    static func isEndOfFileMarker(_ record: CSVReader.Record) -> Bool {
        record.fields.count == 1 && record.fields[0].unicodeScalars.allSatisfy { $0.value == 0x1A || $0 == " " }
    }
}

/// Facts in OFAC's free-text remarks: "DOB 12 Jan 1960; POB Baghdad, Iraq; nationality Iraq;
/// Passport A1234567 (Iraq); a.k.a. 'ABU ALI'".
struct RemarkFacts {
    var birthDates: [String] = []
    var countries: [String] = []
    var identifiers: [String] = []
    var aliases: [String] = []

    private static let months = ["jan": "01", "feb": "02", "mar": "03", "apr": "04", "may": "05", "jun": "06",
                                 "jul": "07", "aug": "08", "sep": "09", "oct": "10", "nov": "11", "dec": "12"]
    private static let identifierLabels = [
        "passport", "national id no.", "national id number", "identification number", "cedula no.", "tax id no.",
        "registration number", "registration id", "business registration number", "d-u-n-s number", "imo",
        "nit #", "rfc", "curp", "ssn", "residency number", "personal id card", "birth certificate number",
        "driver's license no.", "public security and immigration no.", "citizen's card number",
    ]

    init(_ text: String) {
        for clause in text.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let lower = clause.lowercased()
            if lower.hasPrefix("dob ") {
                birthDates += Self.dates(String(clause.dropFirst(4)))
            } else if lower.hasPrefix("nationality ") || lower.hasPrefix("citizen ") {
                let country = clause.split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
                if let code = Countries.code(for: country) { countries.append(code) }
            } else if lower.hasPrefix("a.k.a. ") {
                let alias = clause.dropFirst(7).trimmingCharacters(in: CharacterSet(charactersIn: "'\". "))
                if !alias.isEmpty { aliases.append(alias) }
            } else if let label = Self.identifierLabels.first(where: { lower.hasPrefix($0 + " ") }) {
                let rest = clause.dropFirst(label.count + 1)
                if let number = rest.split(separator: " ").first, number.contains(where: \.isNumber) {
                    identifiers.append(String(number))
                }
            }
        }
    }

    /// "12 Jan 1960", "Jan 1960", "1960", "circa 1960", "1960 to 1962" → ISO dates or years.
    static func dates(_ text: String) -> [String] {
        let words = text.replacingOccurrences(of: ",", with: " ").split(separator: " ").map { $0.lowercased() }
        if words.count >= 3, let day = Int(words[0]), let month = months[String(words[1].prefix(3))], let year = Int(words[2]), (1000...2999).contains(year) {  // checked: parses text: nil when not a number
            return [String(format: "%04d-%@-%02d", year, month, day)]
        }
        if words.count >= 2, let month = months[String(words[0].prefix(3))], let year = Int(words[1]), (1000...2999).contains(year) {  // checked: parses text: nil when not a number
            return [String(format: "%04d-%@", year, month)]
        }
        let years = words.compactMap { Int($0) }.filter { (1000...2999).contains($0) }  // checked: parses text: nil when not a number
        if words.contains("to"), years.count == 2, years[1] >= years[0], years[1] - years[0] <= 10 {
            return (years[0]...years[1]).map(String.init)
        }
        return years.map(String.init)
    }
}
