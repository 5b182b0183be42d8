import Foundation
public import LiaisonCore

/// FollowTheMoney entities as JSON lines (the format of OpenSanctions and Aleph exports), and delta
/// files whose lines are `{"op": "ADD"|"MOD"|"DEL", "entity": {…}}`.
///
/// Only parties are screened: `Person`, `Organization`, `Company`, `LegalEntity`, `PublicBody`,
/// `Vessel`, `Airplane`. Other schemata (Sanction, Ownership, Address, Payment…) are skipped and
/// counted in the warnings. Names come from `name`, `alias` and `previousName`; `weakAlias` is
/// left out on purpose (OpenSanctions marks those as too generic to screen on).
public enum FollowTheMoneyList {
    /// A change to apply to the current version of a list.
    public enum Change: Sendable {
        case upsert(ListedParty, details: [String: [String]])
        case delete(id: String)
    }

    /// Parses a full export: every line is an entity.
    public static func parse(_ text: String) throws(LiaisonError) -> ParsedList {
        var list = ParsedList()
        for change in try changes(text) {
            switch change {
            case .upsert(let party, let details):
                list.parties.append(party)
                list.details[party.id] = details
            case .delete(let id): list.parties.removeAll { $0.id == id }
            }
        }
        return list
    }

    /// Parses lines that are either entities (an upsert) or delta operations.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming every bad line.
    public static func changes(_ text: String) throws(LiaisonError) -> [Change] {
        var problems = ParseProblems()
        var changes: [Change] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
                problems.add("line \(number): not a JSON object"); continue
            }
            var entity = object
            if let op = object["op"] as? String {
                guard let inner = object["entity"] as? [String: Any] else { problems.add("line \(number): '\(op)' without an entity"); continue }
                entity = inner
                switch op {
                case "ADD", "MOD": break
                case "DEL":
                    guard let id = inner["id"] as? String, !id.isEmpty else { problems.add("line \(number): DEL without an entity id"); continue }
                    changes.append(.delete(id: id))
                    continue
                default:
                    problems.add("line \(number): unknown op '\(op)' (ADD, MOD or DEL expected)"); continue
                }
            }
            guard let id = entity["id"] as? String, !id.isEmpty else { problems.add("line \(number): entity without an id"); continue }
            guard let schema = entity["schema"] as? String else { problems.add("line \(number): entity \(id) without a schema"); continue }
            guard let kind = kinds[schema] else { continue }
            let properties = entity["properties"] as? [String: Any] ?? [:]
            func values(_ key: String) -> [String] { (properties[key] as? [Any])?.compactMap { $0 as? String } ?? [] }
            var names = values("name") + values("alias") + values("previousName")
            if let caption = entity["caption"] as? String, !caption.isEmpty, !names.contains(caption) { names.insert(caption, at: 0) }
            if names.isEmpty {
                let composed = (values("firstName").prefix(1) + values("lastName").prefix(1)).joined(separator: " ")
                if !composed.isEmpty { names = [composed] }
            }
            guard !names.isEmpty else { problems.add("line \(number): entity \(id) has no name"); continue }
            let countries = (values("nationality") + values("citizenship") + values("country") + values("jurisdiction"))
                .compactMap(Countries.code(for:))
            let identifiers = ["idNumber", "passportNumber", "innCode", "ogrnCode", "registrationNumber", "taxNumber",
                               "imoNumber", "vatCode", "leiCode", "swiftBic"].flatMap(values)
            let dates = values("birthDate") + values("incorporationDate")
            var unique: [String] = []
            for code in countries where !unique.contains(code) { unique.append(code) }
            var details: [String: [String]] = [:]
            for key in ["topics", "program", "notes", "sourceUrl"] where !values(key).isEmpty { details[key] = values(key) }
            let party = ListedParty(id: id, kind: kind, names: names, birthDates: dates.map { String($0.prefix(10)) },
                                    countries: unique, identifiers: identifiers)
            changes.append(.upsert(party, details: details))
        }
        try problems.check(file: "FollowTheMoney")
        return changes
    }

    private static let kinds: [String: PartyKind] = [
        "Person": .person, "Organization": .organization, "Company": .organization, "LegalEntity": .organization,
        "PublicBody": .organization, "Vessel": .vessel, "Airplane": .aircraft,
    ]
}
