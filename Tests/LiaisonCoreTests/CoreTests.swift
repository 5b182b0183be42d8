import Foundation
import LiaisonCore
import Testing

@Suite("Core rules")
struct CoreTests {
    @Test("UUIDv7 carries version 7, the RFC 9562 variant and the timestamp, and sorts by time")
    func uuidV7() {
        let early = UUIDv7.make(at: Date(timeIntervalSince1970: 1_700_000_000))
        let late = UUIDv7.make(at: Date(timeIntervalSince1970: 1_700_000_000.002))
        let bytes = withUnsafeBytes(of: early.uuid) { Array($0) }
        #expect(bytes[6] >> 4 == 7)
        #expect(bytes[8] >> 6 == 0b10)
        let millis = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(millis == 1_700_000_000_000)
        #expect(early.uuidString < late.uuidString)
        #expect(UUIDv7.make(at: Date()) != UUIDv7.make(at: Date()))
    }

    @Test("roles parse from their wire names, with '_' or any case", arguments: [
        ("liaison-officer", Role.liaisonOfficer), ("LIAISON_OFFICER", .liaisonOfficer),
        ("data-protection-officer", .dataProtectionOfficer), ("oversight", .oversight),
    ])
    func roleParsing(text: String, role: Role) {
        #expect(Role(parsing: text) == role)
    }

    @Test("unknown roles do not parse")
    func unknownRole() {
        #expect(Role(parsing: "root") == nil)
        #expect(Role.allCases.count == 8)
    }

    @Test("country codes: assigned and user-assigned accepted, others refused", arguments: [
        ("de", true), ("GB", true), ("XA", true), ("QM", true), ("ZZ", true), ("AA", true),
        ("ZX", false), ("UK", false), ("D", false), ("DEU", false), ("QL", false),
    ])
    func countryCodes(code: String, valid: Bool) {
        #expect(((try? CountryCode.validate(code, field: "jurisdiction")) != nil) == valid)
    }

    @Test("node profiles validate every field and name the bad one", arguments: [
        ("X", "Name", "XA", "https://a.example", "agency code"),
        ("XA POL", "Name", "XA", "https://a.example", "agency code"),
        ("-XA", "Name", "XA", "https://a.example", "agency code"),
        ("XA-POL", "", "XA", "https://a.example", "name"),
        ("XA-POL", "Name", "ZX", "https://a.example", "jurisdiction"),
        ("XA-POL", "Name", "XA", "ftp://a.example", "endpoint"),
        ("XA-POL", "Name", "XA", "not a url", "endpoint"),
    ])
    func profiles(code: String, name: String, jurisdiction: String, endpoint: String, field: String) {
        let error = #expect(throws: LiaisonError.self) {
            try NodeProfile(agencyCode: code, name: name, jurisdiction: jurisdiction, endpoint: endpoint)
        }
        #expect(error?.message.lowercased().contains(field) == true, "\(error?.message ?? "")")
    }

    @Test("a valid profile is normalised")
    func validProfile() throws {
        let profile = try NodeProfile(agencyCode: "xa-pol", name: "  Aldoria Police ", jurisdiction: "xa", endpoint: "https://127.0.0.1:8443")
        #expect(profile.agencyCode == "XA-POL" && profile.name == "Aldoria Police" && profile.jurisdiction == "XA")
    }

    @Test("login back-off: free attempts, then doubling locks up to the cap")
    func throttle() {
        let throttle = LoginThrottle(freeAttempts: 5, firstLock: .seconds(30), maximumLock: .seconds(900))
        let now = Date(timeIntervalSince1970: 0)
        #expect(throttle.lockedUntil(failures: 4, at: now) == nil)
        #expect(throttle.lockedUntil(failures: 5, at: now) == now.addingTimeInterval(30))
        #expect(throttle.lockedUntil(failures: 6, at: now) == now.addingTimeInterval(60))
        #expect(throttle.lockedUntil(failures: 50, at: now) == now.addingTimeInterval(900))
    }

    @Test("credential rules", arguments: [
        ("ok.user", "twelve chars", true), ("ab", "twelve chars", false), ("Upper", "twelve chars", false),
        ("user", "short", false), ("user", String(repeating: "x", count: 73), false),
    ])
    func credentials(username: String, password: String, valid: Bool) {
        let ok = (try? CredentialRules.validateUsername(username)) != nil && (try? CredentialRules.validatePassword(password)) != nil
        #expect(ok == valid)
    }
}


@Suite("Calendar days")
struct CalendarDayTests {
    @Test("real YYYY-MM-DD dates only; a period includes both named days")
    func days() throws {
        #expect(CalendarDay.start(of: "2026-02-28") == ISO8601DateFormatter().date(from: "2026-02-28T00:00:00Z"))
        for bad in ["2026-02-30", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-01T00", ""] { #expect(CalendarDay.start(of: bad) == nil, "\(bad)") }
        let period = try CalendarDay.period(from: "2026-01-01", to: "2026-01-31", now: Date())
        #expect(period.to.timeIntervalSince(period.from) == 31 * 86_400)
        let year = try CalendarDay.period(from: nil, to: nil, now: ISO8601DateFormatter().date(from: "2026-06-15T12:00:00Z")!)
        #expect(year.from == CalendarDay.start(of: "2026-01-01") && year.to == CalendarDay.start(of: "2027-01-01"))
        #expect(throws: LiaisonError.self) { try CalendarDay.period(from: "2026-02-01", to: "2026-01-31", now: Date()) }
    }
}
