public import LiaisonCore

/// The searchable form of one category's reference data. It keeps what matching needs — DNA
/// rows, canonical keys, persons' names and dates — and not the data behind a reference, which
/// stays in the store until a follow-up releases it.
public struct ReferenceIndex: Sendable {
    public let category: HitCategory
    public let rules: DNAMatchRules
    public let frequencies: AlleleFrequencies
    /// Per slot (exact and person categories): the reference, its canonical keys, its date of birth.
    private let references: [String]
    private let keys: [[String]]
    private let birthDates: [String?]
    private let dna: DNAIndex?
    private let names: NameMatcher?
    private let exact: ExactKeyIndex?

    /// Name scores at or above this, with the same date of birth, make a person hit; lower
    /// scores down to the matcher's threshold make a near hit.
    public static let personHitScore = 0.92

    /// Records indexed.
    public var count: Int { dna?.count ?? references.count }

    /// Each canonical key with its reference (exact categories), for the blinded table.
    public var keyedReferences: [(key: String, reference: String)] {
        zip(references, keys).flatMap { reference, keys in keys.map { ($0, reference) } }
    }

    /// - Throws: ``LiaisonError`` `.invalidInput` when DNA records hold more distinct alleles at a locus than the index can code.
    public init(category: HitCategory, records: [ReferenceRecord], rules: DNAMatchRules = DNAMatchRules(), frequencies: AlleleFrequencies = .nist1036) throws(LiaisonError) {
        var builder = Builder(category: category, rules: rules, frequencies: frequencies, capacity: records.count)
        for record in records { try builder.append(record) }
        self = builder.build()
    }

    /// Builds an index one record at a time, keeping only what matching needs.
    public struct Builder: Sendable {
        let category: HitCategory
        let rules: DNAMatchRules
        let frequencies: AlleleFrequencies
        var dna: DNAIndex.Builder?
        var parties: [ListedParty] = []
        var references: [String] = []
        var keys: [[String]] = []
        var birthDates: [String?] = []

        public init(category: HitCategory, rules: DNAMatchRules = DNAMatchRules(), frequencies: AlleleFrequencies = .nist1036, capacity: Int = 0) {
            self.category = category
            self.rules = rules
            self.frequencies = frequencies
            if category == .dna { dna = DNAIndex.Builder(loci: STRLocus.catalogue, rules: rules, capacity: capacity) }
        }

        public mutating func append(_ record: ReferenceRecord) throws(LiaisonError) {
            switch category {
            case .dna:
                if let profile = record.profile { try dna?.append(STRProfile(reference: record.reference, loci: profile.loci)) }
            case .person:
                parties.append(record.listedParty)
                references.append(record.reference)
                birthDates.append(record.fields["dateOfBirth"])
            default:
                references.append(record.reference)
                keys.append(record.keys)
            }
        }

        public func build() -> ReferenceIndex { ReferenceIndex(self) }
    }

    private init(_ builder: Builder) {
        category = builder.category
        rules = builder.rules
        frequencies = builder.frequencies
        references = builder.references
        keys = builder.keys
        birthDates = builder.birthDates
        dna = builder.dna?.build()
        names = builder.category == .person ? NameMatcher(index: NameIndex(parties: builder.parties)) : nil
        exact = builder.category.isExactIdentifier
            ? ExactKeyIndex(keys: builder.keys.enumerated().flatMap { slot, keys in keys.map { ($0, UInt32(slot)) } }) : nil  // checked: slots are fewer than 2^32 (a reference file's rows)
    }

    /// The DNA index as bytes labelled with the store's `version` (see ``DNAIndex/snapshot(version:)``);
    /// nil for the other categories, whose indexes build from the store in seconds.
    public func snapshot(version: String) -> [UInt8]? { dna?.snapshot(version: version) }

    /// A DNA category's index from a snapshot.
    /// - Throws: ``LiaisonError`` `.invalidInput` when the bytes are not a whole snapshot.
    public init(dnaSnapshot bytes: [UInt8], rules: DNAMatchRules = DNAMatchRules(), frequencies: AlleleFrequencies = .nist1036) throws(LiaisonError) {
        category = .dna
        self.rules = rules
        self.frequencies = frequencies
        references = []
        keys = []
        birthDates = []
        dna = try DNAIndex(snapshot: bytes, rules: rules)
        names = nil
        exact = nil
    }

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
                let agreement = PersonMatch.agreement(queryDate, birthDates[candidate.partyIndex])
                guard agreement != .differs else { return nil }
                let quality: HitMatch.Quality = candidate.score >= Self.personHitScore && agreement == .exact ? .hit : .nearHit
                return HitMatch(reference: references[candidate.partyIndex], quality: quality, nameScore: (candidate.score * 1000).rounded() / 1000, dateOfBirth: agreement)
            }
        default:
            guard let exact else { return [] }
            var found: [HitMatch] = []
            for key in query.keys {
                for slot in exact.candidates(for: key) where keys[Int(slot)].contains(key) {  // checked: a UInt32 widened
                    let reference = references[Int(slot)]  // checked: a UInt32 widened
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
        let numbers = pieces.compactMap { Int($0) }  // checked: parses text: nil when not a number
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
