import Foundation

/// Scripts of East and South-East Asia that ICU's `Any-Latin` does not cover as lists need:
/// Korean Hangul (ICU writes a name as one word, "gimjeong-eun"; lists write the surname apart
/// and the given name in McCune–Reischauer or Revised Romanisation), Khmer and Lao (no ICU
/// transform at all on this platform).
extension Transliteration {
    // MARK: Hangul

    /// One whitespace-separated Korean word: the surname (the first syllable, or two for the
    /// double surnames) apart, then each syllable of the given name, in Revised Romanisation
    /// (Korean Ministry of Culture, 2000) with the McCune–Reischauer reading (the system of North
    /// Korean names on the UN and US lists) and the surnames' customary spellings as alternatives.
    static func hangulWord(_ word: Substring, surname: HangulSurname, group: Int) -> [Token] {
        let syllables = word.unicodeScalars.filter { (0xAC00...0xD7A3).contains($0.value) }
        guard !syllables.isEmpty else { return [] }
        var out: [Token] = []
        var rest = Array(syllables)
        if surname != .none {
            let double = rest.count >= (surname == .whole ? 2 : 3) ? String(String.UnicodeScalarView(rest.prefix(2))) : ""
            let length = surname == .whole ? min(rest.count, 2) : (doubleSurnames.contains(double) ? 2 : 1)
            let surname = String(String.UnicodeScalarView(rest.prefix(length)))
            let readings = rest.prefix(length).map(hangulSyllable)
            let revised = readings.map(\.revised).joined(), mccune = readings.map(\.mccune).joined()
            let customary = surnameSpellings[surname] ?? []
            let primary = customary.first ?? revised
            var alternatives = Array(customary.dropFirst())
            for reading in [revised, mccune] where reading != primary && !alternatives.contains(reading) { alternatives.append(reading) }
            out.append(Token(text: primary, alternatives: alternatives))
            rest.removeFirst(length)
        }
        // A given name of two syllables or more is one name written in syllables, as lists write
        // it ("Su Yong", "Su-yong"): its tokens form a group that matches whole or not at all.
        let group = rest.count >= 2 ? group : nil
        for syllable in rest {
            let reading = hangulSyllable(syllable)
            out.append(Token(text: reading.revised, alternatives: reading.mccune == reading.revised ? [] : [reading.mccune], group: group))
        }
        return out
    }

    /// Where a Korean name's surname is, in one of its whitespace- or hyphen-separated parts.
    enum HangulSurname { case none, leading, whole }

    /// Which of a Korean name's parts holds the surname, and how: a part that is a surname on
    /// its own (one syllable, or a double surname such as 남궁), wherever it stands — lists write
    /// "이 광수" and Western forms "광수 이" —, else the first part, which a name written together
    /// ("김정은") leads with.
    static func hangulSurnamePart(_ parts: [Substring]) -> (index: Int, position: HangulSurname) {
        func syllables(_ part: Substring) -> [Unicode.Scalar] {
            part.unicodeScalars.filter { (0xAC00...0xD7A3).contains($0.value) }
        }
        if parts.count >= 2, let alone = parts.firstIndex(where: { part in
            let letters = syllables(part)
            return letters.count == 1 || (letters.count == 2 && doubleSurnames.contains(String(String.UnicodeScalarView(letters))))
        }) {
            return (alone, .whole)
        }
        guard let first = parts.first else { return (-1, .none) }
        return (0, syllables(first).count >= 2 ? .leading : .whole)
    }

    /// A precomposed Hangul syllable in Revised Romanisation and in McCune–Reischauer without
    /// its breves (ŏ as o, ŭ as u), as the lists write it.
    static func hangulSyllable(_ scalar: Unicode.Scalar) -> (revised: String, mccune: String) {
        let index = Int(scalar.value) - 0xAC00  // checked: callers pass only scalars in 0xAC00...0xD7A3
        let (initial, medial, final) = (index / 588, (index % 588) / 28, index % 28)
        return (hangulInitials[initial] + hangulMedials[medial] + hangulFinals[final],
                hangulInitialsMR[initial] + hangulMedialsMR[medial] + hangulFinals[final])
    }

    private static let hangulInitials = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
    private static let hangulInitialsMR = ["k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "ch", "tch", "ch", "k", "t", "p", "h"]
    private static let hangulMedials = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"]
    private static let hangulMedialsMR = ["a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "u", "ui", "i"]
    private static let hangulFinals = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"]

    private static let doubleSurnames: Set<String> = ["남궁", "제갈", "황보", "선우", "독고", "사공", "서문"]

    /// The spellings lists and passports use for the common Korean surnames, most common first
    /// (South Korean passports, and the North Korean spellings of the UN and US lists).
    private static let surnameSpellings: [String: [String]] = [
        "김": ["kim", "gim"], "이": ["lee", "ri", "yi", "rhee"], "리": ["ri", "lee", "yi"], "박": ["park", "pak", "bak"],
        "최": ["choi", "choe"], "정": ["jung", "jong", "chung", "chong", "jeong"], "강": ["kang", "gang"],
        "조": ["cho", "jo", "joe"], "윤": ["yoon", "yun"], "장": ["jang", "chang"], "임": ["lim", "im", "rim"],
        "림": ["rim", "lim"], "한": ["han"], "오": ["oh", "o"], "서": ["seo", "so", "suh"], "신": ["shin", "sin"],
        "권": ["kwon", "gwon"], "황": ["hwang"], "안": ["ahn", "an"], "송": ["song"], "류": ["ryu", "yoo", "yu"],
        "유": ["yoo", "yu", "ryu"], "홍": ["hong"], "전": ["jeon", "jon", "chon", "chun"], "고": ["ko", "go"],
        "문": ["moon", "mun"], "양": ["yang", "ryang"], "손": ["son", "sohn"], "배": ["bae", "pae"],
        "백": ["baek", "paek", "paik"], "허": ["heo", "ho", "hur"], "노": ["roh", "no", "noh"], "로": ["ro", "roh"],
        "남": ["nam"], "심": ["shim", "sim"], "주": ["ju", "joo", "chu"], "현": ["hyon", "hyun"], "방": ["pang", "bang"],
        "성": ["sung", "song", "seong"], "차": ["cha"], "구": ["koo", "ku", "gu"], "우": ["woo", "u"], "태": ["thae", "tae"],
        "명": ["myong", "myung"], "량": ["ryang", "yang"], "려": ["ryo", "yeo"], "렴": ["ryom", "yeom"],
    ]

    // MARK: Khmer and Lao

    /// Whether `text` has Khmer or Lao letters.
    static func hasKhmerOrLao(_ text: String) -> Bool {
        text.unicodeScalars.contains { (0x1780...0x17FF).contains($0.value) || (0x0E80...0x0EFF).contains($0.value) }
    }

    /// Khmer and Lao letters as Latin, other characters kept: consonants and vowels after the
    /// United Nations romanisation systems (UNGEGN, Khmer 1972 and Lao 1972), simplified to plain
    /// letters; Lao vowels written before their consonant are read after it.
    static func khmerAndLao(_ text: String) -> String {
        var out = ""
        var pendingVowel = ""
        var previousConsonant = false
        var afterPreposed = false
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if let consonant = khmerConsonants[value] ?? laoConsonants[value] {
                // A Lao ອ inside a word is the vowel o; at the start it carries the vowel.
                let letter = value == 0x0EAD && previousConsonant ? "o" : consonant
                out += letter + pendingVowel
                afterPreposed = !pendingVowel.isEmpty
                pendingVowel = ""
                previousConsonant = true
            } else if let vowel = laoPreposedVowels[value] {
                pendingVowel = vowel
            } else if value == 0x0EB1, afterPreposed {
                afterPreposed = false  // ເ◌ັ, ແ◌ັ: the short form of the vowel already written
            } else if let vowel = khmerVowels[value] ?? laoVowels[value] {
                out += vowel
                previousConsonant = false
                afterPreposed = false
            } else if (0x1780...0x17FF).contains(value) || (0x0E80...0x0EFF).contains(value) {
                if (0x17E0...0x17E9).contains(value) { out += String(value - 0x17E0) }  // checked: value is 0x17E0...0x17E9
                else if (0x0ED0...0x0ED9).contains(value) { out += String(value - 0x0ED0) }  // checked: value is 0x0ED0...0x0ED9
                // signs, tone marks and the Khmer coeng (subscript) are not written
            } else {
                out += pendingVowel
                pendingVowel = ""
                out.unicodeScalars.append(scalar)
                previousConsonant = false
            }
        }
        return out + pendingVowel
    }

    private static let khmerConsonants: [UInt32: String] = Dictionary(uniqueKeysWithValues: zip(UInt32(0x1780)...UInt32(0x17A2), [  // checked: constants
        "k", "kh", "k", "kh", "ng", "ch", "chh", "ch", "chh", "nh", "d", "th", "d", "th", "n", "t", "th", "t", "th", "n",
        "b", "ph", "p", "ph", "m", "y", "r", "l", "v", "s", "s", "s", "h", "l", "",
    ]))

    private static let khmerVowels: [UInt32: String] = [
        // independent vowels
        0x17A3: "a", 0x17A4: "a", 0x17A5: "e", 0x17A6: "ei", 0x17A7: "o", 0x17A8: "ou", 0x17A9: "ou", 0x17AA: "au",
        0x17AB: "rue", 0x17AC: "rue", 0x17AD: "lue", 0x17AE: "lue", 0x17AF: "ae", 0x17B0: "ai", 0x17B1: "ao", 0x17B2: "ao", 0x17B3: "au",
        // dependent vowels and signs that sound
        0x17B6: "a", 0x17B7: "e", 0x17B8: "ei", 0x17B9: "oe", 0x17BA: "eu", 0x17BB: "u", 0x17BC: "ou", 0x17BD: "uo",
        0x17BE: "aeu", 0x17BF: "oea", 0x17C0: "ie", 0x17C1: "e", 0x17C2: "ae", 0x17C3: "ai", 0x17C4: "ao", 0x17C5: "au",
        0x17C6: "m", 0x17C7: "h", 0x17C8: "a",
    ]

    private static let laoConsonants: [UInt32: String] = [
        0x0E81: "k", 0x0E82: "kh", 0x0E84: "kh", 0x0E86: "kh", 0x0E87: "ng", 0x0E88: "ch", 0x0E89: "ch", 0x0E8A: "x", 0x0E8C: "s",
        0x0E8D: "ny", 0x0E8E: "d", 0x0E8F: "t", 0x0E90: "th", 0x0E91: "th", 0x0E92: "th", 0x0E93: "n", 0x0E94: "d", 0x0E95: "t",
        0x0E96: "th", 0x0E97: "th", 0x0E98: "th", 0x0E99: "n", 0x0E9A: "b", 0x0E9B: "p", 0x0E9C: "ph", 0x0E9D: "f",
        0x0E9E: "ph", 0x0E9F: "f", 0x0EA0: "ph", 0x0EA1: "m", 0x0EA2: "y", 0x0EA3: "r", 0x0EA5: "l", 0x0EA7: "v",
        0x0EA8: "s", 0x0EA9: "s", 0x0EAA: "s", 0x0EAB: "h", 0x0EAC: "l", 0x0EAD: "", 0x0EAE: "h", 0x0EDC: "hn", 0x0EDD: "hm",
    ]

    private static let laoVowels: [UInt32: String] = [
        0x0EB0: "a", 0x0EB1: "a", 0x0EB2: "a", 0x0EB3: "am", 0x0EB4: "i", 0x0EB5: "i", 0x0EB6: "u", 0x0EB7: "u",
        0x0EB8: "ou", 0x0EB9: "ou", 0x0EBB: "o", 0x0EBC: "l", 0x0EBD: "ia", 0x0ECD: "o",
    ]

    /// Lao vowels written before the consonant they follow in speech.
    private static let laoPreposedVowels: [UInt32: String] = [0x0EC0: "e", 0x0EC1: "ae", 0x0EC2: "o", 0x0EC3: "ai", 0x0EC4: "ai"]
}

extension NameNormalizer {
    /// For a name that normalises to nothing although it has letters: the script those letters
    /// are written in, which screening cannot yet transliterate (Tibetan, Mongolian, Sinhala, …),
    /// so that the user can be told why and asked for a Latin spelling. Nil otherwise.
    public static func untransliterableScript(in name: String) -> String? {
        guard normalize(name).tokens.isEmpty else { return nil }
        for scalar in name.unicodeScalars where scalar.properties.isAlphabetic && !scalar.isASCII {
            return scriptBlocks.first { $0.range.contains(scalar.value) }?.name ?? String(format: "the script of U+%04X", scalar.value)
        }
        return nil
    }

    /// Unicode blocks of scripts that ICU's Any-Latin, as Foundation ships it on Linux, leaves
    /// as they are (Unicode 15, Blocks.txt).
    private static let scriptBlocks: [(range: ClosedRange<UInt32>, name: String)] = [
        (0x0700...0x074F, "Syriac"), (0x0780...0x07BF, "Thaana"), (0x07C0...0x07FF, "N'Ko"), (0x0D80...0x0DFF, "Sinhala"),
        (0x0F00...0x0FFF, "Tibetan"), (0x1000...0x109F, "Myanmar"), (0x13A0...0x13FF, "Cherokee"),
        (0x1400...0x167F, "Canadian Aboriginal syllabics"), (0x1680...0x169F, "Ogham"), (0x16A0...0x16FF, "Runic"),
        (0x1800...0x18AF, "Mongolian"), (0x1A20...0x1AAF, "Tai Tham"), (0x1B00...0x1B7F, "Balinese"), (0x1B80...0x1BBF, "Sundanese"),
        (0x2D30...0x2D7F, "Tifinagh"), (0xA000...0xA4CF, "Yi"), (0xA500...0xA63F, "Vai"), (0xA980...0xA9DF, "Javanese"),
        (0x1780...0x17FF, "Khmer"), (0x0E80...0x0EFF, "Lao"), (0x0E00...0x0E7F, "Thai"),
    ]
}
