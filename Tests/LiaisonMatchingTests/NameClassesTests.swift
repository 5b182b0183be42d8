import Foundation
import LiaisonCore
import LiaisonEvaluation
@testable import LiaisonMatching
import Testing

/// The classes of real queries the first matcher missed (issue 27): fewer name parts than the
/// list, names that are not Arabic written in Arabic script, organisation names transliterated or
/// translated into Arabic, and scripts beyond Latin, Cyrillic and Arabic.
@Suite("Name classes")
struct NameClassesTests {
    static let parties: [ListedParty] = [
        ListedParty(id: "haddad", kind: .person, names: ["Youssef Abd al-Karim Haddad"]),
        ListedParty(id: "vasquez", kind: .person, names: ["VASQUEZ VALENCIA, Natalia Andrea"]),
        ListedParty(id: "binalshibh", kind: .person, names: ["Ramzi Mohamed Abdullah BINALSHIBH"]),
        ListedParty(id: "bastrykin", kind: .person, names: ["BASTRYKIN, Alexander Ivanovich"]),
        ListedParty(id: "petrov", kind: .person, names: ["PETROV, Sergei Viktorovich"]),
        ListedParty(id: "zolotov", kind: .person, names: ["ZOLOTOV, Viktor Vasiliyevich"]),
        ListedParty(id: "gutierrez", kind: .person, names: ["GUTIERREZ PARRA, Jose Bernabe"]),
        ListedParty(id: "grisham", kind: .person, names: ["Michelle Lujan Grisham"]),
        ListedParty(id: "atlas", kind: .organization, names: ["ATLAS SHIP MANAGEMENT"]),
        ListedParty(id: "atlas-shipping", kind: .organization, names: ["ATLAS SHIPPING"]),
        ListedParty(id: "kim", kind: .person, names: ["KIM, Jong Un"]),
        ListedParty(id: "choe", kind: .person, names: ["CHOE, Ryong Hae"]),
        ListedParty(id: "hun", kind: .person, names: ["HUN, Sen"]),
        ListedParty(id: "xi", kind: .person, names: ["XI, Jinping"]),
        ListedParty(id: "saakashvili", kind: .person, names: ["SAAKASHVILI, Mikheil"]),
        ListedParty(id: "pashinyan", kind: .person, names: ["PASHINYAN, Nikol"]),
        ListedParty(id: "modi", kind: .person, names: ["MODI, Narendra"]),
        ListedParty(id: "abiy", kind: .person, names: ["Abiy Ahmed ALI"]),
        ListedParty(id: "abe", kind: .person, names: ["ABE, Shinzo"]),
        ListedParty(id: "netanyahu", kind: .person, names: ["NETANYAHU, Benjamin"]),
        ListedParty(id: "smith", kind: .person, names: ["John Smith"]),
        ListedParty(id: "mohammed", kind: .person, names: ["Mohammed Ali Hassan AL-TIKRITI"]),
        ListedParty(id: "ri-su-yong", kind: .person, names: ["RI, Su Yong"]),
        ListedParty(id: "pak-pong-ju", kind: .person, names: ["PAK, Pong Ju"]),
        ListedParty(id: "smirnov", kind: .person, names: ["SMIRNOV, Dmitri"]),
        ListedParty(id: "ryu", kind: .person, names: ["RYU, Jin"]),
        // Names of the UN list whose original script is Dari or Pashto.
        ListedParty(id: "kakazada", kind: .person, names: ["RAHMATULLAH KAKAZADA"]),
        ListedParty(id: "ghafari", kind: .person, names: ["SANAULLAH GHAFARI"]),
        ListedParty(id: "mohammadi", kind: .person, names: ["MOHAMMAD SHAFIQ MOHAMMADI"]),
        ListedParty(id: "mazhari", kind: .person, names: ["ABDUL QUDDUS MAZHARI"]),
        ListedParty(id: "zadran", kind: .person, names: ["MUHAMMAD OMAR ZADRAN"]),
        ListedParty(id: "mohammad-shafiq", kind: .person, names: ["MOHAMMAD SHAFIQ"]),
    ]
    static let matcher = NameMatcher(index: NameIndex(parties: parties))

    func best(_ name: String) -> ScreeningCandidate? {
        Self.matcher.screen(ScreeningQuery(name: name)).first
    }

    @Test("a given name and a surname match a listed name of more parts", arguments: [
        ("Youssef Haddad", "haddad"), ("Haddad Youssef", "haddad"), ("Natalia Vasquez", "vasquez"), ("Ramzi Binalshibh", "binalshibh"),
        ("Alexander Bastrykin", "bastrykin"), ("Jose Gutierrez", "gutierrez"), ("Michelle Grisham", "grisham"),
    ])
    func fewerParts(query: String, expected: String) {
        let candidate = best(query)
        #expect(candidate?.partyID == expected, "\(query) → \(candidate.map { "\($0.partyID) \($0.score)" } ?? "nothing")")
    }

    @Test("the parts a short form keeps: a middle name with a surname is still held to the full penalty")
    func shortFormParts() throws {
        let first = try #require(Self.matcher.score(ScreeningQuery(name: "Natalia Vasquez"), against: 1))
        let middle = try #require(Self.matcher.score(ScreeningQuery(name: "Andrea Vasquez"), against: 1))
        #expect(first.score >= 0.9)
        #expect(middle.score < first.score - 0.1)
        // One part alone, or a part that is not in the name, is no short form.
        #expect(best("Haddad") == nil)
        #expect(best("Youssef Petrov")?.partyID != "haddad")
    }

    @Test("names that are not Arabic, written in Arabic script", arguments: [
        ("سيرغي بتروف", "petrov"), ("سيرجي بيتروف", "petrov"), ("ألكسندر إيفانوفيتش باستريكين", "bastrykin"),
        ("فيكتور زولوتوف", "zolotov"), ("خوسيه غوتيريز", "gutierrez"), ("ميشيل لوجان غريشام", "grisham"),
    ])
    func arabicScriptForeign(query: String, expected: String) {
        let candidate = best(query)
        #expect(candidate?.partyID == expected, "\(query) → \(candidate.map { "\($0.partyID) \($0.score) \($0.explanation.summary)" } ?? "nothing")")
    }

    @Test("organisation names transliterated or translated into Arabic", arguments: [
        ("أطلس شيب مانجمنت", "atlas"), ("أطلس شيب مانجمنت كومباني ليميتد", "atlas"), ("شركة أطلس للشحن", "atlas-shipping"),
    ])
    func arabicScriptOrganisations(query: String, expected: String) {
        let candidate = best(query)
        #expect(candidate?.partyID == expected, "\(query) → \(candidate.map { "\($0.partyID) \($0.score) \($0.explanation.summary)" } ?? "nothing")")
    }

    @Test("Arabic-script legal forms are set aside, not matched as names")
    func arabicLegalForms() {
        let name = NameNormalizer.normalize("شركة أطلس كومباني ليميتد")
        #expect(name.tokens == ["atls"])
        #expect(name.legalForms.count == 3)
    }

    @Test("legal forms spelt letter by letter in Arabic script are set aside where legal forms stand", arguments: [
        ("سيرن هوتيل ماناغيمينت لك", "llc"), ("هواسونغ شيبينغ كو لتد", "co"), ("بانك سيبه إينتيرناتنال بلك", "plc"), ("بتروتش فزي", "fze"),
        ("أ إينرغي فزكو", "fzco"), ("أوو موكران", "ooo"), ("جسك تاتا بانك", "jsc"), ("تف بروفاكتور أوكراينا", "tov"), ("إيفبيت بارتنيرس أود", "ood"),
        ("نر هلدينغ سل", "sal"), ("غش فينلاند أو", "oy"), ("إيريسل بينيلكس نف", "nv"),
    ])
    func arabicSpelledLegalForms(query: String, form: String) {
        let name = NameNormalizer.normalize(query)
        #expect(name.legalForms.contains(form), "\(query): tokens \(name.tokens), legal forms \(name.legalForms)")
        #expect(!name.tokens.contains(form), "\(query): \(name.tokens)")
    }

    @Test("the same syllables in persons' names stay name parts", arguments: [
        ("آوا سمسار", "aw"), ("مين كو", "kw"), ("لي دو", "dw"), ("باو يانغ", "baw"),
    ])
    func arabicSyllablesThatAreNames(query: String, kept: String) {
        let name = NameNormalizer.normalize(query)
        #expect(name.legalForms.isEmpty, "\(query): legal forms \(name.legalForms)")
        #expect(name.tokens.count == 2, "\(query): \(name.tokens)")
    }

    @Test("every script a list or a query brings", arguments: [
        ("김정은", "kim"), ("김 정은", "kim"), ("최룡해", "choe"), ("ហ៊ុន សែន", "hun"), ("习近平", "xi"),
        ("მიხეილ სააკაშვილი", "saakashvili"), ("Նիկոլ Փաշինյան", "pashinyan"), ("नरेन्द्र मोदी", "modi"),
        ("አቢይ አሕመድ", "abiy"), ("アベ シンゾウ", "abe"), ("KIM 정은", "kim"),
    ])
    func scripts(query: String, expected: String) {
        let candidate = best(query)
        #expect(candidate?.partyID == expected, "\(query) → \(NameNormalizer.normalize(query).text) → \(candidate.map { "\($0.partyID) \($0.score)" } ?? "nothing")")
    }

    @Test("a Korean surname is found wherever it stands; a given name is matched whole, not by one syllable", arguments: [
        ("이수용", "ri-su-yong"), ("이 수용", "ri-su-yong"), ("수용 이", "ri-su-yong"), ("리수용", "ri-su-yong"),
        ("박봉주", "pak-pong-ju"), ("봉주 박", "pak-pong-ju"),
        ("수빈 이", nil), ("이수빈", nil), ("봉철 박", nil), ("장", nil),
    ] as [(String, String?)])
    func korean(query: String, expected: String?) {
        let candidate = best(query)
        #expect(candidate?.partyID == expected, "\(query) → \(NameNormalizer.normalize(query).text) → \(candidate.map { "\($0.partyID) \($0.score)" } ?? "nothing")")
    }

    @Test("romanisations that differ in y for i, and -off for -ov", arguments: [
        ("Riu Jin", "ryu"), ("Dmitri Smirnoff", "smirnov"), ("Dmitry Smirnov", "smirnov"),
    ])
    func romanisations(query: String, expected: String) {
        let candidate = best(query)
        #expect(candidate?.partyID == expected, "\(query) → \(candidate.map { "\($0.partyID) \($0.score)" } ?? "nothing")")
    }

    @Test("Persian, Dari and Pashto writing: -ullah and -zada written apart, final ی and undotted ى, ہ, ځ, a letter then h", arguments: [
        ("رحمت الله کاکا زاده", "kakazada"), ("ثناء اللہ غفاری", "ghafari"), ("محمد شفیق محمدی", "mohammadi"),
        ("محمد شفیق", "mohammad-shafiq"), ("عبد القدوس مظهری", "mazhari"), ("محمد عمر ځدران", "zadran"),
    ])
    func persian(query: String, expected: String) {
        let candidate = best(query)
        #expect(candidate?.partyID == expected, "\(query) → \(NameNormalizer.normalize(query).text) → \(candidate.map { "\($0.partyID) \($0.score) \($0.explanation.summary)" } ?? "nothing")")
    }

    @Test("Khmer and Lao are transliterated; scripts without a transliteration are named", arguments: [
        ("ហ៊ុន សែន", "hun saen"), ("ສົມພອນ", "somphon"), ("ເພັດ", "phed"),
    ])
    func khmerAndLao(query: String, expected: String) {
        #expect(NameNormalizer.normalize(query).text == expected)
    }

    @Test("a name in a script screening cannot read says which script")
    func untransliterable() {
        #expect(NameNormalizer.untransliterableScript(in: "བསྟན་འཛིན་རྒྱ་མཚོ") == "Tibetan")
        #expect(NameNormalizer.untransliterableScript(in: "ᠴᠢᠩᠭᠢᠰ") == "Mongolian")
        #expect(NameNormalizer.untransliterableScript(in: "Tenzin བསྟན") == nil)
        #expect(NameNormalizer.untransliterableScript(in: "--") == nil)
    }

    @Test("results stored before extraListedWeight existed decode with the old weight")
    func parametersDecodeOldRecords() throws {
        let old = #"{"threshold":0.8,"limit":10,"typoSimilarity":0.85,"unmatchedListedWeight":0.5}"#
        let parameters = try JSONDecoder().decode(MatchingParameters.self, from: Data(old.utf8))
        #expect(parameters.extraListedWeight == 0.5)
        let current = try JSONDecoder().decode(MatchingParameters.self, from: JSONEncoder().encode(MatchingParameters()))
        #expect(current == MatchingParameters())
    }
}

@Suite("Pairwise evaluation")
struct PairwiseEvaluationTests {
    @Test("OpenSanctions pairs: judgements, unsure left out, curve and best F1")
    func openSanctionsPairs() throws {
        let lines = [
            #"{"left":{"schema":"Person","properties":{"name":["Youssef Haddad"]}},"right":{"schema":"Person","properties":{"name":["Youssef Abd al-Karim Haddad"]}},"judgement":"positive"}"#,
            #"{"left":{"schema":"Person","properties":{"name":["Vladimir Putin"],"birthDate":["1952-10-07"]}},"right":{"schema":"Person","properties":{"name":["PUTIN, Vladimir Vladimirovich"],"birthDate":["1952-10-07"]}},"judgement":"positive"}"#,
            #"{"left":{"schema":"Person","properties":{"name":["John Smith"]}},"right":{"schema":"Person","properties":{"name":["Jane Doe"]}},"judgement":"negative"}"#,
            #"{"left":{"schema":"Company","properties":{"name":["Atlas Shipping"]}},"right":{"schema":"Company","properties":{"name":["Orion Trading LLC"]}},"judgement":"negative"}"#,
            #"{"left":{"schema":"Person","properties":{"name":["A B"]}},"right":{"schema":"Person","properties":{"name":["C D"]}},"judgement":"unsure"}"#,
        ]
        let evaluation = try PairwiseEvaluation(file: lines.joined(separator: "\n"))
        #expect(evaluation.pairs.count == 4)
        let report = evaluation.evaluate()
        #expect(report.positives == 2 && report.negatives == 2)
        #expect(report.curve.count == 51)
        #expect(report.atDefault.truePositives == 2)
        #expect(report.atDefault.falsePositives == 0)
        #expect(report.best.f1 == 1)
    }

    @Test("a CSV of pairs, and files that are refused with their line", arguments: [
        ("left,right,label\nJohn Smith,Jon Smith,1\nJohn Smith,Mary Jones,0\n", nil),
        ("left,right\nJohn Smith,Jon Smith\n", "line 1"),
        ("left,right,label\nJohn Smith,Jon Smith,maybe\n", "line 2"),
        ("{\"left\": 1}\n", "line 1"),
        ("{\"left\":{\"properties\":{\"name\":[\"A\"]}},\"right\":{\"properties\":{\"name\":[\"B\"]}},\"judgement\":\"perhaps\"}\n", "line 1"),
    ])
    func files(text: String, expected: String?) {
        do {
            let evaluation = try PairwiseEvaluation(file: text)
            #expect(expected == nil)
            #expect(evaluation.pairs.map(\.same) == [true, false])
        } catch {
            #expect(expected.map { error.message.hasPrefix($0) } == true, "unexpected \(error.message)")
        }
    }
}
