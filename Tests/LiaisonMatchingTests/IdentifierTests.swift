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

@Suite("Hit/no-hit identifiers")
struct HitIdentifierTests {
    @Test("VIN: the 49 CFR 565 check digit where it applies")
    func vin() throws {
        #expect(try VIN.normalise("1m8gdm9axkp042788") == "1M8GDM9AXKP042788")
        #expect(throws: LiaisonError(.invalidInput, "VIN '1M8GDM9A1KP042788' fails its check digit: position 9 should be X (49 CFR 565.15)")) {
            try VIN.normalise("1M8GDM9A1KP042788")
        }
        // A European VIN (W…): position 9 is the manufacturer's, not checked.
        #expect(try VIN.normalise("WVWZZZ1JZ3W386752") == "WVWZZZ1JZ3W386752")
        #expect(throws: LiaisonError.self) { try VIN.normalise("WVWZZZ1JZ3W38675") }
        #expect(throws: LiaisonError.self) { try VIN.normalise("WVWZZZ1JZ3W38675O") }
    }

    @Test("plates compare within their country, separators dropped")
    func plates() throws {
        #expect(try LicencePlate.normalise("b-ma 1234", country: "de") == "DE:BMA1234")
        #expect(try LicencePlate.normalise("BMA1234", country: "DE") == "DE:BMA1234")
        #expect(try LicencePlate.normalise("MÖ-X 77", country: "DE") == "DE:MÖX77")
        #expect(throws: LiaisonError.self) { try LicencePlate.normalise("B", country: "DE") }
        #expect(throws: LiaisonError.self) { try LicencePlate.normalise("BMA1234", country: "XX1") }
    }

    @Test("documents, phones and wallets in canonical form")
    func others() throws {
        #expect(try TravelDocument.normalise("c01x-00t47", country: "de") == "DE:C01X00T47")
        #expect(try TravelDocument.type("p") == "P")
        #expect(throws: LiaisonError.self) { try TravelDocument.type("Q") }
        #expect(try PhoneNumber.normalise("0049 30 1234-5678") == "+493012345678")
        #expect(try CryptoWallet.normalise("0x52908400098527886E0F7030069857D2E4169EE7") == "0x52908400098527886e0f7030069857d2e4169ee7")
        #expect(try CryptoWallet.normalise("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4") == "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
        #expect(try CryptoWallet.normalise("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2") == "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")
        #expect(throws: LiaisonError.self) { try CryptoWallet.normalise("0x1234") }
        #expect(throws: LiaisonError.self) { try CryptoWallet.normalise("not-an-address") }
    }
}

@Suite("Reference data files")
struct ReferenceFileTests {
    @Test("a file with bad lines reports every one with its number and reason")
    func badLines() {
        let csv = """
        reference,iban,holder
        ACC-1,DE89 3704 0044 0532 0130 00,Jane
        ACC-2,DE89 3704 0044 0532 0130 01,John
        ,GB29NWBK60161331926819,
        ACC-1,GB29NWBK60161331926819,Duplicate
        """
        let file = ReferenceFile.parse(csv, category: .bankAccount)
        #expect(file.records.count == 1)
        #expect(file.problems.map(\.description) == [
            "line 3: iban: IBAN 'DE89 3704 0044 0532 0130 01' fails the ISO 13616 mod-97 check",
            "line 4: reference: missing",
            "line 5: reference 'ACC-1' already appears on line 2",
        ])
    }

    @Test("DNA JSON lines: unknown loci, too few loci and implausible alleles are named")
    func dnaJSON() {
        let lines = """
        {"reference": "S-1", "type": "stain", "loci": {"D3S1358": ["15", "16"], "vWA": [17, 18], "D8S1179": "13,14", "D21S11": ["29", "30"], "D18S51": ["14", "15"], "TH01": ["6", "9.3"]}}
        {"reference": "S-2", "loci": {"D3S1358": ["15", "16"], "vWA": ["17", "18"]}}
        {"reference": "S-3", "loci": {"D3S1358": ["15", "16"], "XYZ": ["1", "2"]}}
        {"reference": "S-4", "loci": {"D3S1358": ["15", "77"]}}
        not json
        """
        let file = ReferenceFile.parse(lines, category: .dna)
        #expect(file.records.map(\.reference) == ["S-1"])
        #expect(file.problems.map(\.description) == [
            "line 2: profile: only 2 fully designated loci; at least 6 are needed",
            "line 3: unknown locus 'XYZ'",
            "line 4: D3S1358: allele '77' is implausible: expected 2 to 60 repeats, with a fraction of .1 to .4 at most",
            "line 5: not a JSON object",
        ])
    }

    @Test("persons: transliteration-aware names; date of birth exact, within a year (reported as such), or no hit")
    func persons() throws {
        let people = ReferenceFile.parse("""
        reference,name,dateOfBirth,nationality
        P-1,Mohammed Al-Rashid,1980-05-03,SY
        P-2,Ivan Petrov,1975,RU
        """, category: .person)
        #expect(people.problems.isEmpty)
        let index = try ReferenceIndex(category: .person, records: people.records)
        func ask(_ name: String, _ date: String?) -> HitAnswer {
            index.search(ReferenceRecord(category: .person, reference: "q", fields: ["name": name].merging(date.map { ["dateOfBirth": $0] } ?? [:]) { a, _ in a }))
        }
        #expect(ask("Mohamed Alrashid", "1980-05-03").matches.first?.reference == "P-1")
        #expect(ask("Мохаммед Аль-Рашид", "1980-05-03").outcome != .noHit)
        let nearby = ask("Mohammed Al-Rashid", "1981-02-01")
        #expect(nearby.outcome == .nearHit)
        #expect(nearby.matches.first?.dateOfBirth == .withinOneYear)
        #expect(ask("Mohammed Al-Rashid", "1985-05-03").outcome == .noHit)
        #expect(ask("Ivan Petrov", "1975-07-01").matches.first?.dateOfBirth == .exact)
    }

    @Test("exact identifiers: a vehicle is found by VIN or by plate in any spelling")
    func vehicles() throws {
        let file = ReferenceFile.parse("""
        reference,vin,plate,plateCountry,status
        V-1,1M8GDM9AXKP042788,B-MA 1234,DE,stolen
        """, category: .vehicle)
        #expect(file.problems.isEmpty)
        let index = try ReferenceIndex(category: .vehicle, records: file.records)
        let byPlate = ReferenceFile.parse("plate,plateCountry\nbma1234,de\nBMA1234,AT\n", category: .vehicle, purpose: .query)
        #expect(byPlate.records.map { index.search($0).outcome } == [.hit, .noHit])
        #expect(index.search(byPlate.records[0]).matches.first?.matchedOn == "plate")
    }
}
