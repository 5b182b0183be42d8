import Foundation
import LiaisonCore
@testable import LiaisonMatching
import Testing

@Suite("Name normalisation and transliteration")
struct NameNormalizationTests {
    @Test("scripts become lower-case ASCII tokens", arguments: [
        ("Мария Александровна Осетрова", "mariya aleksandrovna osetrova"),
        ("Захарова", "zakharova"),
        ("Αλέξης Τσίπρας", "alexis tsipras"),
        ("José Ñúñez-García", "jose nunez garcia"),
        ("Straße Øresund Łódź", "strasse oresund lodz"),
        ("O'Brien", "obrien"),
        ("Qa’ida", "qaida"),
        ("王小明", "wang xiao ming"),
    ])
    func transliterates(input: String, expected: String) {
        #expect(NameNormalizer.normalize(input).text == expected)
    }

    @Test("the Arabic article becomes its own token")
    func arabicArticle() {
        let tokens = NameNormalizer.normalize("صدام حسين التكريتي").tokens
        #expect(tokens.contains("al"))
        #expect(NameNormalizer.normalize("صدام حسين التكريتي").script == .arabic)
    }

    @Test("legal forms and honorifics are set aside", arguments: [
        ("ANGLO-CARIBBEAN CO., LTD.", ["anglo", "caribbean"], ["co", "ltd"]),
        ("OOO Romashka", ["romashka"], ["ooo"]),
        ("Grupo Mundo Marino, S.A. de C.V.", ["grupo", "mundo", "marino", "de"], ["sa", "cv"]),
        ("Emma L.L.C.", ["emma"], ["llc"]),
        ("Polska Sp. z o.o.", ["polska"], ["spzoo"]),
    ])
    func legalForms(input: String, tokens: [String], legal: [String]) {
        let name = NameNormalizer.normalize(input)
        #expect(name.tokens == tokens)
        #expect(name.legalForms == legal)
    }

    @Test("a name that is only a legal form keeps it")
    func onlyLegalForm() {
        #expect(NameNormalizer.normalize("CORP").tokens == ["corp"])
        #expect(NameNormalizer.normalize("Dr Ahmed Khan").honorifics == ["dr"])
    }

    @Test("romanisations of one name share a skeleton", arguments: [
        ("mohammed", "muhammad"), ("mohamed", "mhmd"), ("aleksandr", "alexandr"), ("hussein", "hsyn"),
        ("tikriti", "tkryty"), ("kadhafi", "qadafi"), ("yusuf", "iousouf"), ("mousavi", "mwswy"),
    ])
    func skeletons(a: String, b: String) {
        #expect(NameNormalizer.skeleton(Array(a.utf8)) == NameNormalizer.skeleton(Array(b.utf8)))
    }

    @Test("names that differ keep different skeletons", arguments: [("putin", "patel"), ("smith", "schmidt")])
    func differentSkeletons(a: String, b: String) {
        #expect(NameNormalizer.skeleton(Array(a.utf8)) != NameNormalizer.skeleton(Array(b.utf8)))
    }
}

@Suite("Jaro-Winkler")
struct JaroWinklerTests {
    /// Winkler (1990) and the usual textbook pairs.
    @Test("reference scores", arguments: [
        ("martha", "marhta", 0.961), ("dwayne", "duane", 0.840), ("dixon", "dicksonx", 0.813),
        ("abc", "abc", 1.0), ("abc", "xyz", 0.0), ("jellyfish", "smellyfish", 0.896),
    ])
    func reference(a: String, b: String, expected: Double) {
        #expect(abs(JaroWinkler.similarity(a, b) - expected) < 0.001)
    }
}

@Suite("Name matcher")
struct NameMatcherTests {
    let parties: [ListedParty] = [
        ListedParty(id: "1", kind: .person, names: ["PUTIN, Vladimir Vladimirovich", "Владимир Путин"], birthDates: ["1952-10-07"], countries: ["ru"]),
        ListedParty(id: "2", kind: .organization, names: ["JSC ARGUMENT"]),
        ListedParty(id: "3", kind: .organization, names: ["EMMA LLC"]),
        ListedParty(id: "4", kind: .person, names: ["Saddam Hussein AL-TIKRITI"], birthDates: ["1937-04-28"], countries: ["iq"]),
        ListedParty(id: "5", kind: .organization, names: ["AL-QAIDA"]),
        ListedParty(id: "6", kind: .person, names: ["Muhammad Abdul RAHMAN"], identifiers: ["A1234567"]),
        ListedParty(id: "7", kind: .organization, names: ["GENERAL TRADING COMPANY"]),
        ListedParty(id: "8", kind: .organization, names: ["KOREA TRADING CORP"]),
        ListedParty(id: "9", kind: .person, names: ["John Smith"]),
    ]
    var matcher: NameMatcher { NameMatcher(index: NameIndex(parties: parties)) }

    func best(_ name: String, kind: PartyKind = .unknown, dob: String? = nil) -> ScreeningCandidate? {
        matcher.screen(ScreeningQuery(name: name, kind: kind, birthDate: dob)).first
    }

    @Test("variants of a listed name match it", arguments: [
        ("Vladimir Putin", "1"), ("vladimir vladimirovich putin", "1"), ("Putin Vladimir", "1"),
        ("Vladimir Puttin", "1"), ("Владимир Владимирович Путин", "1"),
        ("JSCARGUMENT", "2"), ("JSC ARGUMENT", "2"), ("Argument", "2"),
        ("Saddam Husain al Tikriti", "4"), ("صدام حسين التكريتي", "4"),
        ("AL QAIDA", "5"), ("alqaida", "5"), ("Mohammed Abdul Rahman", "6"), ("M. Abdul Rahman", "6"),
    ])
    func variantsMatch(query: String, expected: String) {
        let candidate = best(query)
        #expect(candidate?.partyID == expected, "\(query) → \(candidate.map { "\($0.partyID) \($0.score)" } ?? "nothing")")
    }

    @Test("short or generic tokens do not carry a match", arguments: [
        "emma daniels", "CORP", "general motors", "trading company", "Vladimir Ivanov", "Smith Barney",
    ])
    func genericTokensDoNotMatch(query: String) {
        let candidate = best(query)
        #expect(candidate == nil, "\(query) → \(candidate.map { "\($0.matchedName) \($0.score)" } ?? "")")
    }

    @Test("every score comes with its explanation")
    func explanation() throws {
        let candidate = try #require(best("Vladimir Vladimirovich Puttin"))
        let methods = candidate.explanation.matched.map(\.method)
        #expect(methods.contains(.exact))
        #expect(methods.contains(.typo))
        #expect(candidate.explanation.summary.contains("'puttin'→'putin' typo"))
        let partial = try #require(best("Saddam Tikriti"))
        #expect(partial.explanation.unmatchedListed == ["hussein", "al"])
        let glued = try #require(best("JSCARGUMENT"))
        #expect(glued.explanation.matched.first?.method == .glued)
    }

    @Test("a different birth year contradicts, the same one supports")
    func birthDate() throws {
        let same = try #require(best("Saddam Tikriti", dob: "1937-04-28"))
        let none = try #require(best("Saddam Tikriti"))
        #expect(same.score > none.score)
        #expect(same.explanation.evidence.map(\.field) == [.birthDate])
        #expect(best("Saddam Tikriti", dob: "1990-01-01") == nil)
    }

    @Test("a person is not an organisation")
    func kindContradicts() {
        #expect(best("Argument", kind: .person) == nil)
        #expect(best("Argument", kind: .organization)?.partyID == "2")
    }

    @Test("a shared identifier number makes a near-certain match")
    func identifier() throws {
        let candidate = try #require(matcher.screen(ScreeningQuery(name: "M Rahman", identifiers: ["a-123 4567"])).first)
        #expect(candidate.partyID == "6")
        #expect(candidate.score >= 0.95)
    }
}

@Suite("List parsers")
struct ListParserTests {
    @Test("OFAC CSV with aliases, addresses and remarks")
    func ofac() throws {
        let list = try OFACList.parse(
            sdn: """
            306,"BANCO NACIONAL DE CUBA",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"a.k.a. 'BNC'."
            2674,"ABBAS, Abu","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 10 Dec 1948; POB Safad, Syria; nationality Iraq; Passport A123456 (Iraq)."
            """,
            alt: "306,220,\"aka\",\"NATIONAL BANK OF CUBA\",-0- \n",
            add: "306,199,\"Zweierstrasse 35\",\"Zurich CH-8022\",\"Switzerland\",-0- \n")
        #expect(list.parties.count == 2)
        #expect(list.parties[0].names == ["BANCO NACIONAL DE CUBA", "NATIONAL BANK OF CUBA", "BNC"])
        #expect(list.parties[0].kind == .organization)
        #expect(list.parties[0].countries == ["ch"])
        #expect(list.parties[1].kind == .person)
        #expect(list.parties[1].birthDates == ["1948-12-10"])
        #expect(list.parties[1].countries == ["iq"])
        #expect(list.parties[1].identifiers == ["A123456"])
    }

    @Test("a malformed OFAC file names its bad lines and imports nothing")
    func ofacBad() {
        #expect {
            try OFACList.parse(sdn: "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\"\nx,\"Y\",-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n")
        } throws: { error in
            let message = (error as? LiaisonError)?.message ?? ""
            return message.contains("line 1") && message.contains("line 2") && message.contains("nothing imported")
        }
    }

    @Test("UN XML entries and a broken file's line")
    func un() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>SADDAM</FIRST_NAME><SECOND_NAME>HUSSEIN AL-TIKRITI</SECOND_NAME>
        <NAME_ORIGINAL_SCRIPT>صدام حسين التكريتي</NAME_ORIGINAL_SCRIPT><NATIONALITY><VALUE>Iraq</VALUE></NATIONALITY>
        <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Abu Ali</ALIAS_NAME></INDIVIDUAL_ALIAS>
        <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1937-04-28</DATE></INDIVIDUAL_DATE_OF_BIRTH>
        </INDIVIDUAL></INDIVIDUALS><ENTITIES><ENTITY><DATAID>2</DATAID><FIRST_NAME>AL-QAIDA</FIRST_NAME></ENTITY></ENTITIES></CONSOLIDATED_LIST>
        """
        let list = try UNList.parse(Data(xml.utf8))
        #expect(list.parties.map(\.id) == ["1", "2"])
        #expect(list.parties[0].names == ["SADDAM HUSSEIN AL-TIKRITI", "صدام حسين التكريتي", "Abu Ali"])
        #expect(list.parties[0].countries == ["iq"])
        #expect(list.parties[0].birthDates == ["1937-04-28"])
        #expect(list.parties[1].kind == .organization)
        #expect {
            try UNList.parse(Data("<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n<INDIVIDUAL>\n</INDIVIDUALS>".utf8))
        } throws: { error in ((error as? LiaisonError)?.message ?? "").contains("line ") }
    }

    @Test("FollowTheMoney lines and deltas")
    func followTheMoney() throws {
        let text = """
        {"id":"a","schema":"Person","properties":{"name":["Maria Osetrova"],"alias":["Мария Осетрова"],"birthDate":["1988-01-07"],"country":["ru"]}}
        {"id":"s","schema":"Sanction","properties":{"entity":["a"]}}
        {"op":"DEL","entity":{"id":"b"}}
        {"op":"MOD","entity":{"id":"c","schema":"Company","properties":{"name":["Romashka OOO"]}}}
        """
        let changes = try FollowTheMoneyList.changes(text)
        #expect(changes.count == 3)
        #expect {
            try FollowTheMoneyList.changes("{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"name\":[\"X\"]}}\nnot json\n{\"op\":\"PATCH\",\"entity\":{}}")
        } throws: { error in
            let message = (error as? LiaisonError)?.message ?? ""
            return message.contains("line 2") && message.contains("line 3")
        }
    }
}

@Suite("Arabic-script names against Latin list entries")
struct ArabicScriptMatchingTests {
    @Test("the transliteration writes ʿayn as a vowel, a final ي as i, and offers the other readings of ambiguous letters")
    func readings() {
        #expect(NameNormalizer.normalize("عصام علي محمد علوش").tokens == ["asam", "ali", "mhmd", "alwsh"])
        let somali = NameNormalizer.normalize("ظاهر")
        #expect(somali.tokens == ["zahr"])
        #expect(somali.alternatives[0].contains("dahr"))
        #expect(NameNormalizer.normalize("بلقاسم").alternatives[0].contains("blgasm"))
        #expect(NameNormalizer.normalize("جمال").alternatives[0] == ["gmal"])
        // The article inside a written-together name may be assimilated ("Nooruddin").
        #expect(NameNormalizer.normalize("نورالدين").alternatives[0].contains("nwradyn"))
        #expect(NameNormalizer.normalize("Hassan Dahir").alternatives.allSatisfy { $0.isEmpty })
    }

    let parties = [
        ListedParty(id: "1", kind: .person, names: ["HASSAN DAHIR AWEYS"]),
        ListedParty(id: "2", kind: .person, names: ["DJAMEL LOUNICI"]),
        ListedParty(id: "3", kind: .person, names: ["MOHAMMED SALAHALDIN ABD EL HALIM ZIDANE"]),
        ListedParty(id: "4", kind: .person, names: ["SIRAJUDDIN HAQQANI"]),
        ListedParty(id: "5", kind: .person, names: ["MOHAMED BEN BELGACEM AL-AOUADI"]),
        ListedParty(id: "6", kind: .person, names: ["HUSAYN, Muhammad"]),
        ListedParty(id: "7", kind: .person, names: ["KHAN, Mohammed"]),
        ListedParty(id: "8", kind: .person, names: ["ABDUL RAUF KHADEM"]),
        ListedParty(id: "9", kind: .person, names: ["THARWAT SALAH SHIHATA"]),
        ListedParty(id: "10", kind: .person, names: ["Ehsan MOHAMMADI"]),
        ListedParty(id: "11", kind: .person, names: ["Amina YUSUF"]),
        ListedParty(id: "12", kind: .person, names: ["Peter SCHMIDT"]),
    ]

    @Test("written in Arabic script, the name finds its Latin entry", arguments: [
        ("حسن ظاهر عويس", "1"),                  // ظ as d (Somali), ʿayn as a vowel
        ("جمال لونيسي", "2"),                    // ج as dj, the French soft c
        ("محمد صلاح الدين عبدالحليم زيدان", "3"), // one written word for three listed ones
        ("سراج الدين حقاني", "4"),               // the article assimilated: "-uddin"
        ("محمد بن بلقاسم العوادي", "5"),          // ق as g (Maghreb)
        ("عبدالروف خادم", "8"),                  // a glued word with no posting of its own
        ("ثروت صالح شحاته", "9"),                // a final ه not written in Latin
    ])
    func finds(query: String, expected: String) {
        let candidates = NameMatcher(index: NameIndex(parties: parties)).screen(ScreeningQuery(name: query))
        #expect(candidates.contains { $0.partyID == expected },
                "\(query) → \(candidates.map { "\($0.partyID) \($0.score) \($0.explanation.summary)" })")
    }

    @Test("what the Arabic script writes contradicts a Latin name that looks alike", arguments: [
        ("حسين محمدي", "6"),  // Husayn Muhammadi: the written final long i is not in "Muhammad"
        ("هانيه محمدي", "7"), // Haniyeh: ه is no "kh"
        ("حسين محمد", "10"),  // Husayn: "Ehsan" starts with a vowel Arabic would write
    ])
    func contradicts(query: String, unexpected: String) {
        let candidates = NameMatcher(index: NameIndex(parties: parties)).screen(ScreeningQuery(name: query))
        #expect(!candidates.contains { $0.partyID == unexpected },
                "\(query) → \(candidates.map { "\($0.partyID) \($0.score) \($0.explanation.summary)" })")
    }
}
