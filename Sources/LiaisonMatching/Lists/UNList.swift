public import Foundation
public import LiaisonCore
#if canImport(FoundationXML)
public import FoundationXML
#endif

/// The UN Security Council Consolidated List in its XML form
/// (https://scsanctions.un.org/resources/xml/en/consolidated.xml): `INDIVIDUAL` and `ENTITY`
/// elements with `DATAID`, name parts (`FIRST_NAME` … `FOURTH_NAME`), `NAME_ORIGINAL_SCRIPT`,
/// aliases, nationality, dates of birth and documents.
public enum UNList {
    /// Parses the list.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the line and element of the first XML error,
    ///   or every entry without a `DATAID` or a name.
    public static func parse(_ data: Data) throws(LiaisonError) -> ParsedList {
        let delegate = Delegate()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        if !parser.parse() || delegate.failure != nil {
            let line = delegate.failure?.line ?? parser.lineNumber
            let reason = delegate.failure?.reason ?? (parser.parserError?.localizedDescription ?? "not well-formed XML")
            throw LiaisonError(.invalidInput, "UN consolidated list: line \(line): \(reason); nothing imported")
        }
        var problems = ParseProblems()
        for message in delegate.problems { problems.add(message) }
        if delegate.parties.isEmpty && problems.messages.isEmpty {
            problems.add("no INDIVIDUAL or ENTITY element (is this the UN consolidated list?)")
        }
        try problems.check(file: "UN consolidated list")
        return ParsedList(parties: delegate.parties, details: delegate.details)
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var parties: [ListedParty] = []
        var details: [String: [String: [String]]] = [:]
        var problems: [String] = []
        var failure: (line: Int, reason: String)?

        private var path: [String] = []
        private var text = ""
        private var entryLine = 0
        private var kind: PartyKind = .unknown
        private var fields: [String: [String]] = [:]
        private var aliases: [String] = []
        private var dates: [String] = []
        private var dateParts: [String: String] = [:]
        private var documents: [String] = []
        private var countries: [String] = []

        func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            path.append(element)
            text = ""
            switch element {
            case "INDIVIDUAL", "ENTITY":
                kind = element == "INDIVIDUAL" ? .person : .organization
                entryLine = parser.lineNumber
                fields = [:]; aliases = []; dates = []; documents = []; countries = []
            case "INDIVIDUAL_DATE_OF_BIRTH":
                dateParts = [:]
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let parent = path.count >= 2 ? path[path.count - 2] : ""
            defer { path.removeLast(); text = "" }
            switch (parent, element) {
            case ("INDIVIDUAL", _), ("ENTITY", _):
                if !value.isEmpty { fields[element, default: []].append(value) }
            case ("INDIVIDUAL_ALIAS", "ALIAS_NAME"), ("ENTITY_ALIAS", "ALIAS_NAME"):
                if !value.isEmpty { aliases.append(value) }
            case ("NATIONALITY", "VALUE"):
                if let code = Countries.code(for: value) { countries.append(code) }
            case ("INDIVIDUAL_ADDRESS", "COUNTRY"), ("ENTITY_ADDRESS", "COUNTRY"):
                if let code = Countries.code(for: value) { countries.append(code) }
            case ("INDIVIDUAL_DATE_OF_BIRTH", _):
                if !value.isEmpty { dateParts[element] = value }
            case ("INDIVIDUAL_DOCUMENT", "NUMBER"):
                if !value.isEmpty { documents.append(value) }
            default: break
            }
            switch element {
            case "INDIVIDUAL_DATE_OF_BIRTH":
                if let date = dateParts["DATE"] { dates.append(String(date.prefix(10))) }
                if let year = dateParts["YEAR"] { dates.append(year) }
                if let from = dateParts["FROM_YEAR"].flatMap(Int.init), let to = dateParts["TO_YEAR"].flatMap(Int.init), from <= to, to - from <= 10 {
                    dates += (from...to).map(String.init)
                }
            case "INDIVIDUAL", "ENTITY":
                finishEntry()
            default: break
            }
        }

        private func finishEntry() {
            guard let id = fields["DATAID"]?.first else {
                problems.append("line \(entryLine): \(kind == .person ? "INDIVIDUAL" : "ENTITY") without DATAID"); return
            }
            let parts = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"].compactMap { fields[$0]?.first }
            guard !parts.isEmpty else { problems.append("line \(entryLine): entry \(id) has no name"); return }
            var names = [parts.joined(separator: " ")]
            names += fields["NAME_ORIGINAL_SCRIPT"] ?? []
            names += aliases
            var uniqueCountries: [String] = []
            for code in countries where !uniqueCountries.contains(code) { uniqueCountries.append(code) }
            parties.append(ListedParty(id: id, kind: kind, names: names, birthDates: dates, countries: uniqueCountries, identifiers: documents))
            var entry: [String: [String]] = [:]
            if let reference = fields["REFERENCE_NUMBER"] { entry["reference"] = reference }
            if let listed = fields["LISTED_ON"] { entry["listedOn"] = listed }
            if let program = fields["UN_LIST_TYPE"] { entry["program"] = program }
            if let comments = fields["COMMENTS1"] { entry["remarks"] = comments }
            details[id] = entry
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            if failure == nil { failure = (parser.lineNumber, "not well-formed XML (\((parseError as NSError).code))") }
        }
    }
}
