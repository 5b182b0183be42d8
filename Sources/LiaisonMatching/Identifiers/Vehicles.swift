public import LiaisonCore

/// Vehicle identification numbers (ISO 3779): 17 characters from the digits and the letters
/// other than I, O and Q.
public enum VIN {
    /// Whether a VIN's ninth character is a check digit: mandatory for vehicles made for North
    /// America (49 CFR 565.15(c); world manufacturer identifiers starting 1–5) and China
    /// (GB 16735-2019; starting L). Elsewhere ISO 3779 leaves position 9 to the manufacturer.
    public static func hasCheckDigit(_ vin: String) -> Bool {
        guard let first = vin.first else { return false }
        return ("1"..."5").contains(first) || first == "L"
    }

    /// Canonical form: upper case without spaces or hyphens.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the problem: length, letters I/O/Q, or
    ///   a wrong check digit where one applies.
    public static func normalise(_ text: String) throws(LiaisonError) -> String {
        let vin = text.uppercased().filter { $0 != " " && $0 != "-" }
        guard vin.count == 17, vin.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw LiaisonError(.invalidInput, "VIN '\(text)' must be 17 letters and digits (ISO 3779)")
        }
        guard !vin.contains(where: { "IOQ".contains($0) }) else {
            throw LiaisonError(.invalidInput, "VIN '\(text)' contains I, O or Q, which ISO 3779 does not use")
        }
        if hasCheckDigit(vin), let expected = checkDigit(vin), Array(vin)[8] != expected {
            throw LiaisonError(.invalidInput, "VIN '\(text)' fails its check digit: position 9 should be \(expected) (49 CFR 565.15)")
        }
        return vin
    }

    /// The check digit of a 17-character VIN (49 CFR 565.15(c): transliterate letters, weight
    /// positions 8,7,6,5,4,3,2,10,0,9,8,7,6,5,4,3,2, sum modulo 11, 10 written X).
    static func checkDigit(_ vin: String) -> Character? {
        let weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
        let letters: [Character: Int] = [
            "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8, "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
            "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
        ]
        var sum = 0
        for (position, character) in vin.enumerated() {
            guard let value = character.wholeNumberValue ?? letters[character] else { return nil }
            sum += value * weights[position]
        }
        let remainder = sum % 11
        return remainder == 10 ? "X" : Character(String(remainder))
    }
}

/// Registration plates, compared within the registering country.
public enum LicencePlate {
    /// Canonical form `CC:PLATE`: the ISO 3166-1 country, and the plate in upper case with
    /// spaces, hyphens, dots and the separator dots and badges dropped, since plates are read
    /// from cameras and forms that write separators differently (`B-MA 1234`, `BMA1234`).
    /// Letters with diacritics that some countries issue (Ä, Ö, Ü in Germany; Å in Scandinavia)
    /// are kept.
    /// - Throws: ``LiaisonError`` `.invalidInput` for an unknown country or a plate of other
    ///   than 2 to 12 letters and digits.
    public static func normalise(_ text: String, country: String) throws(LiaisonError) -> String {
        let code = try CountryCode.validate(country, field: "plateCountry")
        let plate = text.uppercased().filter { !" -.·_".contains($0) }
        guard (2...12).contains(plate.count), plate.allSatisfy({ $0.isLetter || $0.isNumber }) else {
            throw LiaisonError(.invalidInput, "plate '\(text)' must have 2 to 12 letters and digits")
        }
        return code + ":" + plate
    }
}

/// Travel and identity documents, identified by issuing country and number.
public enum TravelDocument {
    /// Document types: ICAO Doc 9303 first letters of the machine-readable zone (P passport,
    /// I/A/C identity and other official travel documents, V visa), plus `residence`,
    /// `driving` for the national documents that police checks meet.
    public static let types: Set<String> = ["P", "I", "A", "C", "V", "RESIDENCE", "DRIVING"]

    /// Canonical form `CC:NUMBER`: the issuing country (ISO 3166-1 alpha-2) and the number in
    /// upper case without spaces, hyphens or the `<` filler of the machine-readable zone.
    /// - Throws: ``LiaisonError`` `.invalidInput` for an unknown country or a number of other
    ///   than 4 to 20 letters and digits (ICAO 9303 allows 9 in the MRZ; national numbers are longer).
    public static func normalise(_ number: String, country: String) throws(LiaisonError) -> String {
        let code = try CountryCode.validate(country, field: "issuingCountry")
        let compact = number.uppercased().filter { !" -<".contains($0) }
        guard (4...20).contains(compact.count), compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw LiaisonError(.invalidInput, "document number '\(number)' must have 4 to 20 letters and digits")
        }
        return code + ":" + compact
    }

    /// A type in canonical form.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the accepted types.
    public static func type(_ text: String) throws(LiaisonError) -> String {
        let type = text.uppercased()
        guard types.contains(type) else {
            throw LiaisonError(.invalidInput, "document type '\(text)' is not one of \(types.sorted().joined(separator: ", "))")
        }
        return type
    }
}

/// Crypto-asset addresses, in the forms the major chains write them.
public enum CryptoWallet {
    private static let base58 = Set("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
    private static let bech32 = Set("qpzry9x8gf2tvdw0s3jn54khce6mua7l")

    /// Canonical form: Ethereum-style `0x` addresses (40 hex digits, EIP-55 mixed case ignored)
    /// and Bech32 addresses (BIP 173, case-insensitive) in lower case; Base58 addresses (Bitcoin
    /// legacy, Tron, Solana) as written, since their case is significant.
    /// - Throws: ``LiaisonError`` `.invalidInput` when it is none of these forms.
    public static func normalise(_ text: String) throws(LiaisonError) -> String {
        let address = text.filter { !$0.isWhitespace }
        let lower = address.lowercased()
        if lower.hasPrefix("0x") {
            guard lower.count == 42, lower.dropFirst(2).allSatisfy(\.isHexDigit) else {
                throw LiaisonError(.invalidInput, "address '\(text)' starts with 0x but is not 40 hexadecimal digits")
            }
            return lower
        }
        if let separator = lower.lastIndex(of: "1"), ["bc", "tb", "ltc"].contains(String(lower[..<separator])) {
            let data = lower[lower.index(after: separator)...]
            guard address == lower || address == address.uppercased(), (14...74).contains(lower.count), data.count >= 6, data.allSatisfy(bech32.contains) else {
                throw LiaisonError(.invalidInput, "address '\(text)' is not a valid Bech32 address (BIP 173)")
            }
            return lower
        }
        guard (25...44).contains(address.count), address.allSatisfy(base58.contains) else {
            throw LiaisonError(.invalidInput, "address '\(text)' is neither a 0x, a Bech32 nor a Base58 address")
        }
        return address
    }
}
