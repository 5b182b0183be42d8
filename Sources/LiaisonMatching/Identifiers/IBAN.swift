public import LiaisonCore

/// International Bank Account Numbers (ISO 13616-1): country code, two check digits, and a
/// basic bank account number of up to 30 alphanumerics; valid when the rearranged number is
/// congruent to 1 modulo 97 (ISO 7064 MOD 97-10).
public enum IBAN {
    /// Canonical form: upper case, without spaces.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming what is wrong.
    public static func normalise(_ text: String) throws(LiaisonError) -> String {
        let compact = text.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        guard (15...34).contains(compact.count) else {
            throw LiaisonError(.invalidInput, "IBAN '\(text)' must have 15 to 34 characters")
        }
        guard compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw LiaisonError(.invalidInput, "IBAN '\(text)' may contain only letters and digits")
        }
        let country = String(compact.prefix(2))
        // User-assigned codes (XA–XZ…) are let through: no real IBAN has one, and the demo's
        // fictional states use them.
        guard CountryCode.assigned.contains(country) || country == "XK" || CountryCode.isUserAssigned(country) else {
            throw LiaisonError(.invalidInput, "IBAN '\(text)' does not start with an ISO 3166-1 country code")
        }
        guard compact.dropFirst(2).prefix(2).allSatisfy(\.isNumber) else {
            throw LiaisonError(.invalidInput, "IBAN '\(text)' must have two check digits after the country code")
        }
        guard mod97(compact.dropFirst(4) + compact.prefix(4)) == 1 else {
            throw LiaisonError(.invalidInput, "IBAN '\(text)' fails the ISO 13616 mod-97 check")
        }
        return compact
    }

    /// The IBAN for a country and a basic bank account number, with its check digits computed
    /// (ISO 13616-1: 98 minus the remainder of BBAN + country + "00").
    package static func make(country: String, bban: String) -> String {
        let check = 98 - mod97(bban + country + "00")
        return country + (check < 10 ? "0" : "") + String(check) + bban
    }

    /// The remainder modulo 97 of the number formed by replacing letters with 10...35.
    static func mod97(_ text: some StringProtocol) -> Int {
        var remainder = 0
        for character in text.unicodeScalars {
            let value: Int
            switch character {
            case "0"..."9": value = Int(character.value - 48)  // checked: the character is 0-9
            default: value = Int(character.value - 55)  // 'A' → 10  // checked: validate() lets only ASCII letters and digits reach mod97
            }
            remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97
        }
        return remainder
    }
}

/// Telephone numbers in E.164 form: `+`, a country code, at most 15 digits in all (ITU-T E.164 §6.2.1).
public enum PhoneNumber {
    /// Canonical form `+<digits>`, with spaces, dots, hyphens and parentheses removed.
    /// - Throws: ``LiaisonError`` `.invalidInput` when it is not an international number of 8 to 15 digits.
    public static func normalise(_ text: String) throws(LiaisonError) -> String {
        var compact = text.filter { !" .-()".contains($0) }
        if compact.hasPrefix("00") { compact = "+" + compact.dropFirst(2) }
        guard compact.hasPrefix("+") else {
            throw LiaisonError(.invalidInput, "phone number '\(text)' must be in international form starting with + (E.164)")
        }
        let digits = compact.dropFirst()
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), (8...15).contains(digits.count), digits.first != "0" else {
            throw LiaisonError(.invalidInput, "phone number '\(text)' must have 8 to 15 digits after +, not starting with 0 (E.164)")
        }
        return "+" + digits
    }
}
