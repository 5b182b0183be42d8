import Foundation

/// The writing system a name is written in, as far as screening cares: it decides how the name
/// is transliterated and lets the evaluation report false-positive rates per script.
public enum Script: String, Sendable, Codable, CaseIterable {
    case latin, cyrillic, greek, arabic, hebrew, han, hangul, kana, devanagari, thai, other

    /// The script of most letters in `text`; `.latin` when there are none.
    public static func dominant(in text: String) -> Script {
        // Counts per script, in the order of allCases (no hashing: this runs for every query).
        var counts = [Int](repeating: 0, count: allCases.count)
        var latinOnly = true
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                // The common case, without a Unicode property lookup.
                if (0x41...0x5A).contains(scalar.value) || (0x61...0x7A).contains(scalar.value) { counts[0] += 1 }
            } else if scalar.properties.isAlphabetic {
                let script = of(scalar)
                if script != .latin { latinOnly = false }
                counts[allCases.firstIndex(of: script)!] += 1
            }
        }
        if latinOnly { return .latin }
        var best: Script = .latin
        var bestCount = -1
        for (index, script) in allCases.enumerated() where counts[index] > 0 {
            if counts[index] > bestCount || (counts[index] == bestCount && script.rawValue < best.rawValue) {
                best = script
                bestCount = counts[index]
            }
        }
        return best
    }

    static func of(_ scalar: Unicode.Scalar) -> Script {
        switch scalar.value {
        case 0x0041...0x024F, 0x1E00...0x1EFF: .latin
        case 0x0370...0x03FF, 0x1F00...0x1FFF: .greek
        case 0x0400...0x052F: .cyrillic
        case 0x0590...0x05FF: .hebrew
        case 0x0600...0x06FF, 0x0750...0x077F, 0xFB50...0xFDFF, 0xFE70...0xFEFF: .arabic
        case 0x0900...0x097F: .devanagari
        case 0x0E00...0x0E7F: .thai
        case 0x1100...0x11FF, 0x3130...0x318F, 0xAC00...0xD7AF: .hangul
        case 0x3040...0x30FF: .kana
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF: .han
        default: .other
        }
    }
}

/// Converts names in any script to lower-case ASCII Latin.
///
/// Cyrillic and Greek use tables of our own (close to BGN/PCGN and ELOT 743, the systems most
/// sanctions lists use, so that "Захарова" becomes "zakharova" as on the lists rather than ISO 9's
/// "zaharova"); they are the common non-Latin scripts in European lists and the tables are fast.
/// Arabic script (Arabic, Persian, Urdu, Pashto letters) also has a table of its own
/// (``arabicLetters``), because its romanisations differ by region in ways one spelling cannot
/// carry: ظ is "z" in Iraq and "d" in Somalia, ق is "q" in the Gulf and "g" in the Maghreb, ج is
/// "g" in Egypt. The table gives each such letter its alternatives, and ``latiniseTokens(_:)``
/// returns them with every token so that matching can try each reading. Every other script goes
/// through ICU's `Any-Latin` transform, which Foundation offers on Linux
/// (`String.applyingTransform(.toLatin)`), followed by diacritic stripping.
enum Transliteration {
    /// One token of a transliterated name, with its other readings (Arabic script only).
    struct Token: Equatable {
        var text: String
        /// Other spellings the same letters are romanised with, most likely first; at most eight.
        var alternatives: [String] = []
        /// Tokens with the same group are the syllables of one name (a Korean given name):
        /// one of them alone does not match that name.
        var group: Int?
        /// A legal form spelt in another script ("لك", LLC), to be set aside as legal forms are.
        var isLegalForm = false
    }

    /// The tokens of `text` transliterated, with alternatives for Arabic-script words.
    static func latiniseTokens(_ text: String) -> [Token] {
        guard text.unicodeScalars.contains(where: { let script = Script.of($0); return script == .arabic || script == .hangul }) else {
            return latinise(text).split(separator: " ").map { Token(text: String($0)) }
        }
        var out: [Token] = []
        var other = ""
        func flushOther() {
            if !other.isEmpty { out += latinise(other).split(separator: " ").map { Token(text: String($0)) } }
            other = ""
        }
        let words = text.split(whereSeparator: { $0.isWhitespace })
        let hangulParts = words.flatMap { word in
            word.unicodeScalars.contains(where: { (0xAC00...0xD7A3).contains($0.value) })
                ? word.split(whereSeparator: { !$0.isLetter }) : []
        }
        let surnamePart = hangulSurnamePart(hangulParts)
        var hangulWords = 0
        for (index, word) in words.enumerated() {
            if word.unicodeScalars.contains(where: { Script.of($0) == .arabic }) {
                flushOther()
                // Where legal forms stand: before or after the name, several in a row ("كو لتد", Co Ltd).
                let first = words[..<index].allSatisfy { arabicLegalForms[plainArabic($0)] != nil }
                let last = words[(index + 1)...].allSatisfy { arabicLegalForms[plainArabic($0)] != nil }
                if words.count > 1, let form = arabicLegalForm(word, first: first, last: last, in: words) {
                    out.append(Token(text: form, isLegalForm: true))
                    continue
                }
                out += arabicWord(word)
            } else if word.unicodeScalars.contains(where: { (0xAC00...0xD7A3).contains($0.value) }) {
                flushOther()
                for part in word.split(whereSeparator: { !$0.isLetter }) {
                    out += hangulWord(part, surname: hangulWords == surnamePart.index ? surnamePart.position : .none, group: hangulWords)
                    hangulWords += 1
                }
            } else {
                other += " " + word
            }
        }
        flushOther()
        return out
    }

    /// One whitespace-separated word containing Arabic letters: the article "ال" at its start
    /// becomes a token "al" of its own, as the lists write it ("AL-TIKRITI"); other characters
    /// (Latin letters, digits) are kept, punctuation separates tokens.
    private static func arabicWord(_ word: Substring) -> [Token] {
        let spelled = spelledArabicWord(word)
        guard let meaning = organisationWord(word) else { return spelled }
        // A word of an organisation's name translated ("للشحن", shipping): the English word,
        // as lists write the name, with the letters' reading as an alternative.
        return [Token(text: meaning, alternatives: spelled.last.map { [$0.text] + $0.alternatives.prefix(7) } ?? [])]
    }

    /// The legal form a short Arabic-script word spells where legal forms stand: "لك" LLC, "كو"
    /// Co, "فزي" FZE, "بلك" PLC, "أود" OOD at the end of a name; "أوو" OOO, "جسك" JSC, "تف" TOV at
    /// its start or end. Elsewhere the same letters are a name's ("كو" is also the Korean Ko).
    ///
    /// Forms whose letters are also a syllable of persons' names ("كو" Ko, "دو" Do, "سا", "او")
    /// count only in a name that shows it is an organisation's otherwise: three words or more, or
    /// another word that is a legal form or an organisation word.
    static func arabicLegalForm(_ word: Substring, first: Bool, last: Bool, in words: [Substring]) -> String? {
        guard first || last else { return nil }
        guard let (form, anywhere) = arabicLegalForms[plainArabic(word)], last || anywhere else { return nil }
        guard ambiguousArabicLegalForms.contains(form) else { return form }
        let others = words.filter { $0 != word }
        let organisation = words.count >= 3 || others.contains { other in
            organisationWord(other) != nil || arabicLegalForms[plainArabic(other)].map { !ambiguousArabicLegalForms.contains($0.0) } == true
        }
        return organisation ? form : nil
    }

    /// A word's letters without tatweel and vowel marks, alifs with hamza or madda as bare alif.
    static func plainArabic(_ word: Substring) -> String {
        String(word.unicodeScalars.filter { $0 != "\u{0640}" && !(0x064B...0x0652).contains($0.value) }
            .map { ["\u{0623}", "\u{0625}", "\u{0622}"].contains($0) ? "\u{0627}" : $0 }.map(Character.init))
    }

    /// Legal forms of one or two short syllables that persons' names also have.
    static let ambiguousArabicLegalForms: Set<String> = ["co", "sa", "oy", "ab", "ad", "doo", "nv", "bv", "ag", "sal", "ead", "eood", "llp", "tov", "pao", "zao", "oao"]

    /// Legal forms as Arabic-script writers spell them letter by letter (alifs with hamza written
    /// as bare alif), with whether they also stand at the start of a name (the Russian and
    /// Ukrainian forms do: "OOO Mokran", "TOV Profaktor").
    static let arabicLegalForms: [String: (String, Bool)] = {
        let atEnd: [(String, [String])] = [
            ("llc", ["لك", "ذمم", "ذ.م.م"]), ("ltd", ["لتد", "ليمتد", "ليميتد", "ليمتيد"]), ("co", ["كو"]), ("inc", ["انك", "انكوربوريتد"]),
            ("corp", ["كورب"]), ("plc", ["بلك"]), ("llp", ["للب", "لب"]), ("fze", ["فزي", "فز", "فزئي"]), ("fzco", ["فزكو"]), ("fzc", ["فزك", "فزسي"]),
            ("sal", ["سل", "شمل", "ش.م.ل"]), ("sa", ["سا"]), ("nv", ["نف"]), ("bv", ["بف"]), ("ag", ["اغ", "اج"]), ("gmbh", ["غمبه", "جمبه", "غمبح"]),
            ("oy", ["او", "اوي"]), ("ab", ["اب"]), ("ood", ["اود"]), ("eood", ["ايود", "ايد"]), ("ead", ["اياد", "ياد"]), ("ad", ["اد"]),
            ("doo", ["دو", "دوو"]), ("srl", ["سرل"]), ("sarl", ["سارل"]), ("spa", ["سبا"]), ("sro", ["سرو"]), ("wll", ["وول"]), ("bhd", ["بهد"]),
        ]
        let either: [(String, [String])] = [
            ("ooo", ["اوو", "اووو"]), ("oao", ["اواو"]), ("zao", ["زاو"]), ("pao", ["باو"]), ("jsc", ["جسك", "جسسي"]), ("ojsc", ["اوجسك"]),
            ("cjsc", ["سجسك"]), ("pjsc", ["بجسك"]), ("tov", ["تف", "توف"]), ("llc", ["لك"]),
        ]
        var table: [String: (String, Bool)] = [:]
        for (form, spellings) in atEnd { for spelling in spellings { table[spelling] = (form, false) } }
        for (form, spellings) in either { for spelling in spellings { table[spelling] = (form, true) } }
        return table
    }()

    /// The English word that lists use for an Arabic word of organisation names, with its
    /// prefixes (و and, ب with, ل for, ال the) removed.
    static func organisationWord(_ word: Substring) -> String? {
        let text = String(word).replacingOccurrences(of: "\u{0640}", with: "")
        if let meaning = organisationVocabulary[text] { return meaning }
        for prefix in ["وال", "بال", "لل", "ال", "و", "ل", "ب"] where text.hasPrefix(prefix) && text.count - prefix.count >= 3 {
            if let meaning = organisationVocabulary[String(text.dropFirst(prefix.count))] { return meaning }
        }
        return nil
    }

    /// Words of organisation names as Arabic writes them, and the English word lists use. Legal
    /// forms (شركة company, محدودة limited, ذ.م.م) map to the legal form and are set aside.
    static let organisationVocabulary: [String: String] = {
        let groups: [(String, [String])] = [
            ("company", ["شركة", "شركه"]), ("limited", ["محدودة", "محدوده"]), ("establishment", ["مؤسسة", "مؤسسه"]),
            ("group", ["مجموعة", "مجموعه"]), ("holding", ["قابضة", "قابضه"]),
            ("trading", ["تجارة", "تجاره", "تجارية", "تجاري"]), ("international", ["دولية", "دولي", "دوليه"]),
            ("shipping", ["شحن", "ملاحة", "ملاحه", "بحرية"]), ("transport", ["نقل"]), ("bank", ["بنك", "مصرف"]),
            ("investment", ["استثمار", "استثمارات", "استثمارية"]), ("oil", ["نفط"]), ("petroleum", ["بترول"]),
            ("industries", ["صناعات", "صناعية", "صناعي"]), ("services", ["خدمات"]), ("general", ["عامة", "عامه"]),
            ("engineering", ["هندسة", "هندسية"]), ("contracting", ["مقاولات"]), ("tourism", ["سياحة", "سياحه"]),
            ("exchange", ["صرافة", "صرافه"]), ("national", ["وطنية", "وطني"]), ("united", ["متحدة", "متحده"]),
            ("gulf", ["خليج"]), ("electronics", ["إلكترونيات", "الكترونيات"]), ("technology", ["تكنولوجيا", "تقنية"]),
            ("security", ["أمن"]), ("iron", ["حديد"]), ("steel", ["صلب"]), ("petrochemical", ["بتروكيماويات", "بتروكيماوية"]),
            ("mining", ["تعدين"]), ("development", ["تطوير", "تنمية"]), ("construction", ["إنشاءات", "انشاءات", "بناء"]),
            ("insurance", ["تأمين"]), ("charitable", ["خيرية", "خيريه"]), ("organization", ["منظمة", "منظمه"]),
            ("office", ["مكتب"]), ("factory", ["مصنع"]), ("airlines", ["طيران"]), ("foundation", ["جمعية"]),
            ("import", ["استيراد"]), ("export", ["تصدير"]), ("commercial", ["تجارية"]), ("maritime", ["بحري"]),
        ]
        var table: [String: String] = [:]
        for (english, words) in groups {
            for word in words where table[word] == nil { table[word] = english }
        }
        return table
    }()

    private static func spelledArabicWord(_ word: Substring) -> [Token] {
        var scalars = Array(word.unicodeScalars.filter { $0 != "\u{0640}" })  // tatweel
        var out: [Token] = []
        // "الله" (Allah, in Urdu "اللہ", often with its shadda and small alif) keeps its article;
        // "ال" + two letters or more is the article.
        let letters = scalars.filter { !(0x064B...0x0670).contains($0.value) }.map { $0 == "\u{06C1}" ? "\u{0647}" : $0 }
        if scalars.count > 3, scalars[0] == "\u{0627}", scalars[1] == "\u{0644}", String(String.UnicodeScalarView(letters)) != "الله" {
            out.append(Token(text: "al"))
            scalars.removeFirst(2)
        }
        // Each position: the primary spelling and, for ambiguous letters, the others.
        var segments: [(primary: String, others: [String])] = []
        func finish() {
            guard !segments.isEmpty else { return }
            let primary = segments.map(\.primary).joined()
            var alternatives: [String] = []
            // Readings with one letter changed, then with two and three, as long as there are few
            // ("إيفانوفيتش" needs v, v and ch for "Ivanovich").
            let ambiguous = segments.indices.filter { !segments[$0].others.isEmpty }
            outer: for count in 1...min(3, max(ambiguous.count, 1)) where !ambiguous.isEmpty {
                for chosen in combinations(of: ambiguous, count: count) {
                    var choices: [[String]] = [[]]
                    for position in chosen {
                        choices = choices.flatMap { prefix in segments[position].others.map { prefix + [$0] } }
                    }
                    for choice in choices {
                        var parts = segments.map(\.primary)
                        for (position, replacement) in zip(chosen, choice) { parts[position] = replacement }
                        let text = parts.joined()
                        if text != primary, !alternatives.contains(text) { alternatives.append(text) }
                        if alternatives.count == 8 { break outer }
                    }
                }
            }
            if !primary.isEmpty { out.append(Token(text: primary, alternatives: alternatives)) }
            segments = []
        }
        var skipNext = false
        for (offset, scalar) in scalars.enumerated() {
            if skipNext {
                skipNext = false
                continue
            }
            if scalar == "\u{062A}", offset + 1 < scalars.count, scalars[offset + 1] == "\u{0634}" {
                // تش: the "ch" of foreign names ("سانتشيز", Sanchez; "إيفانوفيتش", Ivanovich).
                segments.append(("tsh", ["ch"]))
                skipNext = true
            } else if let letter = arabicLetters[scalar] {
                var primary = letter.primary
                var others = letter.others
                // The article inside a written-together name (عبدالرحمن, نورالدين) is often
                // written assimilated: "Abdur Rahman", "Nooruddin".
                if scalar == "\u{0644}", offset >= 3, scalars[offset - 1] == "\u{0627}", offset + 2 < scalars.count {
                    others = [""]
                }
                let last = offset == scalars.count - 1 && offset > 0
                // A final ي is the long vowel i ("ALI", "HAMADI"); a final ه after a letter is
                // mostly not written in Latin ("SHIHATA", "HAMADA"), sometimes is ("AL-MAZIDIH").
                if last, scalar == "\u{064A}" || scalar == "\u{06CC}" { primary = "i" }
                // In foreign names a final ه writes a final e ("خوسيه", José).
                if last, scalar == "\u{0647}" { others = ["a", "e"] }
                // After t, k, d, s, g, c, z a plain h is a letter of its own (طه is Taha, not
                // "th"); doubling it keeps the skeleton from reading a digraph. Lists often
                // write the pair as the digraph all the same ("FATHI" فتحي, "ISHAQ" اسحاق,
                // "MAZHARI" مظهری), which the single h reads.
                if primary == "h", let last = segments.last?.primary.unicodeScalars.last, "tkdsgcz".unicodeScalars.contains(last) {
                    primary = "hh"
                    others = ["h"] + others
                }
                segments.append((primary, others))
            } else if (0x064E...0x0650).contains(scalar.value) || scalar.value == 0x0670 {
                // Short vowels, where written: fatha, damma, kasra, superscript alif.
                segments.append((["a", "u", "i"][Int(min(scalar.value, 0x0650) - 0x064E)], []))  // checked: the scalar is 0x064E...0x0650 or 0x0670
            } else if scalar.value == 0x0651, let last = segments.last {
                segments.append(last)  // shadda doubles the letter
            } else if (0x064B...0x0655).contains(scalar.value) {
                continue  // tanwin, sukun, hamza marks
            } else if (0x0660...0x0669).contains(scalar.value) || (0x06F0...0x06F9).contains(scalar.value) {
                segments.append((String((scalar.value & 0xF) % 10), []))
            } else if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                segments.append((String(scalar).lowercased(), []))
            } else if scalar.properties.isAlphabetic {
                segments.append((Script.of(scalar) == .arabic ? icu(String(scalar)) : latinise(String(scalar)).filter { $0 != " " }, []))
            } else {
                finish()
            }
        }
        finish()
        return out
    }

    private static func combinations(of items: [Int], count: Int) -> [[Int]] {
        guard count > 0 else { return [[]] }
        guard items.count >= count else { return [] }
        var out: [[Int]] = []
        for (offset, item) in items.enumerated() {
            for rest in combinations(of: Array(items[(offset + 1)...]), count: count - 1) { out.append([item] + rest) }
        }
        return out
    }

    /// Arabic-script letters: the spelling of most lists (close to BGN/PCGN and the UN's
    /// romanisation), and the other spellings lists use for the same letter. The ʿayn (ع) is
    /// written as a vowel, as the lists write it ("ALI", "ABD", "ISAM"); the tāʾ marbūṭa (ة) as
    /// "a" ("HAMZA").
    private static let arabicLetters: [Unicode.Scalar: (primary: String, others: [String])] = [
        "\u{0627}": ("a", []), "\u{0623}": ("a", []), "\u{0625}": ("i", []), "\u{0622}": ("a", []), "\u{0671}": ("a", []),
        "\u{0621}": ("", []), "\u{0624}": ("u", []), "\u{0626}": ("i", []),
        // ى: the final a of Arabic ("Mustafa", "Musa"), and the final i of Persian and Dari
        // writing, which does not dot its final yeh ("حنفى" Hanafi, "حاجى" Haji).
        "\u{0649}": ("a", ["i"]),
        // Arabic has no p and no v: foreign names write them with ب and ف ("بتروف", Petrov).
        "\u{0628}": ("b", ["p"]), "\u{062A}": ("t", []),
        "\u{062B}": ("th", ["s"]),            // ث: "Tharwat", "Osman"
        "\u{062C}": ("j", ["g"]),             // ج: "Jamal", Egyptian "Gamal"
        "\u{062D}": ("h", []), "\u{062F}": ("d", []),
        "\u{062E}": ("kh", ["j"]),           // خ: also the Spanish j ("خوسيه", José; "خوان", Juan)
        "\u{0630}": ("dh", ["z", "d"]),       // ذ: "Dhakir", Persian "Zakir"
        "\u{0631}": ("r", []), "\u{0632}": ("z", []), "\u{0633}": ("s", []), "\u{0634}": ("sh", []),
        "\u{0635}": ("s", []),
        "\u{0636}": ("d", ["z"]),             // ض: "Fadl", Urdu and Persian "Fazal"
        "\u{0637}": ("t", []),
        "\u{0638}": ("z", ["d", "th"]),       // ظ: "Kazim", Somali "Dahir", Iraqi "Kathim"
        "\u{0639}": ("a", []), "\u{063A}": ("gh", []), "\u{0641}": ("f", ["v"]),
        "\u{0642}": ("q", ["g"]),             // ق: "Qasim", Maghrebi "Belgacem", "Gaddafi"
        "\u{0643}": ("k", []), "\u{0644}": ("l", []), "\u{0645}": ("m", []), "\u{0646}": ("n", []),
        "\u{0647}": ("h", []), "\u{0648}": ("w", []), "\u{064A}": ("y", []), "\u{0629}": ("a", []),
        // Persian, Urdu, Pashto and Maghrebi letters.
        "\u{067E}": ("p", []), "\u{0686}": ("ch", []), "\u{0698}": ("zh", []), "\u{06AF}": ("g", []),
        "\u{06A9}": ("k", []), "\u{06CC}": ("y", []), "\u{06C0}": ("a", []), "\u{06C1}": ("h", []),
        "\u{06BE}": ("h", []), "\u{06D2}": ("e", []), "\u{06D3}": ("e", []), "\u{0679}": ("t", []),
        "\u{0688}": ("d", []), "\u{0691}": ("r", []), "\u{06BA}": ("n", []), "\u{06C3}": ("a", []),
        "\u{06A4}": ("v", ["g"]),             // ڤ: "v" in loanwords, "g" in Tunisia and Algeria
        "\u{06A8}": ("g", ["q"]),             // ڨ: Algerian "g"
        "\u{0685}": ("ts", []), "\u{0681}": ("dz", ["z", "j"]), "\u{069A}": ("kh", ["sh"]), "\u{06BC}": ("n", []),
    ]

    /// Lower-case ASCII letters, digits and single spaces for `text`; other characters become
    /// spaces, apostrophes disappear (O'Brien → obrien, Qa'ida → qaida).
    static func latinise(_ text: String) -> String {
        if text.unicodeScalars.contains(where: { let script = Script.of($0); return script == .arabic || script == .hangul }) {
            return latiniseTokens(text).map(\.text).joined(separator: " ")
        }
        let text = hasKhmerOrLao(text) ? khmerAndLao(text) : text
        var needsICU = false
        var out = String.UnicodeScalarView()
        out.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                appendASCII(scalar, to: &out)
                continue
            }
            switch Script.of(scalar) {
            case .cyrillic:
                appendMapped(cyrillic[scalar] ?? fold(scalar), to: &out)
            case .greek:
                appendMapped(greek[scalar] ?? fold(scalar), to: &out)
            case .latin:
                appendMapped(latinSpecial[scalar] ?? fold(scalar), to: &out)
            case .other:
                if scalar.properties.isAlphabetic || scalar.properties.generalCategory == .nonspacingMark {
                    needsICU = true
                    out.append(scalar)
                } else if apostrophes.contains(scalar.value) {
                    continue
                } else {
                    out.append(" ")
                }
            default:
                needsICU = true
                out.append(scalar)
            }
        }
        var result = String(out)
        if needsICU { result = icu(result) }
        return result
    }

    private static let apostrophes: Set<UInt32> = [0x2018, 0x2019, 0x02BC, 0x02BB, 0x02BF, 0x02BE, 0x0060, 0x00B4]

    private static func appendASCII(_ scalar: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        switch scalar.value {
        case 0x41...0x5A: out.append(Unicode.Scalar(scalar.value + 32)!)
        case 0x61...0x7A, 0x30...0x39: out.append(scalar)
        case 0x27, 0x60: break  // apostrophe, grave accent used as one
        default: out.append(" ")
        }
    }

    private static func appendMapped(_ text: String, to out: inout String.UnicodeScalarView) {
        for scalar in text.unicodeScalars { appendASCII(scalar, to: &out) }
    }

    /// A Latin letter with diacritics without them; anything not foldable becomes a space.
    private static func fold(_ scalar: Unicode.Scalar) -> String {
        if scalar.properties.generalCategory == .nonspacingMark { return "" }
        let decomposed = String(scalar).decomposedStringWithCompatibilityMapping
        let base = decomposed.unicodeScalars.filter { $0.isASCII }
        if base.isEmpty { return apostrophes.contains(scalar.value) ? "" : " " }
        return String(String.UnicodeScalarView(base))
    }

    /// ICU `Any-Latin` then `Latin-ASCII`-like folding through our own table.
    private static func icu(_ text: String) -> String {
        let latin = text.applyingTransform(.toLatin, reverse: false) ?? text
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar = " "
        // For Hebrew and other abjads ICU writes the second letter of a digraph as "ẖ" (kẖ, sẖ,
        // tẖ) and a letter h as a plain "h"; there, after t, k, s, d, g a plain h is a letter of
        // its own, and doubling it keeps the skeleton from reading a digraph. Elsewhere (kana
        // "shi", Devanagari "th") "h" is the digraph's.
        let marksDigraphs = latin.unicodeScalars.contains("ẖ")
        for scalar in latin.unicodeScalars {
            if marksDigraphs, scalar == "h", "tkdsgcz".unicodeScalars.contains(previous) {
                out.append("h")
            }
            if scalar.isASCII { appendASCII(scalar, to: &out) } else { appendMapped(latinSpecial[scalar] ?? fold(scalar), to: &out) }
            previous = out.last ?? " "
        }
        return String(out)
    }

    /// Latin letters that Unicode does not decompose to an ASCII base.
    private static let latinSpecial: [Unicode.Scalar: String] = [
        "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe", "Œ": "oe",
        "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th",
        "ı": "i", "ħ": "h", "Ħ": "h", "ŋ": "ng", "ʻ": "", "ʼ": "", "ʿ": "", "ʾ": "",
        "ə": "a", "Ə": "a", "ŀ": "l", "ĸ": "k", "ſ": "s", "ẖ": "h",
        "ǝ": "",  // Ethiopic sixth order as ICU writes it, mostly unwritten in names (Aḥǝmad, Ahmad)
    ]

    /// Russian, Ukrainian, Belarusian, Bulgarian, Serbian, Macedonian and Kazakh letters, close to
    /// BGN/PCGN romanisation (the system of the US and UK sanctions lists).
    private static let cyrillic: [Unicode.Scalar: String] = {
        let pairs: [(String, String)] = [
            ("а", "a"), ("б", "b"), ("в", "v"), ("г", "g"), ("д", "d"), ("е", "e"), ("ё", "e"),
            ("ж", "zh"), ("з", "z"), ("и", "i"), ("й", "y"), ("к", "k"), ("л", "l"), ("м", "m"),
            ("н", "n"), ("о", "o"), ("п", "p"), ("р", "r"), ("с", "s"), ("т", "t"), ("у", "u"),
            ("ф", "f"), ("х", "kh"), ("ц", "ts"), ("ч", "ch"), ("ш", "sh"), ("щ", "shch"),
            ("ъ", ""), ("ы", "y"), ("ь", ""), ("э", "e"), ("ю", "yu"), ("я", "ya"),
            ("є", "ye"), ("і", "i"), ("ї", "yi"), ("ґ", "g"), ("ў", "u"),
            ("ђ", "dj"), ("ј", "j"), ("љ", "lj"), ("њ", "nj"), ("ћ", "c"), ("џ", "dz"),
            ("ѓ", "gj"), ("ќ", "kj"), ("ѕ", "dz"),
            ("ә", "a"), ("ғ", "g"), ("қ", "k"), ("ң", "n"), ("ө", "o"), ("ұ", "u"), ("ү", "u"),
            ("һ", "h"),
        ]
        var table: [Unicode.Scalar: String] = [:]
        for (letter, latin) in pairs {
            let lower = letter.unicodeScalars.first!
            table[lower] = latin
            let upper = letter.uppercased().unicodeScalars
            if upper.count == 1 { table[upper.first!] = latin }
        }
        return table
    }()

    /// Greek letters, close to ELOT 743 / ISO 843 type 2 (transcription).
    private static let greek: [Unicode.Scalar: String] = {
        let pairs: [(String, String)] = [
            ("α", "a"), ("β", "v"), ("γ", "g"), ("δ", "d"), ("ε", "e"), ("ζ", "z"), ("η", "i"),
            ("θ", "th"), ("ι", "i"), ("κ", "k"), ("λ", "l"), ("μ", "m"), ("ν", "n"), ("ξ", "x"),
            ("ο", "o"), ("π", "p"), ("ρ", "r"), ("σ", "s"), ("ς", "s"), ("τ", "t"), ("υ", "y"),
            ("φ", "f"), ("χ", "ch"), ("ψ", "ps"), ("ω", "o"),
            ("ά", "a"), ("έ", "e"), ("ή", "i"), ("ί", "i"), ("ό", "o"), ("ύ", "y"), ("ώ", "o"),
            ("ϊ", "i"), ("ϋ", "y"), ("ΐ", "i"), ("ΰ", "y"),
        ]
        var table: [Unicode.Scalar: String] = [:]
        for (letter, latin) in pairs {
            table[letter.unicodeScalars.first!] = latin
            let upper = letter.uppercased().unicodeScalars
            if upper.count == 1 { table[upper.first!] = latin }
        }
        return table
    }()
}
