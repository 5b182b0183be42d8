/// A name reduced to what matching compares: ASCII tokens in their order, with legal forms and
/// honorifics set aside (they say what kind of party this is, not which one).
public struct NormalizedName: Sendable, Hashable {
    /// The distinguishing tokens, lower-case ASCII, in the order written.
    public var tokens: [String]
    /// Legal forms found ("llc", "ooo", "gmbh", "sa"); they mark an organisation.
    public var legalForms: [String]
    /// Honorifics and titles dropped ("mr", "dr", "sheikh").
    public var honorifics: [String]
    /// The script the name was written in.
    public var script: Script
    /// For each token, its other readings (empty but for Arabic-script names, whose letters
    /// such as ظ or ق lists romanise in more than one way; see ``Transliteration``).
    public var alternatives: [[String]] = []
    /// For each token, the syllable group it belongs to, if any: the tokens of one Korean given
    /// name ("byeong", "cheol"), which match together or not at all.
    public var groups: [Int?] = []

    /// The tokens joined by single spaces.
    public var text: String { tokens.joined(separator: " ") }
}

/// Normalisation of names for matching: transliteration to Latin, case and diacritic folding,
/// punctuation, honorifics and legal forms (see ``Transliteration`` for the scripts).
public enum NameNormalizer {
    /// Normalises `name`.
    /// - Parameter name: a name as written on a list or typed by a user, in any script.
    /// - Returns: the tokens with legal forms and honorifics set aside; a name made only of a
    ///   legal form or a title keeps it as a token so that it still has something to compare.
    public static func normalize(_ name: String) -> NormalizedName {
        let script = Script.dominant(in: name)
        let latinised = Transliteration.latiniseTokens(name)
        var readings: [String: [String]] = [:]
        var groups: [String: Int] = [:]
        let spelledLegalForms = Set(latinised.filter(\.isLegalForm).map(\.text))
        for token in latinised {
            if !token.alternatives.isEmpty { readings[token.text] = token.alternatives }
            if let group = token.group { groups[token.text] = group }
        }
        var raw = latinised.map(\.text)
        raw = mergingSingleLetterLegalForms(raw)
        raw = mergingLegalFormPhrases(raw)
        var tokens: [String] = []
        var legal: [String] = []
        var titles: [String] = []
        // A script without vowels transliterates into consonant clusters that look like legal
        // forms ("عسل" → "sl"); there only the written-out phrases count.
        let abjad = script == .arabic || script == .hebrew
        for (position, token) in raw.enumerated() {
            if spelledLegalForms.contains(token) || (abjad ? isWrittenLegalForm(token, readings: readings[token] ?? [], alone: raw.count == 1 && position == 0) : isLegalForm(token)) {
                legal.append(token)
            } else if honorifics.contains(token) {
                titles.append(token)
            } else {
                tokens.append(token)
            }
        }
        if tokens.isEmpty {
            // "LLC" alone, or "Sheikh": nothing else identifies the party, so keep what there is.
            tokens = raw
            legal = []
            titles = []
        }
        return NormalizedName(tokens: tokens, legalForms: legal, honorifics: titles, script: script,
                              alternatives: tokens.map { readings[$0] ?? [] }, groups: tokens.map { groups[$0] })
    }

    /// Whether a token of a name in Arabic or Hebrew script is a legal form: translated
    /// ("شركة" → company), or written out in letters whose consonants are those of a long form
    /// ("كومباني", kwmbany, company; "ليميتد", limited; "لتد", ltd).
    static func isWrittenLegalForm(_ token: String, readings: [String], alone: Bool) -> Bool {
        guard !alone else { return false }
        if token.count >= 3, legalForms.contains(token) { return true }
        return ([token] + readings).contains { legalFormSkeletons.contains(skeleton(Array($0.utf8))) }
    }

    /// Consonant skeletons of the legal forms that Arabic-script names transliterate letter by
    /// letter: three consonants or more, so that a name's consonants cannot pass for one.
    private static let legalFormSkeletons: Set<[UInt8]> = Set(
        ["company", "limited", "corporation", "incorporated", "ltd", "gmbh", "holding"].map { skeleton(Array($0.utf8)) })

    /// Joins runs of one-letter tokens that spell a legal form: "s a de c v" → "sa de cv",
    /// "l l c" → "llc", "sp z o o" → "spzoo". Initials of persons ("j p morgan") stay apart.
    static func mergingSingleLetterLegalForms(_ tokens: [String]) -> [String] {
        var out: [String] = []
        var index = 0
        while index < tokens.count {
            // "sp z o o": a two-letter start followed by single letters.
            var end = index
            var joined = ""
            var best: (end: Int, form: String)?
            while end < tokens.count, tokens[end].count == 1 || (end == index && tokens[end].count == 2) {
                joined += tokens[end]
                // Only where a legal form stands: at the end, or before "de" ("S.A. de C.V.");
                // "Nan A. S. Hayworth" keeps her initials.
                let atEnd = end + 1 == tokens.count || tokens[end + 1] == "de"
                if end > index, atEnd, legalForms.contains(joined) { best = (end, joined) }
                end += 1
            }
            if let best {
                out.append(best.form)
                index = best.end + 1
            } else {
                out.append(tokens[index])
                index += 1
            }
        }
        return out
    }

    /// Replaces legal forms written out in words ("obshchestvo s ogranichennoy otvetstvennostyu",
    /// "limited liability company") by their abbreviation.
    static func mergingLegalFormPhrases(_ tokens: [String]) -> [String] {
        guard tokens.count >= 2 else { return tokens }
        var out: [String] = []
        var index = 0
        outer: while index < tokens.count {
            for (phrase, form) in legalFormPhrases where tokens.count - index >= phrase.count {
                if tokens[index..<(index + phrase.count)].elementsEqual(phrase) {
                    out.append(form)
                    index += phrase.count
                    continue outer
                }
            }
            out.append(tokens[index])
            index += 1
        }
        return out
    }

    /// Whether `token` is a legal form, also when glued ("coltd", "companylimited") or mistyped
    /// ("corpoation", "litited": one edit from a legal form of six letters or more).
    static func isLegalForm(_ token: String) -> Bool {
        if legalForms.contains(token) || gluedLegalForms.contains(token) { return true }
        let bytes = Array(token.utf8)
        if bytes.count >= 6 {
            // A misspelt legal form keeps its first letter ("corpoation", "litited").
            for form in longLegalForms where form[0] == bytes[0] && abs(form.count - bytes.count) <= 1 && JaroWinkler.similarity(bytes, form) >= 0.93 {
                return true
            }
        }
        return false
    }

    /// Two legal forms written together ("coltd", "companylimited").
    private static let gluedLegalForms: Set<String> = Set(legalForms.flatMap { a in legalForms.map { a + $0 } })

    private static let longLegalForms: [[UInt8]] = legalForms.filter { $0.count >= 6 }.map { Array($0.utf8) }

    /// Legal forms written out, longest first, in their transliterated spelling.
    static let legalFormPhrases: [([String], String)] = [
        ("obshchestvo s ogranichennoy otvetstvennostyu", "ooo"), ("obshchestvo s ogranichennoi otvetstvennostiu", "ooo"),
        ("tovarystvo z obmezhenoyu vidpovidalnistyu", "tov"), ("publichnoe aktsionernoe obshchestvo", "pao"),
        ("zakrytoe aktsionernoe obshchestvo", "zao"), ("otkrytoe aktsionernoe obshchestvo", "oao"),
        ("aktsionernoe obshchestvo", "ao"), ("aktsionerne tovarystvo", "at"), ("limited liability company", "llc"),
        ("limited liability partnership", "llp"), ("closed joint stock company", "cjsc"), ("open joint stock company", "ojsc"),
        ("public joint stock company", "pjsc"), ("joint stock company", "jsc"), ("public limited company", "plc"),
        ("sociedad anonima", "sa"), ("sociedade anonima", "sa"), ("societe anonyme", "sa"),
        ("gesellschaft mit beschrankter haftung", "gmbh"), ("you xian gong si", "ltd"), ("gu fen you xian gong si", "ltd"),
    ].map { ($0.0.split(separator: " ").map(String.init), $0.1) }.sorted { $0.0.count > $1.0.count }

    /// Legal forms of companies in the jurisdictions that lists name most, in their normalised
    /// spelling (punctuation gone, one-letter runs joined).
    static let legalForms: Set<String> = [
        // English-speaking
        "llc", "lc", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "co", "company",
        "plc", "llp", "lp", "pllc", "pte", "pty", "cic",
        // German, Austrian, Swiss, Dutch, Belgian, Nordic
        "gmbh", "mbh", "ag", "kg", "ohg", "ug", "ev", "bv", "nv", "vof", "ab", "asa", "oy", "oyj",
        "aps", "hf", "ehf",
        // Romance languages and Latin America
        "sa", "sas", "sarl", "sl", "sll", "srl", "spa", "sapa", "sca", "scs", "snc", "sae", "sal",
        "ltda", "cv", "sacv", "sab", "eireli", "cia",
        // Central and Eastern Europe, former USSR
        "ooo", "oao", "zao", "pao", "ao", "at", "tov", "pat", "prat", "jsc", "ojsc", "cjsc", "pjsc", "ip",
        "chp", "tdv", "kft", "zrt", "nyrt", "bt", "sro", "as", "spzoo", "doo", "dd", "ad", "ead",
        "eood", "ood", "dooel",
        // Middle East, Asia
        "fze", "fzco", "fzc", "fzllc", "wll", "est", "saog", "saoc", "pt", "tbk", "bhd", "sdn",
        "kk", "yk", "gk", "pvt",
    ]

    /// Honorifics and religious or military titles that lists and users add or leave out.
    static let honorifics: Set<String> = [
        "mr", "mrs", "ms", "miss", "mme", "mlle", "dr", "prof", "sir", "dame", "hon", "rev",
        "sheikh", "shaikh", "shaykh", "sheik", "haji", "hajji", "hadji", "alhaji", "alhaj",
        "mullah", "mulla", "maulana", "mawlawi", "maulavi", "maulvi", "sayyid", "sayed", "syed", "jr", "sr",
        // As Arabic script writes them, transliterated: شيخ, ملا, حاج, حاجي, مولوي, مولانا, دكتور.
        "shykh", "mla", "mlla", "haj", "hajy", "mwlwy", "mwlana", "dktwr",
    ]

    /// Whether a normalised token is an article or a particle of filiation or origin ("al", "bin", "van").
    public static func isParticle(_ token: String) -> Bool { particles.contains(Array(token.utf8)) }

    /// Articles and particles of filiation or origin, which lists and users add or leave out.
    static let particles: Set<[UInt8]> = Set([
        "al", "el", "ul", "bin", "ben", "ibn", "bint", "abu", "abou", "bou", "ould", "ag", "de", "del", "da", "di",
        "du", "dos", "das", "van", "von", "der", "den", "la", "le", "y", "e",
        // As Arabic script writes them, transliterated: بن, بنت, أبو, ولد.
        "bn", "bnt", "abw", "wld",
    ].map { Array($0.utf8) })

    /// A consonant skeleton of a token, the key under which transliteration variants meet:
    /// "mohammed", "muhammad" and Arabic-script "mhmd" all give "mhmd"; "aleksandr" and
    /// "alexander" give "lksndr"; "hussein" and "hsyn" give "hsn".
    ///
    /// Rules: digraphs first (kh→h, ph→f, th→t, dh→d, gh→g, sh/sch→s, zh/dzh/dj→j, ck/q/c→k,
    /// x→ks, z→s); then vowels, y, w and v are dropped (v and w stand for the same Arabic and
    /// Persian letter as the vowel u; Arabic script writes neither short vowels nor the ʿayn that
    /// romanisations render as a leading vowel: "aziz" and "ʿzyz"); doubled letters collapse.
    static func skeleton(_ token: [UInt8]) -> [UInt8] {
        skeleton(ofPhonetic: phonetic(token))
    }

    /// The skeleton and, for a token with a soft c or a "ch" ("Lounici", "Belgacem", "Alouche"
    /// as French and Spanish spell them), the skeleton of that reading too, where c and ch
    /// sound s and sh.
    static func skeletons(_ token: [UInt8]) -> [[UInt8]] {
        let primary = skeleton(token)
        guard token.contains(UInt8(ascii: "c")) else { return [primary] }
        let soft = skeleton(ofPhonetic: phonetic(token, softC: true))
        return soft == primary ? [primary] : [primary, soft]
    }

    private static func skeleton(ofPhonetic mapped: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for c in mapped where !vowelLike.contains(c) && out.last != c {
            out.append(c)
        }
        return out
    }

    /// Whether two tokens of equal length differ only where one writes y and the other i.
    static func differOnlyInYAndI(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count, a != b else { return false }
        let (y, i) = (UInt8(ascii: "y"), UInt8(ascii: "i"))
        return zip(a, b).allSatisfy { $0 == $1 || ($0 == y && $1 == i) || ($0 == i && $1 == y) }
    }

    /// Whether `latin` starts with a vowel that `abjad`, a token transliterated from a script
    /// that always writes a word's first vowel (with alif or ʿayn), does not have: "ehsan" is not
    /// "hsyn" (Husayn).
    static func unwrittenInitialVowel(abjad: [UInt8], latin: [UInt8]) -> Bool {
        guard let first = latin.first, let written = abjad.first else { return false }
        return initialVowels.contains(first) && !vowelLike.contains(written)
    }

    /// Whether `abjad` starts with a vowel (an alif or ʿayn the script writes) that `latin`,
    /// starting with a consonant, does not spell: "ashaq" (اسحاق) is not "cicko".
    static func unspelledInitialVowel(abjad: [UInt8], latin: [UInt8]) -> Bool {
        guard let first = latin.first, let written = abjad.first else { return false }
        return initialVowels.contains(written) && !initialVowels.contains(first)
    }

    private static let initialVowels: Set<UInt8> = Set("aeiou".utf8)
    private static let digraphStarts: Set<UInt8> = Set("tkdsgcz".utf8)

    /// For a token transliterated from a script that writes long vowels but not short ones
    /// (Arabic, Hebrew): how many of its long vowels have no vowel of their kind at the same place
    /// between the consonants of `latin` (a written ي needs an i, e or y there; a written و an o,
    /// u, w or v), and whether the last one is among them. "hsny" (حسني, Husni) against "hasan"
    /// misses its final long i; against "husni" it misses nothing; "hsyn" (Husayn) against
    /// "hashan" has an a where the y is. Tokens with different skeletons count zero.
    static func longVowelMismatches(abjad: [UInt8], latin: [UInt8]) -> (count: Int, final: Bool) {
        let written = vowelSlots(phonetic(abjad)), spelled = vowelSlots(phonetic(latin))
        guard written.count == spelled.count else { return (0, false) }
        var count = 0
        var final = false
        // A final i the Latin spells ("MOHAMMADI", "HAMADI") is a ي or ی the script writes:
        // "mhmd" is Mohammad, not Mohammadi.
        if let letters = written.last, letters.isEmpty, let spelling = spelled.last,
           spelling.contains(UInt8(ascii: "i")) || spelling == [UInt8(ascii: "y")] {
            final = true
            count += 1
        }
        for (slot, (letters, spelling)) in zip(written, spelled).enumerated() where !letters.isEmpty {
            let wrong = spelling.isEmpty
                || (letters.contains(UInt8(ascii: "y")) && !spelling.contains(where: { iLike.contains($0) }))
                || (letters.contains(UInt8(ascii: "w")) && !spelling.contains(where: { uLike.contains($0) }))
            guard wrong else { continue }
            count += 1
            if slot == written.count - 1 { final = true }
        }
        return (count, final)
    }

    /// The vowel letters in each gap around the skeleton's consonants (before the first,
    /// between, after the last).
    private static func vowelSlots(_ mapped: [UInt8]) -> [[UInt8]] {
        var slots: [[UInt8]] = [[]]
        var last: UInt8 = 0
        for c in mapped {
            if vowelLike.contains(c) {
                slots[slots.count - 1].append(c)
            } else if c != last {
                slots.append([])
                last = c
            }
        }
        return slots
    }

    private static let iLike: Set<UInt8> = Set("iey".utf8)
    private static let uLike: Set<UInt8> = Set("ouwv".utf8)

    /// Whether `latin` spells a letter that `abjad` (a token transliterated from Arabic script)
    /// would have written differently: "kh" is only خ, which the transliteration writes "kh", so
    /// "khan" is not "hanyh" (هانيه).
    static func conflictingLetters(abjad: [UInt8], latin: [UInt8]) -> Bool {
        contains(latin, "k", "h") && !contains(abjad, "k", "h")
    }

    private static func contains(_ token: [UInt8], _ first: Unicode.Scalar, _ second: Unicode.Scalar) -> Bool {
        guard token.count >= 2 else { return false }
        for index in 0..<(token.count - 1) where token[index] == UInt8(ascii: first) && token[index + 1] == UInt8(ascii: second) {
            return true
        }
        return false
    }

    /// Digraphs and letters that romanisations interchange, mapped to one letter (see
    /// ``skeleton(_:)``); vowels are kept.
    private static func phonetic(_ token: [UInt8], softC: Bool = false) -> [UInt8] {
        var mapped: [UInt8] = []
        mapped.reserveCapacity(token.count + 2)
        var index = 0
        @inline(__always) func at(_ offset: Int) -> UInt8 {
            index + offset < token.count ? token[index + offset] : 0
        }
        while index < token.count {
            let c = token[index]
            let next = at(1)
            // "thh", "zhh": a letter, then h as a letter of its own (the transliteration doubles
            // an h that would otherwise read as the second half of a digraph).
            if next == UInt8(ascii: "h"), at(2) == UInt8(ascii: "h"), digraphStarts.contains(c) {
                mapped.append(c == UInt8(ascii: "c") ? UInt8(ascii: "k") : (c == UInt8(ascii: "z") ? UInt8(ascii: "s") : c))
                mapped.append(UInt8(ascii: "h"))
                index += 3
                continue
            }
            switch (c, next) {
            case (UInt8(ascii: "k"), UInt8(ascii: "h")), (UInt8(ascii: "g"), UInt8(ascii: "h")),
                 (UInt8(ascii: "d"), UInt8(ascii: "h")), (UInt8(ascii: "t"), UInt8(ascii: "h")):
                mapped.append(c == UInt8(ascii: "k") ? UInt8(ascii: "h") : c)
                index += 2
            case (UInt8(ascii: "p"), UInt8(ascii: "h")):
                mapped.append(UInt8(ascii: "f")); index += 2
            case (UInt8(ascii: "f"), UInt8(ascii: "f")) where index > 0 && (token[index - 1] == UInt8(ascii: "o") || token[index - 1] == UInt8(ascii: "e")):
                // "-off", "-eff": the French and German spelling of the Russian "-ov", "-ev" (Popoff, Popov).
                mapped.append(UInt8(ascii: "v")); index += 2
            case (UInt8(ascii: "s"), UInt8(ascii: "c")) where at(2) == UInt8(ascii: "h"):
                mapped.append(UInt8(ascii: "s")); index += 3
            case (UInt8(ascii: "s"), UInt8(ascii: "h")):
                mapped.append(UInt8(ascii: "s")); index += 2
            case (UInt8(ascii: "d"), UInt8(ascii: "z")) where at(2) == UInt8(ascii: "h"):
                mapped.append(UInt8(ascii: "j")); index += 3
            case (UInt8(ascii: "z"), UInt8(ascii: "h")), (UInt8(ascii: "d"), UInt8(ascii: "j")):
                mapped.append(UInt8(ascii: "j")); index += 2
            case (UInt8(ascii: "c"), UInt8(ascii: "h")) where softC:
                mapped.append(UInt8(ascii: "s")); index += 2
            case (UInt8(ascii: "c"), UInt8(ascii: "e")) where softC, (UInt8(ascii: "c"), UInt8(ascii: "i")) where softC,
                 (UInt8(ascii: "c"), UInt8(ascii: "y")) where softC:
                mapped.append(UInt8(ascii: "s")); index += 1
            case (UInt8(ascii: "c"), UInt8(ascii: "k")):
                mapped.append(UInt8(ascii: "k")); index += 2
            case (UInt8(ascii: "c"), _), (UInt8(ascii: "q"), _):
                mapped.append(UInt8(ascii: "k")); index += 1
            case (UInt8(ascii: "x"), _):
                mapped.append(UInt8(ascii: "k")); mapped.append(UInt8(ascii: "s")); index += 1
            case (UInt8(ascii: "z"), _):
                mapped.append(UInt8(ascii: "s")); index += 1
            default:
                mapped.append(c); index += 1
            }
        }
        return mapped
    }

    private static let vowelLike: Set<UInt8> = Set("aeiouywv".utf8)
}
