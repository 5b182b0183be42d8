import Foundation
import LiaisonCore

/// Country names and codes as lists write them, resolved to ISO 3166-1 alpha-2 (lower case).
///
/// English short names come from ICU through Foundation's `Locale`; the table below adds the
/// formal and older names that sanctions lists use ("Iran (Islamic Republic of)", "Burma",
/// "Korea, North", "Russian Federation") and nationality adjectives from OFAC remarks.
public enum Countries {
    /// The lower-case ISO 3166-1 alpha-2 code for `text`, or nil when it names no country.
    public static func code(for text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.count == 2, CountryCode.assigned.contains(trimmed.uppercased()) { return trimmed.lowercased() }
        let key = Transliteration.latinise(trimmed).split(separator: " ").joined(separator: " ")
        return byName[key]
    }

    private static let byName: [String: String] = {
        var table: [String: String] = [:]
        let english = Locale(identifier: "en_US")
        for code in CountryCode.assigned {
            if let name = english.localizedString(forRegionCode: code) {
                table[Transliteration.latinise(name).split(separator: " ").joined(separator: " ")] = code.lowercased()
            }
        }
        let aliases: [(String, String)] = [
            ("russian federation", "ru"), ("russian", "ru"), ("iran islamic republic of", "ir"), ("iranian", "ir"),
            ("korea north", "kp"), ("democratic people s republic of korea", "kp"), ("north korean", "kp"), ("dprk", "kp"),
            ("korea south", "kr"), ("republic of korea", "kr"), ("burma", "mm"), ("syrian arab republic", "sy"),
            ("syrian", "sy"), ("venezuela bolivarian republic of", "ve"), ("venezuelan", "ve"),
            ("bolivia plurinational state of", "bo"), ("united republic of tanzania", "tz"), ("viet nam", "vn"),
            ("lao people s democratic republic", "la"), ("democratic republic of the congo", "cd"),
            ("congo democratic republic of the", "cd"), ("republic of the congo", "cg"), ("congo", "cg"),
            ("libyan arab jamahiriya", "ly"), ("libya", "ly"), ("palestinian", "ps"), ("palestine", "ps"),
            ("west bank", "ps"), ("gaza", "ps"), ("turkiye", "tr"), ("turkey", "tr"), ("cote d ivoire", "ci"),
            ("ivory coast", "ci"), ("macedonia", "mk"), ("the former yugoslav republic of macedonia", "mk"),
            ("moldova republic of", "md"), ("republic of moldova", "md"), ("czech republic", "cz"),
            ("united kingdom of great britain and northern ireland", "gb"), ("united states of america", "us"),
            ("united states", "us"), ("hong kong", "hk"), ("macau", "mo"), ("taiwan", "tw"), ("crimea", "ua"),
            ("kosovo", "xk"), ("afghan", "af"), ("iraqi", "iq"), ("pakistani", "pk"), ("yemeni", "ye"),
            ("lebanese", "lb"), ("chinese", "cn"), ("cuban", "cu"), ("mexican", "mx"), ("colombian", "co"),
            ("saudi arabian", "sa"), ("egyptian", "eg"), ("somali", "so"), ("sudanese", "sd"), ("ukrainian", "ua"),
            ("belarusian", "by"), ("belarus", "by"), ("kuwaiti", "kw"), ("jordanian", "jo"), ("turkish", "tr"),
            ("british", "gb"), ("german", "de"), ("french", "fr"), ("american", "us"), ("indian", "in"),
            ("emirati", "ae"), ("qatari", "qa"), ("bahraini", "bh"), ("libyan", "ly"), ("tunisian", "tn"),
            ("algerian", "dz"), ("moroccan", "ma"), ("nigerian", "ng"), ("malian", "ml"), ("kenyan", "ke"),
        ]
        for (name, code) in aliases { table[name] = code }
        return table
    }()
}
