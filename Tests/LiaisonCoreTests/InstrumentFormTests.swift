import Foundation
import LiaisonCore
import Testing

/// The instruments' forms: a filled-in form of every kind is accepted; every mandatory section and
/// field, left out one at a time, is named in the error; values of the wrong shape are named;
/// conditional sections (EIO H1–H8 by the measures ticked, the EAW's in-absentia guarantees) are
/// required exactly when their condition holds; the laws' cross-field rules are computed.
@Suite("Judicial instruments' forms")
struct InstrumentFormTests {
    /// A value of the right shape for a field.
    static func example(_ field: FormField) -> FormValue {
        switch field.kind {
        case .line: .text("Example \(field.id)")
        case .text: .text("Facts and reasons for \(field.id).")
        case .date: .text("2026-11-30")
        case .country: .text(field.id.lowercased().contains("issuing") || field.id.lowercased().contains("requesting") || field.id.lowercased().contains("notifying") ? "XC" : "XB")
        case .language: .text("en")
        case .yesNo: .text("no")
        case .months: .text("60")
        case .money: .text("EUR 250000.00")
        case .offence: .text(OffenceCategory.moneyLaundering.rawValue)
        case .choice(let options): .text(options[0])
        case .choices(let options): .list([options[0]])
        case .list: .list(["first", "second"])
        }
    }

    /// Every section that is required outright, with every field that is required outright.
    static func minimal(_ form: InstrumentForm, validating: Bool = false) -> InstrumentDocument {
        var sections: [String: [FormEntry]] = [:]
        for section in form.sections {
            let wanted: Bool = switch section.requirement {
            case .required: true
            case .atValidation: validating
            default: false
            }
            guard wanted else { continue }
            var entry: FormEntry = [:]
            for field in section.fields {
                switch field.requirement {
                case .required: entry[field.id] = example(field)
                case .atValidation where validating: entry[field.id] = example(field)
                default: break
                }
            }
            sections[section.id] = [entry]
        }
        // The measures that need no part of their own, so that no H section is required.
        if form.id == "eio" { sections["C"]?[0]["measures"] = .list(["documents"]) }
        var document = InstrumentDocument(form: form.id, language: "en", sections: sections)
        // Fields that the examples made required (a legal basis's name, an absent person's guarantee).
        for section in form.sections where document.sections[section.id] != nil {
            for field in section.fields {
                if case .requiredWhen(let path, let value) = field.requirement, document.has(path, value) {
                    document.sections[section.id]?[0][field.id] = example(field)
                }
            }
        }
        return document
    }

    @Test("a form with its mandatory sections and fields filled is accepted, for every form", arguments: InstrumentForm.all.map(\.id))
    func minimalForms(id: String) throws {
        let form = try #require(InstrumentForm.named(id))
        #expect(form.problems(in: Self.minimal(form)).map(\.description) == [])
        #expect(form.problems(in: Self.minimal(form, validating: true), validating: true).map(\.description) == [])
    }

    /// Every (form, section, field) that is mandatory outright.
    static let mandatoryFields: [(form: String, section: String, field: String)] = InstrumentForm.all.flatMap { form in
        form.sections.filter { $0.requirement == .required }.flatMap { section in
            section.fields.filter { $0.requirement == .required }.map { (form.id, section.id, $0.id) }
        }
    }

    @Test("each mandatory field left out is named with its section, and nothing else is")
    func everyMandatoryField() throws {
        #expect(Self.mandatoryFields.count > 120)
        for (id, section, field) in Self.mandatoryFields {
            let form = try #require(InstrumentForm.named(id))
            var document = Self.minimal(form)
            document.sections[section]?[0][field] = nil
            // A section left with nothing filled is missing as a whole.
            let expected = document.sections[section]?[0].isEmpty == true
                ? "section \(section): missing; this section is mandatory" : "section \(section), field \(field): required"
            let problems = form.problems(in: document).map(\.description)
            #expect(problems == [expected], "\(id) \(section).\(field)")
            // An empty value is missing as well.
            document.sections[section]?[0][field] = .text("  ")
            #expect(form.problems(in: document).map(\.description) == [expected], "\(id) \(section).\(field) blank")
        }
    }

    @Test("each mandatory section left out is named", arguments: InstrumentForm.all.map(\.id))
    func everyMandatorySection(id: String) throws {
        let form = try #require(InstrumentForm.named(id))
        for section in form.sections where section.requirement == .required {
            var document = Self.minimal(form)
            document.sections[section.id] = nil
            #expect(form.problems(in: document).map(\.description) == ["section \(section.id): missing; this section is mandatory"], "\(id) \(section.id)")
        }
    }

    @Test("the EIO's measure-specific parts H1–H8 are required exactly when their measure is ticked")
    func measureParts() throws {
        let form = InstrumentForm.eio
        for part in 1...8 {
            let measure = try #require(form.section("C")?.fields.first?.kind).options.first { $0.hasPrefix("H\(part)-") }!
            var document = Self.minimal(form)
            document.sections["C"]?[0]["measures"] = .list(["documents", measure])
            #expect(form.problems(in: document).map(\.description) == ["section H\(part): missing; this section is mandatory when C.measures is \(measure)"])
            let section = try #require(form.section("H\(part)"))
            document.sections["H\(part)"] = [Dictionary(uniqueKeysWithValues: section.fields.filter { $0.requirement == .required }.map { ($0.id, Self.example($0)) })]
            #expect(form.problems(in: document).map(\.description) == [], "H\(part) filled")
        }
    }

    @Test("conditional fields: urgency reasons, a related EIO's reference, the EAW's in-absentia guarantee, the MLA's legal basis")
    func conditionalFields() throws {
        let cases: [(form: InstrumentForm, set: (String, String, String), expected: String)] = [
            (.eio, ("B", "urgent", "yes"), "section B, field urgencyReasons: required when B.urgent is yes"),
            (.eio, ("D", "relatedEIO", "yes"), "section D, field earlierReference: required when D.relatedEIO is yes"),
            (.eaw, ("d", "appearedInPerson", "no"), "section d, field guarantee: required when d.appearedInPerson is no"),
            (.eaw, ("c", "purpose", "sentence"), "section c, field sentenceMonths: required when c.purpose is sentence"),
            (.mla, ("B", "basis", "bilateral-treaty"), "section B, field treaty: required when B.basis is bilateral-treaty"),
            (.mla, ("B", "basis", "reciprocity"), "section B, field reciprocityAssurance: required when B.basis is reciprocity"),
            (.productionOrder, ("C", "emergency", "yes"), "section C, field emergencyReasons: required when C.emergency is yes"),
            (.confiscation, ("G", "appearedInPerson", "no"), "section G, field guarantee: required when G.appearedInPerson is no"),
        ]
        for (form, (section, field, value), expected) in cases {
            var document = Self.minimal(form)
            var entry = document.sections[section]?.first ?? [:]
            entry[field] = .text(value)
            // The fields the condition makes required, left empty.
            for dependent in form.section(section)?.fields ?? [] {
                if case .requiredWhen(let path, _) = dependent.requirement, path == "\(section).\(field)" { entry[dependent.id] = nil }
            }
            document.sections[section] = [entry]
            #expect(form.problems(in: document).map(\.description).first == expected, "\(form.id) \(section).\(field)")
        }
    }

    @Test("values of the wrong shape are named with section and field")
    func shapes() {
        let form = InstrumentForm.eio
        let cases: [(String, String, FormValue, String)] = [
            ("A", "issuingState", .text("Caldera"), "a two-letter country code"),
            ("A", "executingState", .text("XC"), "the executing state is another state than the issuing one"),
            ("G", "maximumPenaltyMonths", .text("ten years"), "a whole number of months"),
            ("G", "maximumPenaltyMonths", .text("-3"), "a whole number of months"),
            ("G", "offenceCategory", .text("tax"), "one of the 32 offence categories"),
            ("F", "proceedings", .text("civil"), "one of criminal, "),
            ("K", "date", .text("2026-02-30"), "a date as YYYY-MM-DD"),
            ("K", "name", .text("line\u{0}break"), "must not contain control characters"),
            ("K", "name", .list(["one", "two"]), "one value, not a list"),
            ("C", "measures", .list(["documents", "torture"]), "one of H1-temporary-transfer"),
        ]
        for (section, field, value, expected) in cases {
            var document = Self.minimal(form)
            document.sections[section]?[0][field] = value
            let problems = form.problems(in: document)
            #expect(problems.count == 1 && problems[0].section == section && problems[0].field == field && problems[0].message.contains(expected), "\(section).\(field): \(problems)")
        }
        var document = Self.minimal(form)
        document.sections["Z"] = [["x": .text("y")]]
        document.sections["A"]?[0]["colour"] = .text("blue")
        document.language = "English"
        #expect(form.problems(in: document).map(\.description) == [
            "section language: an ISO 639-1 code such as en, fr, de, not 'English'",
            "section Z: not a section of the eio form (A, B, C, D, E, F, G, H1, H2, H3, H4, H5, H6, H7, H8, I, J, K, L)",
            "section A, field colour: not a field of this section (issuingState, executingState)",
        ])
        #expect(InstrumentForm.freezing.problems(in: {
            var freezing = Self.minimal(.freezing)
            freezing.sections["D"]?[0]["value"] = .text("250000 euros")
            return freezing
        }()).map(\.description) == ["section D, field value: an ISO 4217 currency and an amount such as 'EUR 150000.00', not '250000 euros'"])
    }

    @Test("repeating sections: persons and property are numbered in errors; a single section filled twice is refused")
    func repeats() {
        var document = Self.minimal(.freezing)
        let person = document.sections["E"]![0]
        var second = person
        second["name"] = nil
        document.sections["E"] = [person, second]
        #expect(InstrumentForm.freezing.problems(in: document).map(\.description) == ["section E[2], field name: required"])
        var eio = Self.minimal(.eio)
        eio.sections["A"] = [eio.sections["A"]![0], eio.sections["A"]![0]]
        #expect(InstrumentForm.eio.problems(in: eio).map(\.description) == ["section A: filled once only, not 2 times"])
    }

    @Test("section L (the validating authority) is required when validating, not in a draft")
    func validatingSection() {
        let document = Self.minimal(.eio)
        #expect(InstrumentForm.eio.problems(in: document) == [])
        #expect(InstrumentForm.eio.problems(in: document, validating: true).map(\.description) == ["section L: missing; this section is mandatory before the instrument is validated"])
    }

    @Test("the EAW's scope (Art. 2(1)) and the EPOC's data categories (Reg. 2023/1543 Art. 5(4)) are computed")
    func crossFieldRules() {
        var eaw = Self.minimal(.eaw)
        eaw.sections["c"]?[0]["maximumPenaltyMonths"] = .text("6")
        #expect(InstrumentForm.eaw.problems(in: eaw).map(\.description) == ["section c, field maximumPenaltyMonths: an EAW for prosecution needs an offence punishable by at least 12 months (FD 2002/584/JHA Art. 2(1)), not 6"])
        eaw.sections["c"]?[0] = ["purpose": .text("sentence"), "maximumPenaltyMonths": .text("24"), "sentenceMonths": .text("3")]
        #expect(InstrumentForm.eaw.problems(in: eaw).map(\.field) == ["sentenceMonths"])
        eaw.sections["c"]?[0]["sentenceMonths"] = .text("4")
        #expect(InstrumentForm.eaw.problems(in: eaw) == [])

        var epoc = Self.minimal(.productionOrder)
        epoc.sections["D"]?[0]["categories"] = .list(["subscriber", "content"])
        epoc.sections["H"]?[0]["maximumPenaltyMonths"] = .text("24")
        #expect(InstrumentForm.productionOrder.problems(in: epoc).map(\.description) == ["section D, field categories: content data only for an offence punishable by at least 36 months or one Reg. (EU) 2023/1543 Art. 5(4)(b) lists; section H gives 24"])
        epoc.sections["H"]?[0]["offenceCategory"] = .text(OffenceCategory.cybercrime.rawValue)
        #expect(InstrumentForm.productionOrder.problems(in: epoc) == [])
        epoc.sections["H"]?[0]["offenceCategory"] = .text(OffenceCategory.fraud.rawValue)
        epoc.sections["H"]?[0]["maximumPenaltyMonths"] = .text("36")
        #expect(InstrumentForm.productionOrder.problems(in: epoc) == [])
    }

    @Test("no dual-criminality check only for a listed category punishable by three years or more")
    func dualCriminality() {
        let cases: [(OffenceCategory?, Int?, Bool)] = [
            (.moneyLaundering, 36, false), (.moneyLaundering, 35, true), (.terrorism, 120, false), (.other, 240, true), (nil, 60, true), (.fraud, nil, true),
        ]
        for (category, months, check) in cases {
            #expect(OffenceAssessment.assess(category: category, maximumPenaltyMonths: months).dualCriminalityCheck == check, "\(String(describing: category)) \(String(describing: months))")
        }
        var eio = Self.minimal(.eio)
        eio.sections["G"]?[0]["maximumPenaltyMonths"] = .text("48")
        eio.sections["G"]?[0]["offenceCategory"] = .text(OffenceCategory.drugTrafficking.rawValue)
        #expect(!InstrumentForm.eio.offence(of: eio).dualCriminalityCheck)
    }

    @Test("JSON: a section given as one object, yes/no as booleans and numbers as numbers")
    func json() throws {
        let text = #"{"form":"eio","language":"en","sections":{"A":{"issuingState":"XC","executingState":"XB"},"B":{"urgent":true,"urgencyReasons":"Funds about to move"},"G":{"maximumPenaltyMonths":96},"E":[{"name":"A"},{"name":"B"}]}}"#
        let document = try JSONDecoder().decode(InstrumentDocument.self, from: Data(text.utf8))
        #expect(document.value("B.urgent") == "yes")
        #expect(document.value("G.maximumPenaltyMonths") == "96")
        #expect(document.values("E.name") == ["A", "B"])
        let again = try JSONDecoder().decode(InstrumentDocument.self, from: try JSONEncoder().encode(document))
        #expect(again == document)
        #expect(throws: (any Error).self) { try JSONDecoder().decode(InstrumentDocument.self, from: Data(#"{"form":"eio","language":"en","sections":{"A":{"x":{"y":1}}}}"#.utf8)) }
    }
}

extension FormField.Kind {
    var options: [String] {
        switch self {
        case .choice(let options), .choices(let options): options
        default: []
        }
    }
}
