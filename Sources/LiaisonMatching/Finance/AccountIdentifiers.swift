public import LiaisonCore

/// Business Identifier Codes (ISO 9362): a 4-character party prefix, the ISO 3166-1 country of
/// the institution, a 2-character location suffix and an optional 3-character branch code.
public enum BIC {
    /// The BIC in upper case, 8 or 11 characters.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming what is wrong.
    public static func normalise(_ text: String) throws(LiaisonError) -> String {
        let compact = text.uppercased().filter { !$0.isWhitespace }
        guard compact.count == 8 || compact.count == 11 else {
            throw LiaisonError(.invalidInput, "BIC '\(text)' must have 8 or 11 characters (ISO 9362)")
        }
        guard compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw LiaisonError(.invalidInput, "BIC '\(text)' may contain only letters and digits (ISO 9362)")
        }
        let country = String(compact.dropFirst(4).prefix(2))
        guard CountryCode.assigned.contains(country) || country == "XK" || CountryCode.isUserAssigned(country) else {
            throw LiaisonError(.invalidInput, "BIC '\(text)' has no ISO 3166-1 country code in positions 5 and 6")
        }
        return compact
    }

    /// The country code in a (normalised) BIC.
    public static func country(_ bic: String) -> String { String(bic.dropFirst(4).prefix(2)) }
}

/// Turns an account identifier as a file writes it into a ``FinancialAccount``: an IBAN (checked),
/// or a domestic number qualified by its bank so that two banks' account 12547896 stay apart.
public enum AccountIdentifier {
    /// Whether the text has the shape of an IBAN (two letters, two digits, then letters and digits).
    public static func looksLikeIBAN(_ text: String) -> Bool {
        // Upper-casing never makes more ASCII characters than the text has bytes.
        guard text.utf8.count >= 15 else { return false }
        let compact = text.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        let characters = Array(compact)
        guard (15...34).contains(characters.count) else { return false }
        return characters[0].isLetter && characters[1].isLetter && characters[2].isNumber && characters[3].isNumber
            && characters.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// The account an identifier names.
    /// - Parameters:
    ///   - text: the identifier (IBAN or domestic number, ISO 20022 `Max34Text`).
    ///   - bic: the account servicer's BIC, where the file gives it.
    ///   - country: the account's country where the file gives it (used when neither the IBAN nor the
    ///     BIC says).
    ///   - field: the name used in error messages (`debtor account`).
    /// - Throws: ``LiaisonError`` `.invalidInput` for a malformed IBAN or BIC, or a domestic number
    ///   that is empty, longer than 34 characters or not letters, digits, spaces, '-', '/' and '.'.
    public static func account(
        _ text: String, bic: String? = nil, country: String? = nil, holder: String? = nil, field: String
    ) throws(LiaisonError) -> FinancialAccount {
        let trimmed = text.trimmed
        var normalisedBIC: String?
        if let bic, !bic.trimmed.isEmpty {
            do throws(LiaisonError) { normalisedBIC = try BIC.normalise(bic) } catch {
                throw LiaisonError(.invalidInput, "\(field): \(error.message)")
            }
        }
        var countryCode = country?.trimmed.uppercased()
        if let code = countryCode, code.isEmpty { countryCode = nil }
        if let code = countryCode, !(CountryCode.assigned.contains(code) || code == "XK" || CountryCode.isUserAssigned(code)) {
            throw LiaisonError(.invalidInput, "\(field): country '\(code)' is not an ISO 3166-1 alpha-2 code")
        }
        if looksLikeIBAN(trimmed) {
            let iban: String
            do throws(LiaisonError) { iban = try IBAN.normalise(trimmed) } catch {
                throw LiaisonError(.invalidInput, "\(field): \(error.message)")
            }
            return FinancialAccount(
                key: "iban:\(iban)", scheme: .iban, identifier: iban, bic: normalisedBIC,
                country: String(iban.prefix(2)), holder: holder)
        }
        guard !trimmed.isEmpty else { throw LiaisonError(.invalidInput, "\(field): account identifier is empty") }
        if trimmed.utf8.count <= 34, trimmed.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }) {
            // Digits and capitals only, the usual case: already in canonical form.
            let bank = normalisedBIC.map { String($0.prefix(8)) } ?? countryCode ?? "unknown-bank"
            return FinancialAccount(
                key: "domestic:\(bank):\(trimmed)", scheme: .domestic, identifier: trimmed, bic: normalisedBIC,
                country: normalisedBIC.map(BIC.country) ?? countryCode, holder: holder)
        }
        guard trimmed.count <= 34 else {
            throw LiaisonError(.invalidInput, "\(field): account number '\(trimmed)' is longer than 34 characters (ISO 20022 Max34Text)")
        }
        guard trimmed.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || " -/.".contains($0)) }) else {
            throw LiaisonError(.invalidInput, "\(field): account number '\(trimmed)' may contain only letters, digits, spaces, '-', '/' and '.'")
        }
        let number = trimmed.uppercased().filter { $0.isLetter || $0.isNumber }
        let bank = normalisedBIC.map { String($0.prefix(8)) } ?? countryCode ?? "unknown-bank"
        return FinancialAccount(
            key: "domestic:\(bank):\(number)", scheme: .domestic, identifier: number, bic: normalisedBIC,
            country: normalisedBIC.map(BIC.country) ?? countryCode, holder: holder)
    }

    /// A counterparty that a statement names without an account (cash, a card merchant).
    public static func unidentified(name: String?, reference: String) -> FinancialAccount {
        let label = name?.trimmed.isEmpty == false ? name!.trimmed : reference
        return FinancialAccount(key: "unidentified:\(label)", scheme: .unidentified, identifier: label, holder: name?.trimmed)
    }
}

extension String {
    var trimmed: String {
        // Most fields start and end with a printable ASCII character: nothing to look up.
        if let first = utf8.first, let last = utf8.last, (0x21..<0x7F).contains(first), (0x21..<0x7F).contains(last) { return self }
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice = slice.dropFirst() }
        while slice.last?.isWhitespace == true { slice = slice.dropLast() }
        return String(slice)
    }
}
