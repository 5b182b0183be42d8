import Foundation
import LiaisonCore
import Testing

@Suite("Canonical JSON written by hand")
struct CanonicalJSONTests {
    /// Every control character, quotes, backslashes, slashes, non-ASCII and astral characters,
    /// U+2028, DEL.
    static let awkward = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self) + "\u{7f}/\"\\é😀\u{2028} plain"

    static let dates: [Date] = [
        Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.5), Date(timeIntervalSince1970: 1e-7),
        Date(timeIntervalSince1970: 1_234_567_890.75), Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
        Date(timeIntervalSince1970: 4_107_542_399),  // 2100-02-28T23:59:59Z
        Date(timeIntervalSince1970: -2_208_988_801),  // 1899-12-31T23:59:59Z
        Date(timeIntervalSince1970: -62_135_596_800),  // 0001-01-01 (Julian: left to the encoder)
        Date(timeIntervalSince1970: -12_212_553_600),  // 1583-01-01, the first year written by hand
        Date(timeIntervalSince1970: 253_402_300_799),  // 9999-12-31T23:59:59Z
        Date(timeIntervalSince1970: 1_796_000_000.999),
    ]

    @Test("an audit event's bytes are the canonical encoder's, whatever its strings and time", arguments: dates)
    func auditEvent(time: Date) throws {
        let full = AuditEvent(
            time: time, operation: .messageSent, outcome: .denied, actor: "user:" + Self.awkward, role: "investigator", subject: "message:" + Self.awkward,
            purpose: Self.awkward, legalBasis: "FD 2006/960/JHA", recipients: ["XB-CUS", Self.awkward, ""],
            details: ["b": "1", "a10": "2", "a9": Self.awkward, "ä": "3", "Z": "4", "": "5", Self.awkward: "6"]
        )
        let bare = AuditEvent(time: time, operation: .login, actor: "anonymous")
        let empty = AuditEvent(time: time, operation: .auditRead, actor: "", recipients: [], details: [:])
        for event in [full, bare, empty] {
            let expected = try JSON.canonicalEncoder.encode(event)
            #expect(String(decoding: try AuditLeaf.encode(event), as: UTF8.self) == String(decoding: expected, as: UTF8.self))
            #expect(try AuditLeaf.decode(event: AuditLeaf.encode(event)) == (try JSON.decoder.decode(AuditEvent.self, from: expected)))
        }
    }

    @Test("days before and after 1970 map to their calendar dates")
    func calendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for days in stride(from: Int64(-800_000), through: 2_900_000, by: 997) {
            var writer = CanonicalJSONWriter()
            let date = Date(timeIntervalSince1970: TimeInterval(days) * 86_400 + 3_723)
            guard CanonicalJSONWriter.writes(date) else { continue }
            writer.date(date)
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let expected = String(format: "\"%04d-%02d-%02dT01:02:03Z\"", parts.year!, parts.month!, parts.day!)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == expected)
        }
    }
}
