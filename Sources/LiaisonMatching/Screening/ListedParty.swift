import Foundation

/// What kind of party a list entry or a query names.
public enum PartyKind: String, Sendable, Codable, CaseIterable {
    case person, organization, vessel, aircraft, unknown

    /// Parses the kinds lists and users write ("individual", "entity", "company", "Person").
    public init(listValue: String) {
        switch listValue.lowercased().trimmingCharacters(in: .whitespaces) {
        case "person", "individual", "people", "natural person": self = .person
        case "organization", "organisation", "entity", "company", "legalentity", "legal entity", "business": self = .organization
        case "vessel", "ship": self = .vessel
        case "aircraft", "airplane": self = .aircraft
        default: self = .unknown
        }
    }
}

/// One entry of a sanctions or watch list as the matcher sees it.
public struct ListedParty: Sendable, Hashable, Codable {
    /// The entry's identifier in its list (OFAC `ent_num`, UN `DATAID`, FollowTheMoney `id`).
    public var id: String
    /// The kind of party.
    public var kind: PartyKind
    /// Its names; the first is the primary name, the rest are aliases.
    public var names: [String]
    /// Dates of birth or of incorporation, as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    public var birthDates: [String]
    /// Countries linked to it (nationality, citizenship, jurisdiction, address), ISO 3166-1
    /// alpha-2, lower case.
    public var countries: [String]
    /// Identifier numbers (passports, national IDs, registration numbers, IMO numbers), upper-case
    /// letters and digits only.
    public var identifiers: [String]

    public init(id: String, kind: PartyKind, names: [String], birthDates: [String] = [], countries: [String] = [], identifiers: [String] = []) {
        self.id = id
        self.kind = kind
        self.names = names
        self.birthDates = birthDates
        self.countries = countries
        self.identifiers = identifiers.map(Self.canonicalIdentifier).filter { $0.count >= 4 }
    }

    /// An identifier number without spaces, dashes or dots, upper case.
    public static func canonicalIdentifier(_ text: String) -> String {
        String(text.uppercased().unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }.map(Character.init))
    }
}

/// A name to screen, with what else is known about the party.
public struct ScreeningQuery: Sendable, Hashable, Codable {
    public var name: String
    public var kind: PartyKind
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    public var birthDate: String?
    /// ISO 3166-1 alpha-2, lower case.
    public var country: String?
    public var identifiers: [String]

    public init(name: String, kind: PartyKind = .unknown, birthDate: String? = nil, country: String? = nil, identifiers: [String] = []) {
        self.name = name
        self.kind = kind
        self.birthDate = birthDate
        self.country = country?.lowercased()
        self.identifiers = identifiers.map(ListedParty.canonicalIdentifier).filter { !$0.isEmpty }
    }
}
