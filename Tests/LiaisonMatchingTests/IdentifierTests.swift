import LiaisonCore
import LiaisonMatching
import Testing

@Suite("Identifiers")
struct IdentifierTests {
    @Test("valid IBANs normalise (ISO 13616 mod-97)", arguments: [
        ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
        ("de89370400440532013000", "DE89370400440532013000"),
        ("FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"),
    ])
    func validIBAN(input: String, canonical: String) throws {
        #expect(try IBAN.normalise(input) == canonical)
    }

    @Test("invalid IBANs are refused", arguments: ["GB82 WEST 1234 5698 7654 33", "ZZ82WEST12345698765432", "GB8", "GB82-WEST-1234-5698-7654-3!"])
    func invalidIBAN(input: String) {
        #expect(throws: LiaisonError.self) { try IBAN.normalise(input) }
    }

    @Test("E.164 phone numbers", arguments: [
        ("+44 20 7946 0958", "+442079460958"), ("0049 (30) 123-4567", "+49301234567"),
    ])
    func validPhone(input: String, canonical: String) throws {
        #expect(try PhoneNumber.normalise(input) == canonical)
    }

    @Test("numbers that are not E.164 are refused", arguments: ["020 7946 0958", "+0123456789", "+1234", "+1234567890123456", "+44 20 79x6"])
    func invalidPhone(input: String) {
        #expect(throws: LiaisonError.self) { try PhoneNumber.normalise(input) }
    }
}
