public import Foundation
public import LiaisonCore
public import LiaisonMatching

/// The screening evaluation harness: a labelled query set built from real lists, and the
/// precision, recall and per-script false-positive rates of the matcher on it.
///
/// Positives are list names changed the way real queries differ from lists: a typo, another
/// token order, a dropped middle name, diacritics added or dropped, another romanisation, tokens
/// glued or split, and the name in another script (the UN list's and FollowTheMoney's own
/// original-script names, held out of the index, and Latin names written in Cyrillic). Negatives
/// are names of people on no list, in many scripts (`names/negatives_*.csv`). Everything is
/// drawn from a seeded generator, so a run is reproducible.
public struct ScreeningEvaluation: Sendable {
    /// One labelled query.
    public struct Query: Sendable, Codable, Hashable {
        public var query: ScreeningQuery
        /// The party the query is a variant of (index into the evaluation's parties), or nil for
        /// a negative.
        public var expected: Int?
        public var variant: String
        public var script: Script
    }

    /// Figures at one threshold.
    public struct Report: Sendable, Codable {
        public var threshold: Double
        public var positives: Int
        public var negatives: Int
        public var truePositives: Int
        public var falsePositives: Int
        public var precision: Double
        public var recall: Double
        public var f1: Double
        /// Share of queries whose expected party is the first candidate.
        public var top1: Double
        /// Recall per variant kind.
        public var recallByVariant: [String: Double]
        /// Recall per script of the query.
        public var recallByScript: [String: Double]
        /// Share of negatives of each script that raised an alert.
        public var falsePositiveRateByScript: [String: Double]
        public var negativesByScript: [String: Int]
        /// Misses and false alerts, a few of each, for tuning.
        public var examples: [String]
    }

    public let parties: [ListedParty]
    public let queries: [Query]

    /// Builds the query set.
    /// - Parameters:
    ///   - parties: the lists' entries, all scripts; the index gets their Latin-script names only.
    ///   - negatives: names of people on no list, with birth date and nationality where known.
    ///   - sample: how many parties get a Latin variant query.
    ///   - seed: the generator's seed.
    public init(parties: [ListedParty], negatives: [ScreeningQuery], sample: Int = 2000, seed: UInt64 = 20261123) {
        var random = SplitMix64(seed: seed)
        var indexed: [ListedParty] = []
        var queries: [Query] = []
        var heldOut: [(Int, String)] = []
        for party in parties {
            var latin = party
            latin.names = party.names.filter { Script.dominant(in: $0) == .latin }
            let others = party.names.filter { Script.dominant(in: $0) != .latin }
            guard !latin.names.isEmpty else { continue }
            for name in others { heldOut.append((indexed.count, name)) }
            indexed.append(latin)
        }
        // Original-script names of entries whose Latin names are indexed.
        // Organisation names in other scripts are mostly translations ("沈忠國際海運有限公司" for
        // "SHEN ZHONG INTERNATIONAL SHIPPING"), which transliteration cannot reach; they are
        // reported apart as "script-organisation" and left out of the headline figures.
        for (party, name) in heldOut {
            let variant = indexed[party].kind == .person ? "script" : "script-organisation"
            queries.append(Query(query: ScreeningQuery(name: name), expected: party, variant: variant, script: Script.dominant(in: name)))
        }
        // Latin variants of a sample of entries.
        let kinds = VariantKind.allCases
        var order = Array(indexed.indices)
        random.shuffle(&order)
        for party in order.prefix(sample) {
            let names = indexed[party].names
            let name = names[random.next(below: names.count)]
            var kind = kinds[random.next(below: kinds.count)]
            var variant = Self.variant(of: name, kind: kind, kindOfParty: indexed[party].kind, random: &random)
            if variant == nil || variant == name {
                kind = .typo
                variant = Self.variant(of: name, kind: .typo, kindOfParty: indexed[party].kind, random: &random)
            }
            guard let text = variant, text != name, !NameNormalizer.normalize(text).tokens.isEmpty else { continue }
            queries.append(Query(query: ScreeningQuery(name: text), expected: party, variant: kind.rawValue, script: Script.dominant(in: text)))
        }
        queries += Self.classQueries(indexed: indexed, sample: sample / 4, random: &random)
        for negative in negatives {
            queries.append(Query(query: negative, expected: nil, variant: "negative", script: Script.dominant(in: negative.name)))
        }
        self.parties = indexed
        self.queries = queries
    }

    /// Runs the queries through `matcher` (built over ``parties``) and reports.
    public func evaluate(_ matcher: NameMatcher) -> Report {
        evaluate(results: queries.map { matcher.screen($0.query).map(\.partyIndex) }, threshold: matcher.parameters.threshold)
    }

    /// Reports on given results: for each query, the party indexes raised, best first.
    public func evaluate(results: [[Int]], threshold: Double) -> Report {
        var truePositives = 0, falsePositives = 0, positives = 0, negatives = 0, top1 = 0
        var variantTotals: [String: (Int, Int)] = [:]
        var scriptTotals: [String: (Int, Int)] = [:]
        var negativeScripts: [String: (Int, Int)] = [:]
        var examples: [String] = []
        var exampleCounts: [String: Int] = [:]
        func example(_ key: String, _ text: @autoclosure () -> String) {
            exampleCounts[key, default: 0] += 1
            if exampleCounts[key]! <= 8 { examples.append(text()) }
        }
        for (query, raised) in zip(queries, results) {
            let script = Self.reportingScript(query.script)
            if query.variant == "script-organisation", let expected = query.expected {
                let hit = raised.contains(expected)
                variantTotals[query.variant, default: (0, 0)].0 += hit ? 1 : 0
                variantTotals[query.variant, default: (0, 0)].1 += 1
                continue
            }
            if let expected = query.expected {
                positives += 1
                let hit = raised.contains(expected)
                if hit { truePositives += 1 } else if !raised.isEmpty { falsePositives += 1 }
                if raised.first == expected { top1 += 1 }
                variantTotals[query.variant, default: (0, 0)].0 += hit ? 1 : 0
                variantTotals[query.variant, default: (0, 0)].1 += 1
                scriptTotals[script, default: (0, 0)].0 += hit ? 1 : 0
                scriptTotals[script, default: (0, 0)].1 += 1
                if !hit {
                    example("miss \(script) \(query.variant)", "miss [\(script) \(query.variant)] '\(query.query.name)' for '\(parties[expected].names[0])'")
                }
            } else {
                negatives += 1
                negativeScripts[script, default: (0, 0)].1 += 1
                if !raised.isEmpty {
                    falsePositives += 1
                    negativeScripts[script, default: (0, 0)].0 += 1
                    example("false \(script)", "false alert [\(script)] '\(query.query.name)' → '\(parties[raised[0]].names[0])'")
                }
            }
        }
        let precision = truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives)
        let recall = positives == 0 ? 0 : Double(truePositives) / Double(positives)
        return Report(
            threshold: threshold, positives: positives, negatives: negatives, truePositives: truePositives,
            falsePositives: falsePositives, precision: precision, recall: recall,
            f1: precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall),
            top1: positives == 0 ? 0 : Double(top1) / Double(positives),
            recallByVariant: variantTotals.mapValues { Double($0.0) / Double($0.1) },
            recallByScript: scriptTotals.mapValues { Double($0.0) / Double($0.1) },
            falsePositiveRateByScript: negativeScripts.mapValues { Double($0.0) / Double($0.1) },
            negativesByScript: negativeScripts.mapValues(\.1),
            examples: examples)
    }

    /// The script a figure is reported under: each script the matcher tells apart (Latin,
    /// Cyrillic, Greek, Arabic, Hebrew, Han, Hangul, kana, Devanagari, Thai), and "other" for the
    /// rest (Georgian, Armenian, Ethiopic, Khmer, Lao, other Indic scripts, …).
    public static func reportingScript(_ script: Script) -> String {
        script.rawValue
    }

    /// Names of people on no list, from a CSV with `full_name` and optionally `date_of_birth`,
    /// `nationality` columns (the layout of `names/negatives_*.csv`).
    public static func negatives(csv: String, withSupportingData: Bool) throws(LiaisonError) -> [ScreeningQuery] {
        let records = try CSVReader().records(csv)
        guard let header = records.first?.fields, let nameColumn = header.firstIndex(of: "full_name") else {
            throw LiaisonError(.invalidInput, "negatives file has no full_name column")
        }
        let dob = header.firstIndex(of: "date_of_birth"), nationality = header.firstIndex(of: "nationality")
        return records.dropFirst().compactMap { record in
            guard record.fields.count > nameColumn, !record.fields[nameColumn].isEmpty else { return nil }
            return ScreeningQuery(
                name: record.fields[nameColumn], kind: .person,
                birthDate: withSupportingData ? dob.flatMap { record.fields.count > $0 && !record.fields[$0].isEmpty ? record.fields[$0] : nil } : nil,
                country: withSupportingData ? nationality.flatMap { record.fields.count > $0 ? Countries.code(for: record.fields[$0]) : nil } : nil)
        }
    }

    /// Persons from a CSV with a `full_name` column (the layout of `names/positives_*.csv`), as
    /// list entries.
    public static func parties(csv: String, idPrefix: String) throws(LiaisonError) -> [ListedParty] {
        let records = try CSVReader().records(csv)
        guard let header = records.first?.fields, let nameColumn = header.firstIndex(of: "full_name") else {
            throw LiaisonError(.invalidInput, "positives file has no full_name column")
        }
        let dob = header.firstIndex(of: "date_of_birth")
        return records.dropFirst().enumerated().compactMap { offset, record in
            guard record.fields.count > nameColumn, !record.fields[nameColumn].isEmpty else { return nil }
            let date = dob.flatMap { record.fields.count > $0 && !record.fields[$0].isEmpty ? record.fields[$0] : nil }
            return ListedParty(id: "\(idPrefix)\(offset + 1)", kind: .person, names: [record.fields[nameColumn]], birthDates: date.map { [$0] } ?? [])
        }
    }

    // MARK: Classes of real queries

    /// Queries of the classes users meet every day and the Latin variants do not cover, drawn
    /// after them (so that adding a class does not change the others):
    /// - `fewer-parts`: a person's given name and surname only, against a listed name of three
    ///   parts or more ("Youssef Haddad" for "Youssef Abd al-Karim Haddad");
    /// - `arabic-script-foreign`: a person whose name is not Arabic (the US Congress list, and
    ///   list entries of Russian, Ukrainian, Belarusian, Chinese, Korean, Latin American or
    ///   European nationality), written in Arabic script as an Arabic-speaking clerk writes it;
    /// - `arabic-script-organisation`: an organisation's name transliterated into Arabic script
    ///   ("أطلس شيب مانجمنت" for "ATLAS SHIP MANAGEMENT").
    static func classQueries(indexed: [ListedParty], sample: Int, random: inout SplitMix64) -> [Query] {
        var out: [Query] = []
        var order = Array(indexed.indices)
        random.shuffle(&order)
        var counts: [String: Int] = [:]
        func add(_ text: String, _ party: Int, _ variant: String) {
            guard counts[variant, default: 0] < sample, !NameNormalizer.normalize(text).tokens.isEmpty else { return }
            counts[variant, default: 0] += 1
            out.append(Query(query: ScreeningQuery(name: text), expected: party, variant: variant, script: Script.dominant(in: text)))
        }
        for party in order {
            let listed = indexed[party]
            let name = listed.names[random.next(below: listed.names.count)]
            let reading = readingOrder(name)
            if listed.kind == .person {
                let parts = reading.filter { !NameNormalizer.isParticle($0.lowercased()) && $0.count > 1 }
                if parts.count >= 3, NameNormalizer.normalize(reading.joined(separator: " ")).tokens.count >= 3 {
                    add(parts[0] + " " + parts[parts.count - 1], party, "fewer-parts")
                }
                if listed.id.hasPrefix("congress-") || !Set(listed.countries).isDisjoint(with: foreignOrigins) {
                    add(toArabic(reading.joined(separator: " "), random: &random), party, "arabic-script-foreign")
                }
            } else if listed.kind == .organization, reading.count >= 2, reading.allSatisfy({ $0.allSatisfy(\.isLetter) }) {
                add(toArabic(reading.joined(separator: " "), random: &random), party, "arabic-script-organisation")
            }
        }
        return out
    }

    /// Nationalities whose names are not Arabic names, as ISO 3166-1 alpha-2 codes.
    static let foreignOrigins: Set<String> = ["ru", "ua", "by", "kz", "cn", "kp", "kr", "ve", "co", "mx", "cu", "ni", "es", "pe",
                                               "ar", "br", "pa", "gb", "us", "fr", "de", "it", "rs", "ba", "md", "ge", "am", "bg", "pl"]

    /// "LAST, First Middle" as "First Middle LAST"; other names as written.
    static func readingOrder(_ name: String) -> [String] {
        let parts = name.split(separator: ",", maxSplits: 1).map { $0.split(separator: " ").map(String.init) }
        return parts.count == 2 ? parts[1] + parts[0] : parts.first ?? []
    }

    /// A Latin name written in Arabic script the way Arabic-speaking clerks and press write
    /// foreign names: consonants by sound (p as ب, v as ف or ڤ, g as غ or ج, ch as تش or ش), a
    /// word's first vowel with alif, long and stressed vowels with ا, ي, و and some short ones
    /// left out, doubled letters once. Each choice a clerk makes differently is drawn at random.
    static func toArabic(_ text: String, random: inout SplitMix64) -> String {
        func pick(_ options: [String]) -> String { options[random.next(below: options.count)] }
        let vowels: Set<Character> = ["a", "e", "i", "o", "u", "y"]
        var words: [String] = []
        for word in text.lowercased().folding(options: .diacriticInsensitive, locale: nil).split(separator: " ") {
            let letters = Array(word.filter { $0.isLetter })
            guard letters.count > 1 else { continue }  // initials are left out
            var out = ""
            var index = 0
            while index < letters.count {
                let c = letters[index]
                let next: Character? = index + 1 < letters.count ? letters[index + 1] : nil
                let first = index == 0
                if let next, next == c, !vowels.contains(c) { index += 1; continue }  // doubled consonant
                let pair = next.map { String([c, $0]) } ?? ""
                let digraphs: [String: [String]] = ["sh": ["ش"], "ch": ["تش", "ش"], "kh": ["خ"], "zh": ["ج", "ج"], "th": ["ث", "ت"],
                                                     "ph": ["ف"], "gh": ["غ"], "ck": ["ك"], "ts": ["تس"], "tz": ["تس"], "qu": ["كو"]]
                if let options = digraphs[pair] {
                    out += pick(options)
                    index += 2
                    continue
                }
                // A y before a vowel is a consonant ("Yuri", "Maya").
                if vowels.contains(c), !(c == "y" && next.map { vowels.contains($0) && $0 != "y" } == true) {
                    // Vowel runs ("ei", "ou", "ia") are written as one long vowel.
                    var run = String(c)
                    while index + 1 < letters.count, vowels.contains(letters[index + 1]), run.count < 2 { index += 1; run.append(letters[index]) }
                    let atEnd = index == letters.count - 1
                    let lead = run.first!
                    if first {
                        out += lead == "o" || lead == "u" ? "أو" : (lead == "a" ? "أ" : "إي")
                    } else if atEnd {
                        out += lead == "a" && run.count == 1 ? pick(["ا", "ا", "ة"]) : (lead == "o" || lead == "u" ? "و" : (run == "e" ? pick(["", "ي"]) : (lead == "a" ? "اي" : "ي")))
                    } else {
                            // Foreign names are written with most of their vowels; some short ones fall.
                        switch lead {
                        case "a": out += pick(["ا", "ا", "ا", "ا", ""])
                        case "e": out += pick(["ي", "ي", ""])
                        case "i", "y": out += pick(["ي", "ي", "ي", "ي", ""])
                        default: out += pick(["و", "و", "و", "و", ""])
                        }
                    }
                    index += 1
                    continue
                }
                let letter: String
                switch c {
                case "b", "p": letter = "ب"
                case "c": letter = next.map { "eiy".contains($0) } == true ? "س" : "ك"
                case "d": letter = "د"
                case "f": letter = "ف"
                case "g": letter = next.map { "eiy".contains($0) } == true ? pick(["ج", "غ"]) : pick(["غ", "غ", "ج"])
                case "h": letter = "ه"
                case "j": letter = "ج"
                case "k": letter = "ك"
                case "q": letter = pick(["ك", "ق"])
                case "l": letter = "ل"
                case "m": letter = "م"
                case "n": letter = "ن"
                case "r": letter = "ر"
                case "s": letter = "س"
                case "t": letter = "ت"
                case "v": letter = pick(["ف", "ف", "ڤ"])
                case "w": letter = "و"
                case "x": letter = "كس"
                case "y": letter = "ي"
                case "z": letter = "ز"
                default: letter = ""
                }
                out += letter
                index += 1
            }
            if !out.isEmpty { words.append(out) }
        }
        return words.joined(separator: " ")
    }

    // MARK: Variants

    enum VariantKind: String, CaseIterable {
        case typo, tokenOrder, missingMiddle, diacritics, romanisation, glued, split, cyrillic
    }

    static func variant(of name: String, kind: VariantKind, kindOfParty: PartyKind, random: inout SplitMix64) -> String? {
        var tokens = name.replacingOccurrences(of: ",", with: " ").split(separator: " ").map(String.init)
        guard !tokens.isEmpty else { return nil }
        switch kind {
        case .typo:
            // A typo in a word of five letters or more. Codes ("EP-MHL", "P-671": aircraft
            // registrations, hull numbers) are identifiers, where one changed character names
            // another aircraft; they get no typo.
            let candidates = tokens.indices.filter { tokens[$0].count >= 5 && tokens[$0].allSatisfy { $0.isLetter || $0 == "'" || $0 == "’" } }
            guard let position = candidates.randomElement(using: &random) else { return nil }
            tokens[position] = typo(tokens[position], random: &random)
        case .tokenOrder:
            guard tokens.count >= 2 else { return nil }
            if name.contains(",") {
                // "LAST, First Middle" → "First Middle LAST"
                let parts = name.split(separator: ",", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return parts.count == 2 ? parts[1] + " " + parts[0] : nil
            }
            tokens = Array(tokens.dropFirst()) + [tokens[0]]
        case .missingMiddle:
            // "LAST, First Middle" is read as "First Middle LAST" first.
            if name.contains(",") {
                let parts = name.split(separator: ",", maxSplits: 1).map { $0.split(separator: " ").map(String.init) }
                if parts.count == 2 { tokens = parts[1] + parts[0] }
            }
            guard tokens.count >= 3, NameNormalizer.normalize(tokens.joined(separator: " ")).tokens.count >= 3, kindOfParty == .person else { return nil }
            tokens.remove(at: 1 + random.next(below: tokens.count - 2))
        case .diacritics:
            let folded = name.folding(options: .diacriticInsensitive, locale: nil)
            if folded != name { return folded }
            let accents: [Character: Character] = ["E": "É", "A": "Á", "O": "Ö", "U": "Ü", "C": "Ç", "N": "Ñ", "S": "Š", "I": "Í",
                                                   "e": "é", "a": "á", "o": "ö", "u": "ü", "c": "ç", "n": "ñ", "s": "š", "i": "í"]
            let positions = tokens.indices.filter { tokens[$0].contains(where: { accents[$0] != nil }) }
            guard let position = positions.randomElement(using: &random) else { return nil }
            var characters = Array(tokens[position])
            let letters = characters.indices.filter { accents[characters[$0]] != nil }
            let letter = letters[random.next(below: letters.count)]
            characters[letter] = accents[characters[letter]]!
            tokens[position] = String(characters)
        case .romanisation:
            // Companies keep their registered spelling; persons' names are romanised anew.
            guard kindOfParty == .person else { return nil }
            var changed = false
            for position in tokens.indices.shuffled(using: &random) where !changed {
                let lower = tokens[position].lowercased()
                for (from, to) in romanisations.shuffled(using: &random) where lower.contains(from) {
                    tokens[position] = lower.replacingOccurrences(of: from, with: to)
                    changed = true
                    break
                }
            }
            guard changed else { return nil }
        case .glued:
            guard tokens.count >= 2 else { return nil }
            let position = random.next(below: tokens.count - 1)
            tokens[position] += tokens[position + 1]
            tokens.remove(at: position + 1)
        case .split:
            let candidates = tokens.indices.filter { tokens[$0].count >= 8 }
            guard let position = candidates.randomElement(using: &random) else { return nil }
            let token = Array(tokens[position])
            let cut = 3 + random.next(below: token.count - 5)
            tokens[position] = String(token[..<cut])
            tokens.insert(String(token[cut...]), at: position + 1)
        case .cyrillic:
            guard kindOfParty == .person else { return nil }
            return toCyrillic(tokens.joined(separator: " "))
        }
        return tokens.joined(separator: " ")
    }

    /// Romanisation differences seen between lists, passports and press for the same names.
    static let romanisations: [(String, String)] = [
        ("mohammed", "muhammad"), ("muhammad", "mohamed"), ("mohamed", "mohammad"), ("ahmed", "ahmad"),
        ("hussein", "husain"), ("hussain", "hussein"), ("abdul", "abdel"), ("abdel", "abdul"), ("kh", "h"),
        ("ou", "u"), ("yu", "iu"), ("ya", "ia"), ("ks", "x"), ("x", "ks"), ("ii", "iy"), ("iy", "y"),
        ("ei", "ey"), ("ai", "ay"), ("sh", "sch"), ("ch", "tch"), ("oo", "u"), ("ee", "i"), ("q", "k"),
        ("dh", "d"), ("ph", "f"), ("zh", "j"), ("ov", "off"), ("ck", "k"), ("v", "w"),
        ("ue", "u"), ("oe", "o"), ("ae", "a"), ("y", "i"), ("ll", "l"), ("tt", "t"), ("ss", "s"),
    ]

    static func typo(_ token: String, random: inout SplitMix64) -> String {
        var characters = Array(token)
        let position = 1 + random.next(below: characters.count - 2)
        switch random.next(below: 4) {
        case 0: characters.remove(at: position)
        case 1: characters.swapAt(position, position + 1 < characters.count ? position + 1 : position - 1)
        case 2:
            let letters = Array(token.uppercased() == token ? "AEIOURSTNLM" : "aeiourstnlm")
            characters.insert(letters[random.next(below: letters.count)], at: position)
        default:
            let letters = Array(token.uppercased() == token ? "AEIOURSTNLM" : "aeiourstnlm")
            var replacement = characters[position]
            while replacement == characters[position] { replacement = letters[random.next(below: letters.count)] }
            characters[position] = replacement
        }
        return String(characters)
    }

    /// Latin to Cyrillic as Russian press writes foreign names (the reverse of BGN/PCGN).
    static func toCyrillic(_ text: String) -> String {
        let lower = text.lowercased()
        let digraphs: [(String, String)] = [("shch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"),
                                            ("yu", "ю"), ("ya", "я"), ("ye", "е"), ("ph", "ф"), ("th", "т"), ("ck", "к")]
        let letters: [Character: String] = ["a": "а", "b": "б", "c": "к", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х",
                                            "i": "и", "j": "дж", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п",
                                            "q": "к", "r": "р", "s": "с", "t": "т", "u": "у", "v": "в", "w": "в", "x": "кс",
                                            "y": "й", "z": "з"]
        var out = ""
        var index = lower.startIndex
        outer: while index < lower.endIndex {
            for (latin, cyrillic) in digraphs where lower[index...].hasPrefix(latin) {
                out += cyrillic
                index = lower.index(index, offsetBy: latin.count)
                continue outer
            }
            out += letters[lower[index]] ?? String(lower[index])
            index = lower.index(after: index)
        }
        return out.split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }
}

extension ScreeningEvaluation {
    /// The standard harness over `../shared/data`: the OFAC SDN list (2021 edition), the UN
    /// consolidated list, OpenSanctions' `zala` FollowTheMoney sample and the US Congress names
    /// as a politically-exposed-persons list; negatives from `names/negatives_*.csv`.
    /// - Parameters:
    ///   - sharedData: the `shared/data` directory.
    ///   - withSupportingData: give the negatives their dates of birth and nationalities, as a
    ///     screening user would; without, queries carry names only.
    public static func standard(sharedData: URL, sample: Int = 2000, withSupportingData: Bool = false, seed: UInt64 = 20261123) throws(LiaisonError) -> ScreeningEvaluation {
        func text(_ path: String) throws(LiaisonError) -> String {
            do { return try String(contentsOf: sharedData.appendingPathComponent(path), encoding: .utf8) } catch {
                throw LiaisonError(.invalidInput, "\(path): \(error.localizedDescription)")
            }
        }
        var parties = try OFACList.parse(directory: sharedData.appendingPathComponent("sanctions/ofac")).parties
        let un: Data
        do { un = try Data(contentsOf: sharedData.appendingPathComponent("sanctions/un/UN_consolidated.xml")) } catch {
            throw LiaisonError(.invalidInput, "sanctions/un/UN_consolidated.xml: \(error.localizedDescription)")
        }
        parties += try UNList.parse(un).parties
        parties += try FollowTheMoneyList.parse(text("sanctions/ftm/zala.ftm.json")).parties
        parties += try Self.parties(csv: text("names/positives_us_congress.csv"), idPrefix: "congress-")
        let negatives = try Self.negatives(csv: text("names/negatives_global_1k.csv"), withSupportingData: withSupportingData)
            + Self.negatives(csv: text("names/negatives_us_1k.csv"), withSupportingData: withSupportingData)
        return ScreeningEvaluation(parties: parties, negatives: negatives, sample: sample, seed: seed)
    }
}

extension ScreeningEvaluation {
    /// The parties plus synthetic persons up to `names` indexed names in all, for the scale
    /// benchmarks (the "1 million list names"). Synthetic names combine given names and
    /// surnames drawn from the real list names, so they share tokens with the real entries as a
    /// large real list would; the labelled queries stay those of the real entries.
    public func scaled(toNames names: Int, seed: UInt64 = 7) -> [ListedParty] {
        var random = SplitMix64(seed: seed)
        var given: [String] = [], family: [String] = []
        for party in parties where party.kind == .person {
            let tokens = party.names[0].replacingOccurrences(of: ",", with: " ").split(separator: " ").map(String.init).filter { $0.count >= 3 }
            guard tokens.count >= 2 else { continue }
            if party.names[0].contains(",") { family.append(tokens[0]); given.append(tokens[1]) } else { given.append(tokens[0]); family.append(tokens[tokens.count - 1]) }
        }
        var out = parties
        var count = parties.reduce(0) { $0 + $1.names.count }
        var serial = 0
        while count < names, !given.isEmpty {
            serial += 1
            let middle = random.next(below: 3) == 0 ? " " + given[random.next(below: given.count)] : ""
            let name = given[random.next(below: given.count)] + middle + " " + family[random.next(below: family.count)]
            out.append(ListedParty(id: "synthetic-\(serial)", kind: .person, names: [name], birthDates: ["\(1940 + random.next(below: 60))"]))
            count += 1
        }
        return out
    }
}
