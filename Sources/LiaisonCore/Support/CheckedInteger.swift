/// Conversions between the unsigned sizes and indexes of logs (RFC 9162 tree sizes, audit entry
/// indexes, checkpoint sizes) and the signed 64-bit integers that SQLite and PostgreSQL store.
///
/// `Int64(someUInt64)` traps when the value is 2^63 or more, and such values arrive from outside:
/// a partner's checkpoint, a witness's answer, a path or query parameter. Every conversion of such
/// a value goes through here and fails with ``LiaisonError`` instead of stopping the process.
package enum CheckedInteger {
    /// The largest log size or index that Liaison accepts anywhere: what a signed 64-bit database
    /// column holds (2^63 − 1).
    package static let maximumLogSize = UInt64(Int64.max)  // checked: a positive constant

    /// Parses a decimal log size or index as it appears in a checkpoint, a path or a query: ASCII
    /// digits only, no sign, no leading zero (except `0` itself), at most ``maximumLogSize``.
    /// - Returns: the value, or `nil` when the text is not such a number.
    package static func logSize(_ text: some StringProtocol) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              text == "0" || !text.hasPrefix("0"),
              let value = UInt64(text), value <= maximumLogSize  // checked: parses text: nil when it does not fit
        else { return nil }
        return value
    }

    /// A log size or index as a database integer.
    /// - Throws: ``LiaisonError`` `.invalidInput` when it is above ``maximumLogSize``.
    package static func stored(_ value: UInt64, _ what: @autoclosure () -> String = "a log size") throws(LiaisonError) -> Int64 {
        guard let stored = Int64(exactly: value) else {
            throw LiaisonError(.invalidInput, "\(what()) of \(value) is beyond the largest this node accepts (\(maximumLogSize))")
        }
        return stored
    }

    /// A database integer read back as a log size or index.
    /// - Throws: ``LiaisonError`` `.invalidInput` when the stored value is negative (a damaged row).
    package static func loaded(_ value: Int64, _ what: @autoclosure () -> String = "a stored log size") throws(LiaisonError) -> UInt64 {
        guard let loaded = UInt64(exactly: value) else {
            throw LiaisonError(.invalidInput, "\(what()) is negative (\(value)); the database row is damaged")
        }
        return loaded
    }
}
