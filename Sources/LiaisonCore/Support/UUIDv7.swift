#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Time-ordered identifiers (RFC 9562 §5.7, UUID version 7): 48 bits of Unix milliseconds,
/// then version, 12 random bits, variant and 62 random bits.
public enum UUIDv7 {
    /// Makes a version 7 UUID for the given instant.
    /// - Parameter date: the instant whose milliseconds lead the identifier.
    /// - Returns: a UUID that sorts after any made for an earlier millisecond.
    public static func make(at date: Date) -> UUID {
        var generator = SystemRandomNumberGenerator()
        return make(at: date, using: &generator)
    }

    /// Makes a version 7 UUID with the given source of randomness.
    public static func make(at date: Date, using generator: inout some RandomNumberGenerator) -> UUID {
        let milliseconds = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)))  // checked: a date from a clock, not input
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index)))
        }
        let random = generator.next() as UInt64
        let random2 = generator.next() as UInt64
        for index in 6..<16 {
            let source = index < 14 ? random : random2
            bytes[index] = UInt8(truncatingIfNeeded: source >> (8 * (index % 8)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
        ))
    }
}
