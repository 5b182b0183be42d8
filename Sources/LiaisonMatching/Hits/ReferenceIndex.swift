public import LiaisonCore

/// The searchable form of one category's reference data.
public struct ReferenceIndex: Sendable {
    public let category: HitCategory
    public let records: [ReferenceRecord]
    public let rules: DNAMatchRules
    public let frequencies: AlleleFrequencies
    private let byReference: [String: Int]
    private let dna: DNAIndex?
    private let names: NameMatcher?
    private let exact: ExactKeyIndex?

    /// Name scores at or above this, with the same date of birth, make a person hit; lower
    /// scores down to the matcher's threshold make a near hit.
    public static let personHitScore = 0.92

    /// - Throws: ``LiaisonError`` `.invalidInput` when DNA records hold more distinct alleles at a locus than the index can code.
    public init(category: HitCategory, records: [ReferenceRecord], rules: DNAMatchRules = DNAMatchRules(), frequencies: AlleleFrequencies = .nist1036) throws(LiaisonError) {
        self.category = category
        self.records = records
        self.rules = rules
        self.frequencies = frequencies
        byReference = Dictionary(records.enumerated().map { ($1.reference, $0) }, uniquingKeysWith: { first, _ in first })
        switch category {
        case .dna:
            dna = try DNAIndex(profiles: records.compactMap(\.profile), rules: rules)
            names = nil
            exact = nil
        case .person:
            dna = nil
            names = NameMatcher(index: NameIndex(parties: records.map(\.listedParty)))
            exact = nil
        default:
            dna = nil
            names = nil
            exact = ExactKeyIndex(keys: records.enumerated().flatMap { slot, record in record.keys.map { ($0, UInt32(slot)) } })
        }
    }

    public func record(reference: String) -> ReferenceRecord? { byReference[reference].map { records[$0] } }

    /// Answers one query of this index's category.
    public func search(_ query: ReferenceRecord) -> HitAnswer {
        HitAnswer(query: query.reference, matches: matches(for: query))
    }

    private func matches(for query: ReferenceRecord) -> [HitMatch] {
        switch category {
        case .dna:
            guard let dna, let profile = query.profile else { return [] }
            return dna.search(profile).matches.map { match in
                HitMatch(reference: match.reference, quality: match.comparison.kind == .full ? .hit : .nearHit, dna: match.comparison,
                         randomMatchProbability: frequencies.randomMatchProbability(of: profile, over: match.agreeingLoci))
            }
        case .person:
            guard let names, let name = query.fields["name"] else { return [] }
            let queryDate = query.fields["dateOfBirth"]
            return names.screen(ScreeningQuery(name: name, kind: .person)).compactMap { candidate -> HitMatch? in
                let record = records[candidate.partyIndex]
                let agreement = PersonMatch.agreement(queryDate, record.fields["dateOfBirth"])
                guard agreement != .differs else { return nil }
                let quality: HitMatch.Quality = candidate.score >= Self.personHitScore && agreement == .exact ? .hit : .nearHit
                return HitMatch(reference: record.reference, quality: quality, nameScore: (candidate.score * 1000).rounded() / 1000, dateOfBirth: agreement)
            }
        default:
            guard let exact else { return [] }
            var found: [HitMatch] = []
            for key in query.keys {
                for slot in exact.candidates(for: key) where records[Int(slot)].keys.contains(key) {
                    let reference = records[Int(slot)].reference
                    if !found.contains(where: { $0.reference == reference }) {
                        found.append(HitMatch(reference: reference, quality: .hit, matchedOn: Self.field(of: key, in: category)))
                    }
                }
            }
            return found
        }
    }

    private static func field(of key: String, in category: HitCategory) -> String {
        switch category {
        case .vehicle: return key.hasPrefix("VIN:") ? "vin" : "plate"
        case .bankAccount: return "iban"
        case .cryptoWallet: return "address"
        default: return "number"
        }
    }
}

/// Date-of-birth comparison for person hits.
enum PersonMatch {
    /// The year of a `YYYY`, `YYYY-MM` or `YYYY-MM-DD` date, or nil when it is not one.
    static func year(of date: String) -> Int? { parts(date)?.first }

    private static func parts(_ date: String) -> [Int]? {
        let pieces = date.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...3).contains(pieces.count), pieces[0].count == 4, pieces.dropFirst().allSatisfy({ $0.count == 2 }) else { return nil }
        let numbers = pieces.compactMap { Int($0) }
        guard numbers.count == pieces.count, (1850...2100).contains(numbers[0]) else { return nil }
        if numbers.count >= 2, !(1...12).contains(numbers[1]) { return nil }
        if numbers.count == 3, !(1...31).contains(numbers[2]) { return nil }
        return numbers
    }

    /// `exact` when the dates agree to the precision both give; `within-one-year` when they are
    /// less than a year apart (or, known only to the year, one year apart).
    static func agreement(_ a: String?, _ b: String?) -> DateAgreement {
        guard let a, let b, let x = parts(a), let y = parts(b) else { return .notCompared }
        let shared = min(x.count, y.count)
        if Array(x.prefix(shared)) == Array(y.prefix(shared)) { return .exact }
        if x.count == 3 && y.count == 3 {
            let days = abs(dayNumber(x) - dayNumber(y))
            return days < 366 ? .withinOneYear : .differs
        }
        return abs(x[0] - y[0]) <= 1 ? .withinOneYear : .differs
    }

    /// Days since 1 March of year 0 (proleptic Gregorian), for differences only.
    private static func dayNumber(_ date: [Int]) -> Int {
        let year = date[1] <= 2 ? date[0] - 1 : date[0]
        let month = date[1] <= 2 ? date[1] + 9 : date[1] - 3
        return 365 * year + year / 4 - year / 100 + year / 400 + (153 * month + 2) / 5 + date[2] - 1
    }
}
