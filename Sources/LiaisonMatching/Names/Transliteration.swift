import Foundation

/// The writing system a name is written in, as far as screening cares: it decides how the name
/// is transliterated and lets the evaluation report false-positive rates per script.
public enum Script: String, Sendable, Codable, CaseIterable {
    case latin, cyrillic, greek, arabic, hebrew, han, hangul, kana, devanagari, thai, other

    /// The script of most letters in `text`; `.latin` when there are none.
    public static func dominant(in text: String) -> Script {
        var counts: [Script: Int] = [:]
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                // The common case, without a Unicode property lookup.
                if (0x41...0x5A).contains(scalar.value) || (0x61...0x7A).contains(scalar.value) { counts[.latin, default: 0] += 1 }
            } else if scalar.properties.isAlphabetic {
                counts[of(scalar), default: 0] += 1
            }
        }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue > $1.key.rawValue) }?.key ?? .latin
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
/// Every other script goes through ICU's `Any-Latin` transform, which Foundation offers on Linux
/// (`String.applyingTransform(.toLatin)`), followed by diacritic stripping. Arabic gets one rule of
/// its own first: the article "ال" at the start of a word becomes a separate token "al", as the
/// lists write it ("AL-TIKRITI").
enum Transliteration {
    /// Lower-case ASCII letters, digits and single spaces for `text`; other characters become
    /// spaces, apostrophes disappear (O'Brien → obrien, Qa'ida → qaida).
    static func latinise(_ text: String) -> String {
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
        let arabicArticle = splittingArabicArticle(text)
        let latin = arabicArticle.applyingTransform(.toLatin, reverse: false) ?? arabicArticle
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar = " "
        for scalar in latin.unicodeScalars {
            // ICU writes the second letter of a digraph as "ẖ" (خ kẖ, ش sẖ, ث tẖ) and the letter
            // ه as a plain "h". After t, k, s, d, g a plain h is a letter of its own (طه "ṭh" is
            // Taha, not "th"); doubling it keeps the skeleton from reading a digraph.
            if scalar == "h", "tkdsgcz".unicodeScalars.contains(previous) {
                out.append("h")
            }
            if scalar.isASCII { appendASCII(scalar, to: &out) } else { appendMapped(latinSpecial[scalar] ?? fold(scalar), to: &out) }
            previous = out.last ?? " "
        }
        return String(out)
    }

    /// "التكريتي" → "ال تكريتي": the article is a separate token, as lists write "AL-TIKRITI".
    private static func splittingArabicArticle(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { Script.of($0) == .arabic }) else { return text }
        return text.split(separator: " ", omittingEmptySubsequences: true).map { word -> String in
            // Tāʾ marbūṭa is written "a" or "ah" in Latin ("HAMZA"), not "t".
            let word = word.replacingOccurrences(of: "ة", with: "ا")
            if word.hasPrefix("ال"), word.count > 3, word != "الله" { return "ال " + word.dropFirst(2) }
            return word
        }.joined(separator: " ")
    }

    /// Latin letters that Unicode does not decompose to an ASCII base.
    private static let latinSpecial: [Unicode.Scalar: String] = [
        "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe", "Œ": "oe",
        "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th",
        "ı": "i", "ħ": "h", "Ħ": "h", "ŋ": "ng", "ʻ": "", "ʼ": "", "ʿ": "", "ʾ": "",
        "ə": "a", "Ə": "a", "ŀ": "l", "ĸ": "k", "ſ": "s", "ẖ": "h",
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
