/// How well one stored record matched a query. Carries the owner's reference and the match
/// quality only: never the data behind the reference (Prüm step one).
public struct HitMatch: Sendable, Hashable, Codable {
    public enum Quality: String, Sendable, Hashable, Codable, Comparable {
        case hit
        case nearHit = "near-hit"

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs == .hit && rhs == .nearHit }
    }

    public var reference: String
    public var quality: Quality
    /// The identifier an exact match was made on (`vin`, `plate`, `number`, `iban`, `address`).
    public var matchedOn: String?
    /// DNA: the Prüm comparison.
    public var dna: DNAComparison?
    /// DNA: the probability that an unrelated person drawn at random matches on the agreeing loci.
    public var randomMatchProbability: Double?
    /// Persons: the name similarity in 0...1.
    public var nameScore: Double?
    /// Persons: how the dates of birth agree.
    public var dateOfBirth: DateAgreement?

    public init(reference: String, quality: Quality, matchedOn: String? = nil, dna: DNAComparison? = nil, randomMatchProbability: Double? = nil,
                nameScore: Double? = nil, dateOfBirth: DateAgreement? = nil) {
        self.reference = reference
        self.quality = quality
        self.matchedOn = matchedOn
        self.dna = dna
        self.randomMatchProbability = randomMatchProbability
        self.nameScore = nameScore
        self.dateOfBirth = dateOfBirth
    }
}

/// How two dates of birth agree.
public enum DateAgreement: String, Sendable, Hashable, Codable {
    /// The same day (or the same month or year where one side gives only that).
    case exact
    /// Less than a year apart, or years one apart where only years are known.
    case withinOneYear = "within-one-year"
    case differs
    /// One side gives no date.
    case notCompared = "not-compared"
}

/// The answer to one hit/no-hit query.
public struct HitAnswer: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        case hit
        case nearHit = "near-hit"
        case noHit = "no-hit"
    }

    /// The query's own reference (or `line N` in a file).
    public var query: String
    public var outcome: Outcome
    /// Best first.
    public var matches: [HitMatch]

    public init(query: String, matches: [HitMatch]) {
        self.query = query
        // Hits before near hits; then the rarer DNA match, the closer name, the reference.
        self.matches = matches.sorted {
            ($0.quality, $0.randomMatchProbability ?? 0, -($0.nameScore ?? 0), $0.reference) < ($1.quality, $1.randomMatchProbability ?? 0, -($1.nameScore ?? 0), $1.reference)
        }
        outcome = matches.contains { $0.quality == .hit } ? .hit : matches.isEmpty ? .noHit : .nearHit
    }
}
