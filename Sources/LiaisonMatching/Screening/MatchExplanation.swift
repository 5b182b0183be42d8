import Foundation

/// Why a candidate scored what it scored: which tokens matched which and how, what was left over,
/// and what the supporting data added or took away.
public struct MatchExplanation: Sendable, Hashable, Codable {
    /// How two tokens were judged to agree.
    public enum Method: String, Sendable, Codable {
        /// The same token after normalisation (case, diacritics, script).
        case exact
        /// One edit apart (a typo, a transposition, a dropped letter), Jaro-Winkler ≥ 0.85.
        case typo
        /// The same consonant skeleton: a different romanisation of the same name
        /// ("mohammed" / "muhammad", "aleksandr" / "alexander").
        case transliteration
        /// An initial against a full token ("j" / "john").
        case initial
        /// One query token is two list tokens written together ("jscargument" / "jsc argument").
        case glued
        /// Two query tokens are one list token written apart ("al qaida" / "alqaida").
        case split
    }

    public struct TokenMatch: Sendable, Hashable, Codable {
        public var query: String
        public var listed: String
        public var method: Method
        public var similarity: Double
        /// The weight of the pair in the score: rare tokens weigh more than common ones.
        public var weight: Double
    }

    public struct Evidence: Sendable, Hashable, Codable {
        public enum Field: String, Sendable, Codable { case birthDate, country, identifier, kind }
        public var field: Field
        /// How much it moved the score (negative when it contradicts).
        public var effect: Double
        public var detail: String
    }

    public var matched: [TokenMatch]
    /// Query tokens that found no partner: they count in full against the match.
    public var unmatchedQuery: [String]
    /// Listed tokens that found no partner: they count half (lists carry middle names,
    /// patronymics and second surnames that users leave out).
    public var unmatchedListed: [String]
    /// Legal forms and titles that were set aside on either side.
    public var ignored: [String]
    /// The name similarity before supporting data, in 0...1.
    public var nameScore: Double
    public var evidence: [Evidence]

    /// One plain sentence.
    public var summary: String {
        var parts: [String] = matched.map { "'\($0.query)'→'\($0.listed)' \($0.method.rawValue) \(String(format: "%.2f", $0.similarity))" }
        if !unmatchedQuery.isEmpty { parts.append("query tokens without partner: \(unmatchedQuery.joined(separator: ", "))") }
        if !unmatchedListed.isEmpty { parts.append("listed tokens not in query (half weight): \(unmatchedListed.joined(separator: ", "))") }
        for item in evidence { parts.append("\(item.detail) (\(item.effect >= 0 ? "+" : "")\(String(format: "%.2f", item.effect)))") }
        return "name \(String(format: "%.2f", nameScore)): " + parts.joined(separator: "; ")
    }
}

/// A list entry that may be the screened party.
public struct ScreeningCandidate: Sendable, Hashable, Codable {
    /// The entry's index in the ``NameIndex``.
    public var partyIndex: Int
    public var partyID: String
    /// The name or alias that matched best.
    public var matchedName: String
    /// The final score in 0...1, name similarity adjusted by the supporting data.
    public var score: Double
    public var explanation: MatchExplanation
}
