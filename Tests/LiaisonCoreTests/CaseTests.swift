import Foundation
import LiaisonCore
import Testing

/// A case's own rules: what a reference may be, what a valid case needs, when its review is due.
@Suite("Case rules")
struct CaseRuleTests {
    static let opened = Date(timeIntervalSince1970: 1_790_000_000)

    static func item(reference: String = "XA-2026-0042", title: String = "Heroin route", categories: [OffenceCategory] = [.drugTrafficking],
                     lead: String = "ines", team: [String] = [], legalBasis: String = "CCP Art. 12", partners: [String] = []) -> Case {
        Case(reference: reference, title: title, offenceCategories: categories, lead: lead, team: team, legalBasis: legalBasis,
             partnerReferences: partners, openedBy: "ines", openedAt: opened)
    }

    @Test("references: letters, digits, '-', '_' and '.', 1 to 60, starting with a letter or digit", arguments: [
        ("XA-2026-0042", true), ("op.lantern_2", true), ("c", true), (String(repeating: "a", count: 60), true),
        ("", false), ("-XA", false), ("XA 2026", false), ("XA/2026/1", false), ("message:abc", false), ("Ämter-1", false),
        (String(repeating: "a", count: 61), false), ("XA-1\u{0}", false),
    ])
    func references(reference: String, valid: Bool) {
        #expect(((try? Case.validateReference(reference)) != nil) == valid)
    }

    @Test("a case names what is wrong, field by field", arguments: [
        (item(title: "x"), "title"),
        (item(categories: []), "offenceCategories"),
        (item(categories: [.fraud, .fraud]), "offenceCategories"),
        (item(legalBasis: " "), "legalBasis"),
        (item(team: ["ana", "ana"]), "team"),
        (item(team: ["ines"]), "team"),
        (item(partners: ["XB/1", "xb/1"]), "partnerReferences"),
        (item(partners: ["XA-2026-0042"]), "partnerReferences"),
        (item(partners: ["message:1"]), "partnerReferences"),
        (item(title: "Line\nbreak"), "title"),
    ])
    func invalid(item: Case, field: String) {
        #expect(throws: LiaisonError.self) { try item.validate() }
        do { try item.validate() } catch { #expect(error.message.hasPrefix(field), "\(error.message)") }
    }

    @Test("a valid case passes; its references and members are what it says")
    func valid() throws {
        let item = Self.item(team: ["ana"], partners: ["XB-CUS/2026/77"])
        try item.validate()
        #expect(item.references == ["XA-2026-0042", "XB-CUS/2026/77"])
        #expect(item.isMember("ines") && item.isMember("ana") && !item.isMember("olaf"))
        #expect(Case.key("  XB-CUS/2026/77 ") == "xb-cus/2026/77")
    }

    @Test("the review falls the class's years after the closing, or after the opening while open")
    func review() {
        var item = Self.item()
        item.retention = .short
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        #expect(item.reviewDue == calendar.date(byAdding: .year, value: 3, to: Self.opened))
        item.closedAt = Self.opened.addingTimeInterval(86_400)
        item.retention = .long
        #expect(item.reviewDue == calendar.date(byAdding: .year, value: 10, to: Self.opened.addingTimeInterval(86_400)))
    }

    @Test("the 32 listed offence categories and 'other'")
    func categories() {
        #expect(OffenceCategory.allCases.filter(\.isListed).count == 32)
        #expect(!OffenceCategory.other.isListed)
    }
}
