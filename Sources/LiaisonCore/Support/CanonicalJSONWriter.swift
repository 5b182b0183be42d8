#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Writes JSON byte for byte as a `JSONEncoder` with sorted keys and ISO 8601 dates does
/// (``CanonicalJSON/encoder``, slashes unescaped, or, with `escapingSlashes`, the message
/// store's and the wire's), for the documents every operation writes (audit events, messages,
/// envelope headers, receipts), where `JSONEncoder`'s generic machinery costs more than the rest
/// of their handling. See ``document(_:as:dates:capacity:_:)``.
///
/// Callers write keys in sorted order themselves; a test beside each use checks it against its
/// encoder on awkward input (control characters, quotes, slashes, non-ASCII keys, astral
/// characters, dates around 1970, leap days and year ends; `CanonicalJSONTests` for the writer).
public struct CanonicalJSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []
    /// Whether `/` is written `\/`, as `JSONEncoder` does without `.withoutEscapingSlashes`.
    private let escapesSlashes: Bool

    /// - Parameter escapingSlashes: write `/` as `\/` (`JSONEncoder`'s default), for documents of
    ///   an encoder without `.withoutEscapingSlashes`.
    public init(capacity: Int = 256, escapingSlashes: Bool = false) {
        bytes.reserveCapacity(capacity)
        escapesSlashes = escapingSlashes
    }

    /// A document written directly by `write`, escaped as `encoder` escapes (slashes unless it has
    /// `.withoutEscapingSlashes`), or `encoder`'s own encoding of `value` when one of `dates` is
    /// outside the years ``date(_:)`` spells. For the documents written on every operation, where
    /// `JSONEncoder`'s generic path costs more than the rest of their handling; `write` writes what
    /// `encoder` would for `value` (keys in sorted order, absent optionals omitted), and a test
    /// beside each use compares the two.
    public static func document(
        _ value: some Encodable, as encoder: JSONEncoder, dates: [Date?], capacity: Int = 256,
        _ write: (inout CanonicalJSONWriter) throws -> Void
    ) throws -> Data {
        guard dates.allSatisfy({ $0.map(writes) ?? true }) else { return try encoder.encode(value) }
        var json = CanonicalJSONWriter(capacity: capacity, escapingSlashes: !encoder.outputFormatting.contains(.withoutEscapingSlashes))
        try write(&json)
        return Data(json.bytes)
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// A member's key; its value follows. Keys must come in the order of their UTF-8 bytes.
    public mutating func key(_ key: String) {
        separate()
        quoted(key)
        bytes.append(UInt8(ascii: ":"))
        // The value belongs to this member: no comma before it.
        needsComma[needsComma.count - 1] = false
    }

    public mutating func string(_ value: String) {
        separate()
        quoted(value)
    }

    /// A member with a string value; nothing at all when the value is absent (as `.sortedKeys`
    /// encoding omits a `nil` optional).
    public mutating func member(_ key: String, _ value: String?) {
        guard let value else { return }
        self.key(key)
        string(value)
    }

    /// A member with a date value (see ``date(_:)``); nothing at all when the value is absent.
    public mutating func member(_ key: String, _ value: Date?) {
        guard let value else { return }
        self.key(key)
        date(value)
    }

    /// A member with an array of strings; nothing at all when the array is absent.
    public mutating func member(_ key: String, _ values: [String]?) {
        guard let values else { return }
        self.key(key)
        array(values)
    }

    public mutating func array(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    /// An object of string members, its keys in the order of their UTF-8 bytes (as `.sortedKeys` has them).
    public mutating func object(_ members: [String: String]) {
        object(members) { $0.string($1) }
    }

    /// An object of `members`, its keys in the order of their UTF-8 bytes (as `.sortedKeys` has
    /// them), each value written by `write`.
    public mutating func object<Value>(_ members: [String: Value], _ write: (inout CanonicalJSONWriter, Value) -> Void) {
        beginObject()
        for key in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            self.key(key)
            write(&self, members[key]!)
        }
        endObject()
    }

    public mutating func integer(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A value already written as JSON, as it is.
    public mutating func raw(_ json: some Sequence<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
    }

    /// `yyyy-MM-ddTHH:mm:ssZ` in UTC, the fraction of a second dropped (as `JSONEncoder`'s
    /// `.iso8601` strategy writes it), for the dates ``writes(_:)`` accepts.
    public mutating func date(_ value: Date) {
        separate()
        let seconds = Int64(value.timeIntervalSince1970.rounded(.down))  // checked: callers pass only dates in the years the writer spells (see dates:)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civil(daysSince1970: days)
        bytes.append(UInt8(ascii: "\""))
        digits(year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3_600, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay % 3_600 / 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2)
        bytes.append(contentsOf: "Z\"".utf8)
    }

    /// Whether ``date(_:)`` writes this date as `JSONEncoder` would: years 1583 to 9999. Before
    /// 1583 Foundation's calendar is Julian (the Gregorian reform of October 1582), and this
    /// writer's is not.
    public static func writes(_ date: Date) -> Bool {
        // 1583-01-01T00:00:00Z up to 10000-01-01T00:00:00Z.
        (-12_212_553_600 ..< 253_402_300_800).contains(date.timeIntervalSince1970)
    }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        needsComma.append(false)
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        needsComma.removeLast()
    }

    private mutating func separate() {
        guard let last = needsComma.last else { return }
        if last { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    private mutating func digits(_ value: Int64, _ width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))  // checked: one decimal digit, 0-9
            rest %= divisor
            divisor /= 10
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// The string in quotes, escaped as `JSONEncoder` escapes (slashes only when asked): runs of
    /// bytes that need no escape are copied whole.
    private mutating func quoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        let slash = escapesSlashes ? UInt8(ascii: "/") : UInt8(ascii: "\"")
        value.withUTF8 { utf8 in
            var start = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == slash {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                escape(byte)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "/"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "/")])
        case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
        case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
        case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        default:
            bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xF)]])  // checked: a byte widened to Int
        }
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01 (H. Hinnant's
    /// `civil_from_days`, http://howardhinnant.github.io/date_algorithms.html).
    static func civil(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
