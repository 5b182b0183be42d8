import Foundation

/// The tunable parts of name matching. Stored with every screening result, with
/// ``NameMatcher/algorithm``, so that a result can be reproduced and reviewed.
public struct MatchingParameters: Sendable, Hashable, Codable {
    /// Candidates scoring below this are not reported.
    public var threshold: Double = 0.80
    /// At most this many candidates per query.
    public var limit: Int = 10
    /// Smallest Jaro-Winkler similarity for two tokens one edit apart to count as a typo.
    public var typoSimilarity: Double = 0.85
    /// The weight of a listed token the query does not have, relative to its full weight.
    public var unmatchedListedWeight: Double = 0.5
    /// The same when every part of the query found its partner: a query with fewer name parts
    /// than the list ("Youssef Haddad" for "Youssef Abd al-Karim Haddad") is the most common real
    /// query, and the parts the list adds are held against it only this much.
    public var extraListedWeight: Double = 0.15

    public init(threshold: Double = 0.80, limit: Int = 10) {
        self.threshold = threshold
        self.limit = limit
    }

    private enum CodingKeys: String, CodingKey { case threshold, limit, typoSimilarity, unmatchedListedWeight, extraListedWeight }

    /// Results stored before a parameter existed read with its value of that time.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        threshold = try container.decode(Double.self, forKey: .threshold)
        limit = try container.decode(Int.self, forKey: .limit)
        typoSimilarity = try container.decode(Double.self, forKey: .typoSimilarity)
        unmatchedListedWeight = try container.decode(Double.self, forKey: .unmatchedListedWeight)
        extraListedWeight = try container.decodeIfPresent(Double.self, forKey: .extraListedWeight) ?? unmatchedListedWeight
    }
}

/// Screens names against a ``NameIndex``.
///
/// The name score is a weighted, symmetric token agreement:
///
///     score = Σ pairs sim(q, l)·(w(q) + w(l))  /  (Σ w(query tokens) + Σ w(matched listed) + ½·Σ w(unmatched listed))
///
/// where `w` is a token's inverse document frequency in the index. Tokens pair greedily by
/// weighted similarity, so word order does not matter; a dropped middle name costs half its
/// weight; a query token with no partner costs its full weight, so "emma daniels" does not reach
/// "EMMA LLC" however common "LLC" is. Supporting data then moves the score: a birth year more
/// than a year apart or a different kind of party contradicts (−0.15, −0.30); the same birth date
/// or country supports (+0.05/+0.03, +0.02); the same identifier number makes it a near-certain
/// match (at least 0.95).
public struct NameMatcher: Sendable {
    /// Name and version of the algorithm, stored with every result.
    public static let algorithm = "liaison-names/3"

    public let index: NameIndex
    public var parameters: MatchingParameters

    public init(index: NameIndex, parameters: MatchingParameters = MatchingParameters()) {
        self.index = index
        self.parameters = parameters
    }

    /// The candidates for `query`, best first, each at or above the threshold.
    public func screen(_ query: ScreeningQuery) -> [ScreeningCandidate] {
        let normalized = NameNormalizer.normalize(query.name)
        guard let plan = plan(normalized) else { return [] }
        let queryTokens = plan.tokens

        // Candidate names: postings of the rarest tokens until what is left could not reach the
        // threshold on its own, plus names whose glued pairs equal a query token.
        var candidates: [UInt32] = []
        let order = plan.tokenWeights.indices.sorted { plan.postingCount[$0] < plan.postingCount[$1] }
        let totalWeight = plan.tokenWeights.reduce(0, +)
        var remaining = totalWeight - order.filter { plan.postingCount[$0] == Int.max }.map { plan.tokenWeights[$0] }.reduce(0, +)
        let needed = Float(parameters.threshold / (2 - parameters.threshold))
        for position in order where plan.postingCount[position] != Int.max {
            guard remaining / totalWeight >= needed * 0.9 || candidates.isEmpty else { break }
            for token in plan.expansionTokens(of: position) {
                candidates.append(contentsOf: index.postings(of: token))
            }
            remaining -= plan.tokenWeights[position]
        }
        for token in queryTokens where token.count >= 4 {
            for slot in NameIndex.range(of: NameIndex.hash(token), in: index.glueKeys) {
                candidates.append(index.glueNames[slot])
            }
        }
        candidates.sort()

        let queryKind = Self.kind(of: query, normalized: normalized)
        var bestByParty: [UInt32: ScreeningCandidate] = [:]
        var previous: UInt32?
        for name in candidates where name != previous {
            previous = name
            guard let candidate = candidate(plan: plan, name: Int(name), query: query, queryKind: queryKind, normalized: normalized, floor: parameters.threshold),
                  candidate.score >= parameters.threshold else { continue }
            let party = UInt32(candidate.partyIndex)
            if let existing = bestByParty[party], existing.score >= candidate.score { continue }
            bestByParty[party] = candidate
        }
        return bestByParty.values.sorted { $0.score > $1.score || ($0.score == $1.score && $0.partyIndex < $1.partyIndex) }
            .prefix(parameters.limit).map { $0 }
    }

    /// What the query's tokens may stand for in the index; nil when it has no tokens.
    private func plan(_ normalized: NormalizedName) -> QueryPlan? {
        guard !normalized.tokens.isEmpty else { return nil }
        return QueryPlan(tokens: normalized.tokens.map { Array($0.utf8) }, alternatives: normalized.alternatives.map { $0.map { Array($0.utf8) } },
                         groups: normalized.groups, script: normalized.script, index: index, typoSimilarity: parameters.typoSimilarity)
    }

    /// The kind of party the query names: as given, else an organisation when it has a legal form.
    private static func kind(of query: ScreeningQuery, normalized: NormalizedName) -> PartyKind {
        query.kind != .unknown ? query.kind : (normalized.legalForms.isEmpty ? .unknown : .organization)
    }

    /// How `query` compares with one listed party, whatever the score: its best name, with the
    /// explanation. For pairwise evaluation (is this query that party?) and for reviewers who
    /// ask why an entry was not raised. Nil when the query has nothing to compare.
    public func score(_ query: ScreeningQuery, against party: Int) -> ScreeningCandidate? {
        let normalized = NameNormalizer.normalize(query.name)
        guard index.parties.indices.contains(party), let plan = plan(normalized) else { return nil }
        let queryKind = Self.kind(of: query, normalized: normalized)
        var best: ScreeningCandidate?
        for name in index.names(of: party) {
            guard let candidate = candidate(plan: plan, name: name, query: query, queryKind: queryKind, normalized: normalized, floor: nil) else { continue }
            if candidate.score > best?.score ?? -1 { best = candidate }
        }
        return best
    }

    /// Indexed name `name` as a candidate for the query: the name score moved by the supporting
    /// data, or nil when the name scores under `floor` less 0.05 (what supporting data can add)
    /// and no identifier could lift it.
    private func candidate(plan: QueryPlan, name: Int, query: ScreeningQuery, queryKind: PartyKind, normalized: NormalizedName, floor: Double?) -> ScreeningCandidate? {
        let (nameScore, _) = plan.score(name: name, parameters: parameters, explain: false)
        // Supporting data cannot lift a weak name above the threshold by more than 0.05.
        if let floor, Double(nameScore) < floor - 0.05, query.identifiers.isEmpty { return nil }
        let (_, explanation) = plan.score(name: name, parameters: parameters, explain: true)
        let party = Int(index.nameParty[name])
        var result = explanation
        result.nameScore = Double(nameScore)
        var score = Double(nameScore)
        for item in evidence(query: query, queryKind: queryKind, party: party, nameHasLegalForm: index.nameHasLegalForm[name]) {
            result.evidence.append(item)
            score += item.effect
        }
        if result.evidence.contains(where: { $0.field == .identifier && $0.effect > 0 }) { score = max(score, 0.95) }
        result.ignored = normalized.legalForms + normalized.honorifics
        return ScreeningCandidate(partyIndex: party, partyID: index.parties[party].id, matchedName: index.nameText[name],
                                  score: min(1, max(0, score)), explanation: result)
    }

    private func evidence(query: ScreeningQuery, queryKind: PartyKind, party: Int, nameHasLegalForm: Bool) -> [MatchExplanation.Evidence] {
        var out: [MatchExplanation.Evidence] = []
        let listed = index.parties[party]
        let listedKind: PartyKind = listed.kind != .unknown ? listed.kind : (nameHasLegalForm ? .organization : .unknown)
        if queryKind != .unknown, listedKind != .unknown, queryKind != listedKind {
            out.append(.init(field: .kind, effect: -0.30, detail: "query is a \(queryKind.rawValue), listed party a \(listedKind.rawValue)"))
        }
        if let date = query.birthDate, let year = Int(date.prefix(4)), !index.birthYears[party].isEmpty {
            if listed.birthDates.contains(date), date.count == 10 {
                out.append(.init(field: .birthDate, effect: 0.05, detail: "same date of birth \(date)"))
            } else if index.birthYears[party].contains(year) {
                out.append(.init(field: .birthDate, effect: 0.03, detail: "same year of birth \(year)"))
            } else if index.birthYears[party].contains(where: { abs($0 - year) <= 1 }) {
                out.append(.init(field: .birthDate, effect: 0, detail: "year of birth \(year) within a year of the listed one"))
            } else {
                let listedYears = index.birthYears[party].map(String.init).joined(separator: ", ")
                out.append(.init(field: .birthDate, effect: -0.15, detail: "year of birth \(year), listed \(listedYears)"))
            }
        }
        if let country = query.country, !listed.countries.isEmpty {
            if listed.countries.contains(country) {
                out.append(.init(field: .country, effect: 0.02, detail: "country \(country.uppercased()) listed"))
            } else {
                out.append(.init(field: .country, effect: -0.05, detail: "country \(country.uppercased()) not among \(listed.countries.map { $0.uppercased() }.joined(separator: ", "))"))
            }
        }
        if let shared = query.identifiers.first(where: listed.identifiers.contains) {
            out.append(.init(field: .identifier, effect: 0.10, detail: "identifier \(shared) listed"))
        }
        return out
    }
}

/// What one query needs while it is compared with candidate names: for each query token the
/// index tokens it may stand for and how similar they are.
struct QueryPlan {
    let tokens: [[UInt8]]
    let index: NameIndex
    /// index token → (query token position, similarity, method); a token may serve several.
    var expansions: [UInt32: [(position: Int, similarity: Float, method: MatchExplanation.Method)]] = [:]
    /// index token → the query position i whose concatenation with i+1 it equals (similarity 1),
    /// or whose concatenation shares its skeleton (0.88).
    var splits: [UInt32: (position: Int, end: Int, similarity: Float)] = [:]
    var tokenWeights: [Float]
    var postingCount: [Int]
    /// For a query in a script without vowels: the skeletons of each long query token's readings,
    /// to compare with two or three listed tokens written apart ("abdalhlym" for "ABD EL HALIM").
    var glueSkeletons: [(position: Int, skeleton: [UInt8])] = []
    /// For a long token of a script without vowels, the index tokens whose skeleton ends its own
    /// (two consonants or more): the last of the listed tokens it may stand for written apart, whose
    /// postings find those names ("rauf" for "abdalrwf").
    var glueRetrieval: [Int: [UInt32]] = [:]
    /// Whether each query token is a particle ("al", "bin", "de").
    let queryParticles: [Bool]
    /// The syllable group of each query token (see ``NormalizedName/groups``), when any has one.
    let groups: [Int?]

    init(tokens: [[UInt8]], alternatives: [[[UInt8]]] = [], groups: [Int?] = [], script: Script, index: NameIndex, typoSimilarity: Double) {
        self.tokens = tokens
        self.groups = groups.contains { $0 != nil } ? groups : []
        queryParticles = tokens.map { NameNormalizer.particles.contains($0) }
        let transliterated = script != .latin
        let vowelless = script == .arabic || script == .hebrew
        self.index = index
        let unknownWeight = logf(1 + Float(max(index.nameCount, 1)))
        tokenWeights = []
        postingCount = []
        for (position, token) in tokens.enumerated() {
            var weight: Float = 0
            var postings = 0
            var found: [UInt32: (Float, MatchExplanation.Method)] = [:]
            let text = String(decoding: token, as: UTF8.self)
            if let exact = index.vocabulary[text] { found[exact] = (1, .exact) }
            // Another reading spelled as a listed token ("ri" for 리, read "lee" first).
            if position < alternatives.count {
                for reading in alternatives[position] {
                    if let id = index.vocabulary[String(decoding: reading, as: UTF8.self)], found[id] == nil { found[id] = (1, .transliteration) }
                }
            }
            if token.count >= 3 {
                for key in NameIndex.deletionNeighbourhood(token) {
                    for slot in NameIndex.range(of: key, in: index.deletionKeys) {
                        let candidate = index.deletionTokens[slot]
                        guard found[candidate] == nil else { continue }
                        let similarity = token.withUnsafeBufferPointer { a in
                            index.tokenText[Int(candidate)].withUnsafeBufferPointer { b in JaroWinkler.similarity(a, b) }
                        }
                        if similarity >= typoSimilarity {
                            found[candidate] = (Float(similarity), .typo)
                        } else if NameNormalizer.differOnlyInYAndI(token, index.tokenText[Int(candidate)]) {
                            // Short romanisations that differ in y for i ("kyu"/"kiu", "mei"/"mey",
                            // "ryu"/"riu"), too short for a skeleton and for Jaro-Winkler.
                            found[candidate] = (0.9, .transliteration)
                        }
                    }
                }
            }
            // The article of a script without vowels is only itself ("al", or "el" as lists
            // also write it); its one consonant would otherwise stand for "ali" or "ly".
            let isArticle = vowelless && token == Self.article
            if isArticle, let id = index.vocabulary["el"], found[id] == nil { found[id] = (1, .transliteration) }
            if !isArticle, token.count >= 3 || (vowelless && token.count == 2) {
                // Each reading of the token (an Arabic-script token may have several: ظ as z or
                // d) is looked up by its skeleton; a listed token keeps its best reading.
                let readings = [token] + (position < alternatives.count ? alternatives[position] : [])
                var best: [UInt32: Float] = [:]
                var bestSimilarity: [UInt32: Float] = [:]
                for reading in readings {
                    // The soft reading of c ("Lounici") is a Latin spelling's; a transliterated
                    // token's c is the transliteration's own ("chang" from 장 is never "shang").
                    for skeleton in transliterated ? [NameNormalizer.skeleton(reading)] : NameNormalizer.skeletons(reading) {
                        guard skeleton.count >= 2 || (vowelless && !skeleton.isEmpty) else { continue }
                        if vowelless, reading.count >= 5, skeleton.count >= 3 { glueSkeletons.append((position, skeleton)) }
                        for slot in NameIndex.range(of: NameIndex.hash(skeleton), in: index.skeletonKeys) {
                            let candidate = index.skeletonTokens[slot]
                            guard found[candidate] == nil else { continue }
                            let listedText = index.tokenText[Int(candidate)]
                            let similarity = Float(JaroWinkler.similarity(reading, listedText))
                            guard let score = Self.skeletonScore(reading: reading, listed: listedText, consonants: skeleton.count, similarity: similarity,
                                                                 transliterated: transliterated, vowelless: vowelless, typoSimilarity: Float(typoSimilarity))
                            else { continue }
                            if score > best[candidate] ?? -1 || (score == best[candidate] && similarity > bestSimilarity[candidate] ?? -1) {
                                best[candidate] = score
                                bestSimilarity[candidate] = similarity
                            }
                        }
                    }
                }
                // A skeleton shared by very many tokens ("ms") says little; keep the closest.
                var matches = best.map { ($0.key, $0.value) }
                if matches.count > 64 {
                    matches.sort { a, b in
                        a.1 > b.1 || (a.1 == b.1 && (bestSimilarity[a.0]!, b.0) > (bestSimilarity[b.0]!, a.0))
                    }
                    matches.removeLast(matches.count - 64)
                }
                for (candidate, similarity) in matches { found[candidate] = (similarity, .transliteration) }
            }
            // Two edits or more with the start intact ("krasnoff" / "krasnov"): the tokens that
            // share the first four letters, when there are not too many.
            if token.count >= 5, !found.values.contains(where: { $0.0 >= 0.9 }) {
                let range = NameIndex.range(of: NameIndex.hash(token.prefix(4)), in: index.prefixKeys)
                if range.count <= 512 {
                    for slot in range {
                        let candidate = index.prefixTokens[slot]
                        guard found[candidate] == nil else { continue }
                        let similarity = JaroWinkler.similarity(token, index.tokenText[Int(candidate)])
                        if similarity >= 0.9 { found[candidate] = (Float(similarity), .typo) }
                    }
                }
            }
            for (candidate, value) in found {
                expansions[candidate, default: []].append((position, value.0, value.1))
                weight = max(weight, index.tokenWeight[Int(candidate)] * (value.1 == .exact ? 1 : value.0))
                postings += index.postings(of: candidate).count
            }
            if found.isEmpty { weight = unknownWeight }
            if token.count == 1 { weight = 1.0 }
            tokenWeights.append(weight)
            postingCount.append(postings)
        }
        for position in tokens.indices.dropLast() {
            let joined = tokens[position] + tokens[position + 1]
            if let id = index.vocabulary[String(decoding: joined, as: UTF8.self)] { splits[id] = (position, position + 1, 1) }
            // "bd allh" for "ABDALLAH": the written-apart pair under another romanisation; only
            // for Arabic script, without vowels, whose compounds ("Abd al-", "-uddin") lists write
            // together; Hebrew names have no such compounds, and two short Hebrew words joined
            // share a skeleton with too many names.
            guard script == .arabic else { continue }
            // Each token's readings too: "nzyr allh" (نذیر الله, ذ as z) for "NAZIRULLAH",
            // "kaka zada" (زاده) for "KAKAZADA".
            func readings(_ at: Int, _ count: Int) -> [[UInt8]] {
                [tokens[at]] + (at < alternatives.count ? alternatives[at].prefix(count) : [])
            }
            var spellings = readings(position, 4).flatMap { first in readings(position + 1, 3).map { (first + $0, position + 1) } }
            // "sraj al dyn" for "SIRAJUDDIN", "nwr al dyn" for "NOOR UD DIN": the article between
            // two words, written with them, as "al" or assimilated ("ud-din", "ur-rahman").
            if tokens[position + 1] == Self.article, position + 2 < tokens.count, Self.compoundEnds.contains(tokens[position + 2]) {
                spellings.append((joined + tokens[position + 2], position + 2))
                spellings.append((tokens[position] + tokens[position + 2], position + 2))
            }
            for (spelling, end) in spellings {
                if end > position + 1, let id = index.vocabulary[String(decoding: spelling, as: UTF8.self)], splits[id] == nil {
                    splits[id] = (position, end, 1)
                }
                let skeleton = NameNormalizer.skeleton(spelling)
                guard skeleton.count >= 3 else { continue }
                // Of the tokens with this skeleton, the 32 whose letters are closest.
                var sharing = NameIndex.range(of: NameIndex.hash(skeleton), in: index.skeletonKeys).map { index.skeletonTokens[$0] }
                if sharing.count > 32 {
                    let similarity = sharing.map { JaroWinkler.similarity(spelling, index.tokenText[Int($0)]) }
                    sharing = sharing.indices.sorted { (similarity[$0], sharing[$1]) > (similarity[$1], sharing[$0]) }.prefix(32).map { sharing[$0] }
                }
                for id in sharing where splits[id] == nil { splits[id] = (position, end, 0.88) }
            }
        }
        for (position, skeleton) in glueSkeletons where skeleton.count >= 3 {
            for length in 2..<skeleton.count {
                for slot in NameIndex.range(of: NameIndex.hash(skeleton.suffix(length)), in: index.skeletonKeys) {
                    let token = index.skeletonTokens[slot]
                    guard expansions[token]?.contains(where: { $0.position == position }) != true,
                          glueRetrieval[position]?.contains(token) != true else { continue }
                    glueRetrieval[position, default: []].append(token)
                    postingCount[position] += index.postings(of: token).count
                }
            }
        }
        // A split token may be found from any position it covers.
        for (token, split) in splits {
            for position in split.position...split.end { postingCount[position] += index.postings(of: token).count }
        }
        for position in postingCount.indices where postingCount[position] == 0 { postingCount[position] = Int.max }
    }

    /// How surely a query token reading stands for a listed token with the same skeleton of
    /// `consonants` letters, or nil when it does not.
    static func skeletonScore(reading: [UInt8], listed: [UInt8], consonants: Int, similarity: Float,
                              transliterated: Bool, vowelless: Bool, typoSimilarity: Float) -> Float? {
        // Between Latin spellings the letters must still look alike; a query transliterated from
        // another script (Arabic without its vowels, Western names in Cyrillic) often cannot, so
        // there the skeleton decides.
        guard similarity >= 0.70 || transliterated else { return nil }
        guard vowelless else { return max(similarity, consonants >= 3 ? 0.88 : 0.80) }
        // In a script without vowels the skeleton is all there is, and a shared one of three
        // consonants or more is strong evidence.
        let floor: Float = consonants >= 3 ? 0.95 : (consonants == 2 ? 0.88 : 0.80)
        let missing = NameNormalizer.longVowelMismatches(abjad: reading, latin: listed)
        // A contradiction (a first vowel or a last long vowel the other side lacks, a letter it
        // would have written otherwise) leaves only a near-identical spelling; a long vowel
        // missing inside costs 0.08.
        if missing.final || NameNormalizer.unwrittenInitialVowel(abjad: reading, latin: listed)
            || NameNormalizer.unspelledInitialVowel(abjad: reading, latin: listed)
            || NameNormalizer.conflictingLetters(abjad: reading, latin: listed) {
            return similarity >= typoSimilarity ? similarity : nil
        }
        return max(similarity, floor - 0.08 * Float(missing.count))
    }

    private static let article: [UInt8] = Array("al".utf8)
    /// The second words of compound names that lists write joined to the first, with the article
    /// assimilated ("Nooruddin", "Abdurrahman", "Ehsanulhaq"), as Arabic script transliterates
    /// them: الدين, الرحمن, الرحيم, الحق, الإسلام, الزمان.
    private static let compoundEnds: Set<[UInt8]> = Set(["dyn", "rhmn", "rhman", "rhym", "hq", "islam", "zman", "zaman"].map { Array($0.utf8) })

    /// The index tokens that query position `position` may stand for (and split pairs starting there).
    func expansionTokens(of position: Int) -> [UInt32] {
        var out: [UInt32] = []
        for (token, uses) in expansions where uses.contains(where: { $0.position == position }) { out.append(token) }
        for (token, split) in splits where (split.position...split.end).contains(position) { out.append(token) }
        out += glueRetrieval[position] ?? []
        return out
    }

    private struct Pair {
        var query: Int
        var queryEnd: Int  // inclusive; > query for a split pair
        var listed: Int
        var listedEnd: Int  // inclusive; > listed for a glued pair
        var similarity: Float
        var method: MatchExplanation.Method
        var gain: Float
    }

    /// The name score of indexed name `name` and its explanation.
    /// - Parameter explain: build the explanation (only for names that may be reported).
    func score(name: Int, parameters: MatchingParameters, explain: Bool) -> (Float, MatchExplanation) {
        // The name's tokens, read in place (this runs for every candidate).
        let range = Int(index.nameTokenStart[name])..<Int(index.nameTokenStart[name + 1])
        return index.nameTokens.withUnsafeBufferPointer { all in
            score(listed: UnsafeBufferPointer(rebasing: all[range]), givenStart: Int(index.nameGivenStart[name]), parameters: parameters, explain: explain)
        }
    }

    /// - Parameter givenStart: the position of the listed name's first given name (after its
    ///   surnames when it is written "SURNAME, Given").
    private func score(listed: UnsafeBufferPointer<UInt32>, givenStart: Int, parameters: MatchingParameters, explain: Bool) -> (Float, MatchExplanation) {
        var pairs: [Pair] = []
        pairs.reserveCapacity(8)
        for (j, token) in listed.enumerated() {
            let listedWeight = index.tokenWeight[Int(token)]
            if let uses = expansions[token] {
                for use in uses {
                    pairs.append(Pair(query: use.position, queryEnd: use.position, listed: j, listedEnd: j,
                                      similarity: use.similarity, method: use.method,
                                      gain: use.similarity * (tokenWeights[use.position] + listedWeight)))
                }
            }
            if !splits.isEmpty, let (start, end, similarity) = splits[token] {
                let weight = tokenWeights[start...end].reduce(0, +)
                pairs.append(Pair(query: start, queryEnd: end, listed: j, listedEnd: j, similarity: similarity, method: .split,
                                  gain: similarity * (weight + listedWeight)))
            }
            let listedText = index.tokenText[Int(token)]
            for (i, queryToken) in tokens.enumerated() {
                // Initials on either side.
                if queryToken.count == 1, listedText.count > 1, listedText[0] == queryToken[0] {
                    pairs.append(Pair(query: i, queryEnd: i, listed: j, listedEnd: j, similarity: 0.9, method: .initial,
                                      gain: 0.9 * (tokenWeights[i] + min(listedWeight, 1.5))))
                } else if listedText.count == 1, queryToken.count > 1, queryToken[0] == listedText[0] {
                    pairs.append(Pair(query: i, queryEnd: i, listed: j, listedEnd: j, similarity: 0.9, method: .initial,
                                      gain: 0.9 * (min(tokenWeights[i], 1.5) + listedWeight)))
                }
                // A query token that is this listed token and a legal form or title written
                // together ("jscargument" for "JSC ARGUMENT", "hajibaz" for "Haji Baz").
                if queryToken.count > listedText.count + 1 {
                    let rest: ArraySlice<UInt8>? = queryToken.starts(with: listedText) ? queryToken[listedText.count...]
                        : (queryToken.reversed().starts(with: listedText.reversed()) ? queryToken[..<(queryToken.count - listedText.count)] : nil)
                    if let rest, case let text = String(decoding: rest, as: UTF8.self),
                       NameNormalizer.legalForms.contains(text) || NameNormalizer.honorifics.contains(text) {
                        pairs.append(Pair(query: i, queryEnd: i, listed: j, listedEnd: j, similarity: 1, method: .glued,
                                          gain: tokenWeights[i] + listedWeight))
                    }
                }
                // A query token that is this listed token and the next written together.
                if j + 1 < listed.count, queryToken.count >= 4 {
                    let next = index.tokenText[Int(listed[j + 1])]
                    if queryToken.count == listedText.count + next.count,
                       queryToken.starts(with: listedText), queryToken[listedText.count...].elementsEqual(next) {
                        let weight = listedWeight + index.tokenWeight[Int(listed[j + 1])]
                        pairs.append(Pair(query: i, queryEnd: i, listed: j, listedEnd: j + 1, similarity: 1, method: .glued,
                                          gain: tokenWeights[i] + weight))
                    }
                }
            }
        }
        // A long query token written from a script without vowels against two or three listed
        // tokens in a row whose skeletons, joined, are its own.
        if !glueSkeletons.isEmpty, listed.count >= 2 {
            for j in listed.indices {
                for span in 2...3 where j + span <= listed.count {
                    let run = listed[j..<(j + span)]
                    for (position, skeleton) in glueSkeletons where index.skeletonsJoin(run, equal: skeleton) {
                        let weight = run.reduce(Float(0)) { $0 + index.tokenWeight[Int($1)] }
                        pairs.append(Pair(query: position, queryEnd: position, listed: j, listedEnd: j + span - 1, similarity: 0.88,
                                          method: .glued, gain: 0.88 * (tokenWeights[position] + weight)))
                        break
                    }
                }
            }
        }
        // Surest pairs first, so that a loose reading (a skeleton split) cannot displace exact
        // and one-edit matches; among equally sure pairs the weightier one wins.
        // A particle on its own ("al" → "el") comes last: it weighs little, and an article that
        // is part of a compound ("slah al dyn" → "salahaldin") should go with the compound.
        func isParticle(_ pair: Pair) -> Bool { pair.queryEnd == pair.query && queryParticles[pair.query] }
        pairs.sort { a, b in
            let (particleA, particleB) = (isParticle(a), isParticle(b))
            if particleA != particleB { return particleB }
            return a.similarity > b.similarity || (a.similarity == b.similarity && a.gain > b.gain)
        }
        // Which tokens are taken: bits, for names of up to 64 tokens (all of them in practice).
        var queryUsed = UsedSet(count: tokens.count)
        var listedUsed = UsedSet(count: listed.count)
        var matchedGain: Float = 0
        var matchedWeight: Float = 0
        // Name parts of the query (not particles) that found a sure partner, and whether an
        // initial or a loose reading was among them.
        var surePartners = 0
        var loosePartner = false
        var explanation = MatchExplanation(matched: [], unmatchedQuery: [], unmatchedListed: [], ignored: [], nameScore: 0, evidence: [])
        var accepted: [Pair] = []
        for pair in pairs {
            guard !(pair.query...pair.queryEnd).contains(where: { queryUsed[$0] }),
                  !(pair.listed...pair.listedEnd).contains(where: { listedUsed[$0] }) else { continue }
            var pairWeight: Float = 0
            for i in pair.query...pair.queryEnd {
                queryUsed[i] = true
                pairWeight += pair.method == .initial && tokens[i].count > 1 ? min(tokenWeights[i], 1.5) : tokenWeights[i]
            }
            for j in pair.listed...pair.listedEnd {
                listedUsed[j] = true
                let weight = index.tokenWeight[Int(listed[j])]
                pairWeight += pair.method == .initial && index.tokenText[Int(listed[j])].count > 1 ? min(weight, 1.5) : weight
            }
            matchedGain += pair.gain
            matchedWeight += pairWeight
            if !groups.isEmpty { accepted.append(pair) }
            if pair.queryEnd > pair.query || !queryParticles[pair.query] {
                if pair.similarity >= 0.85, pair.method != .initial { surePartners += 1 } else { loosePartner = true }
            }
            guard explain else { continue }
            explanation.matched.append(.init(
                query: (pair.query...pair.queryEnd).map { String(decoding: tokens[$0], as: UTF8.self) }.joined(separator: " "),
                listed: (pair.listed...pair.listedEnd).map { String(decoding: index.tokenText[Int(listed[$0])], as: UTF8.self) }.joined(separator: " "),
                method: pair.method, similarity: Double(pair.similarity), weight: Double(pairWeight)))
        }
        // One syllable of a given name written in syllables is not that name ("Su" of "Subin"
        // against "Su Yong"): the pairs inside a group that is not matched whole gain nothing.
        if !groups.isEmpty {
            let partial = Set(tokens.indices.compactMap { i in
                groups[i].flatMap { group in queryUsed[i] ? nil : group }
            })
            for pair in accepted where (pair.query...pair.queryEnd).contains(where: { groups[$0].map(partial.contains) == true }) {
                matchedGain -= pair.gain
                surePartners -= 1
            }
        }
        var denominator = matchedWeight
        // Every part of the query has its partner, two of them at least and surely: the listed
        // parts left over are parts the user did not type (middle names, patronymics, a second
        // surname), not a disagreement.
        // The parts the query has must be the ones a short form keeps: the first given name and
        // a surname ("Natalia Vasquez", not "Andrea Vasquez", for "VASQUEZ VALENCIA, Natalia
        // Andrea"). A surname is what precedes the comma of "SURNAME, Given", else the last part
        // or, in a name of four parts or more, the one before it (a second surname).
        var queryCovered = surePartners >= 2 && !loosePartner && tokens.indices.allSatisfy { queryUsed[$0] || queryParticles[$0] }
        if queryCovered, listed.count >= 3 {
            let surnameMatched = givenStart > 0 ? (0..<givenStart).contains { listedUsed[$0] }
                : listedUsed[listed.count - 1] || (listed.count >= 4 && listedUsed[listed.count - 2])
            queryCovered = listedUsed[givenStart] && surnameMatched
        }
        let unmatchedListedWeight = Float(queryCovered ? parameters.extraListedWeight : parameters.unmatchedListedWeight)
        for i in tokens.indices where !queryUsed[i] {
            // Articles and filiation particles ("al", "bin", "de", "van") are as often left out by
            // lists as by users: half weight on either side.
            denominator += queryParticles[i] ? 0.5 * tokenWeights[i] : tokenWeights[i]
            if explain { explanation.unmatchedQuery.append(String(decoding: tokens[i], as: UTF8.self)) }
        }
        for j in listed.indices where !listedUsed[j] {
            denominator += unmatchedListedWeight * index.tokenWeight[Int(listed[j])]
            if explain { explanation.unmatchedListed.append(String(decoding: index.tokenText[Int(listed[j])], as: UTF8.self)) }
        }
        let score = denominator > 0 ? min(1, matchedGain / denominator) : 0
        return (score, explanation)
    }
}

/// A set of token positions: a bit mask up to 64, an array beyond.
struct UsedSet {
    private var bits: UInt64 = 0
    private var overflow: [Bool]?

    init(count: Int) {
        if count > 64 { overflow = [Bool](repeating: false, count: count) }
    }

    subscript(position: Int) -> Bool {
        get { overflow?[position] ?? (bits & (1 << UInt64(position)) != 0) }
        set {
            if overflow != nil {
                overflow![position] = newValue
            } else if newValue {
                bits |= 1 << UInt64(position)
            } else {
                bits &= ~(1 << UInt64(position))
            }
        }
    }
}
