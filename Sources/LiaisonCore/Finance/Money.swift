/// A currency of ISO 4217 with its minor unit: the number of decimal places an amount in it may
/// carry (EUR 2, JPY 0, KWD 3, CLF 4).
public struct Currency: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The alphabetic code (`EUR`).
    public let code: String
    /// Decimal places of the minor unit (ISO 4217 "Minor unit" column).
    public let minorUnits: Int

    /// The currency with this code.
    /// - Throws: ``LiaisonError`` `.invalidInput` when the code is not an active ISO 4217 currency
    ///   with a minor unit (precious metals, testing and fund codes such as XAU, XTS, XDR have none).
    public init(_ code: String) throws(LiaisonError) {
        let upper = code.uppercased()
        guard let minor = Currency.iso4217[upper] else {
            throw LiaisonError(.invalidInput, "currency '\(code)' is not an ISO 4217 currency code")
        }
        self.code = upper
        self.minorUnits = minor
    }

    public var description: String { code }

    /// US dollars: AMLSim's and the generator's currency.
    public static func usDollar() -> Currency { try! Currency("USD") }  // USD is in the table below

    public init(from decoder: any Decoder) throws {
        let code = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(code) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    /// Active codes of ISO 4217 (list one, as maintained by SIX Financial Information for the ISO
    /// 4217 Maintenance Agency, amendment 179 of 2025) with their minor units. Codes whose minor
    /// unit is "N.A." (gold, silver, SDR, testing) are left out: they cannot be an amount to trace.
    public static let iso4217: [String: Int] = {
        var table: [String: Int] = [:]
        let two = """
            AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD \
            CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL \
            GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR \
            LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD \
            PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC \
            SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW \
            ZWG
            """
        for code in two.split(separator: " ") { table[String(code)] = 2 }
        for code in "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(separator: " ") {
            table[String(code)] = 0
        }
        for code in "BHD IQD JOD KWD LYD OMR TND".split(separator: " ") { table[String(code)] = 3 }
        for code in "CLF UYW".split(separator: " ") { table[String(code)] = 4 }
        return table
    }()
}

/// An amount of money, exact: an integer count of the currency's minor unit (cents, fils, yen).
/// Never a floating-point number: a trace attributes and sums amounts, and a court reads the result.
public struct Money: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The amount in minor units (1234 for EUR 12.34).
    public var minor: Int64
    public var currency: Currency

    public init(minor: Int64, currency: Currency) {
        self.minor = minor
        self.currency = currency
    }

    /// Parses a decimal amount (`1234.5`, `-0.07`, `15669.38`) exactly.
    /// - Throws: ``LiaisonError`` `.invalidInput` for anything that is not a plain decimal number
    ///   (no exponent, no thousands separators), for more decimals than the currency's minor unit
    ///   allows, and for amounts beyond ±9.2 × 10^18 minor units.
    public init(parsing text: String, currency: Currency) throws(LiaisonError) {
        let trimmed = text.trimmingWhitespace()
        var digits = Substring(trimmed)
        var negative = false
        if digits.first == "-" || digits.first == "+" {
            negative = digits.first == "-"
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !whole.isEmpty || !fraction.isEmpty,
            whole.allSatisfy({ $0.isASCII && $0.isNumber }), fraction.allSatisfy({ $0.isASCII && $0.isNumber }),
            parts.count == 1 || !fraction.isEmpty
        else {
            throw LiaisonError(.invalidInput, "amount '\(text)' is not a decimal number (digits, at most one '.', no exponent)")
        }
        guard fraction.count <= currency.minorUnits else {
            let allowed = currency.minorUnits == 0 ? "no decimals" : "at most \(currency.minorUnits) decimal\(currency.minorUnits == 1 ? "" : "s")"
            throw LiaisonError(.invalidInput, "amount '\(text)' has \(fraction.count) decimals; \(currency.code) allows \(allowed) (ISO 4217)")
        }
        var value: Int64 = 0
        let padded = String(whole) + String(fraction) + String(repeating: "0", count: currency.minorUnits - fraction.count)
        for character in padded.utf8 {
            let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(Int64(truncatingIfNeeded: character &- 48))
            guard !overflowA, !overflowB else {
                throw LiaisonError(.invalidInput, "amount '\(text)' is too large")
            }
            value = sum
        }
        self.init(minor: negative ? -value : value, currency: currency)
    }

    /// The amount as a decimal string with exactly the currency's decimals (`15669.38`, `2700`).
    public var decimal: String {
        let places = currency.minorUnits
        let magnitude = minor.magnitude
        let sign = minor < 0 ? "-" : ""
        guard places > 0 else { return sign + String(magnitude) }
        var divisor: UInt64 = 1
        for _ in 0..<places { divisor *= 10 }
        let fraction = String(magnitude % divisor)
        return sign + String(magnitude / divisor) + "." + String(repeating: "0", count: places - fraction.count) + fraction
    }

    /// `EUR 15669.38`.
    public var description: String { "\(currency.code) \(decimal)" }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.minor < rhs.minor }
}

extension String {
    fileprivate func trimmingWhitespace() -> Substring {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice = slice.dropFirst() }
        while slice.last?.isWhitespace == true { slice = slice.dropLast() }
        return slice
    }
}

extension Int64 {
    /// The sum, held at `Int64.max` (or `.min`) instead of trapping: totals of amounts read from
    /// files (a trace's, an alert's) must not stop the node whatever the file holds.
    @inlinable
    public func saturatingAdding(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// `value × share` rounded as asked, held within Int64 (a share of an amount; shares are small
    /// positive numbers).
    public static func share(of value: Int64, _ share: Double, _ rule: FloatingPointRoundingRule) -> Int64 {
        let product = (Double(value) * share).rounded(rule)
        if product >= 9.2e18 { return .max }
        if product <= -9.2e18 { return .min }
        return Int64(product)  // checked: bounded just above
    }
}
