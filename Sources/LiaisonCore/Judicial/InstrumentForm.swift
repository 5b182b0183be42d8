#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One value of a form field: a piece of text (a date, a code, a number and a yes/no are text as
/// the form writes them) or a list of them (the measures ticked, account numbers).
public enum FormValue: Codable, Sendable, Equatable {
    case text(String)
    case list([String])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .text(text)
        } else if let flag = try? container.decode(Bool.self) {
            self = .text(flag ? "yes" : "no")
        } else if let number = try? container.decode(Int64.self) {
            self = .text(String(number))
        } else if let list = try? container.decode([String].self) {
            self = .list(list)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a form value is text, a number, true or false, or a list of texts")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .list(let list): try container.encode(list)
        }
    }

    /// The values, one for text and each for a list, trimmed, empty ones left out.
    public var values: [String] {
        switch self {
        case .text(let text): [Self.trim(text)].filter { !$0.isEmpty }
        case .list(let list): list.map(Self.trim).filter { !$0.isEmpty }
        }
    }

    public var text: String? { values.first }

    static func trim(_ text: String) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

/// One filled-in instance of a section: its fields by id.
public typealias FormEntry = [String: FormValue]

/// A filled-in instrument form: which form, in which language, and its sections by letter. Every
/// section holds a list of entries; a section that does not repeat holds one (in JSON a single
/// object is read as a list of one).
public struct InstrumentDocument: Codable, Sendable, Equatable {
    public var form: String
    /// ISO 639-1 code of the language the form is filled in.
    public var language: String
    public var sections: [String: [FormEntry]]

    public init(form: String, language: String, sections: [String: [FormEntry]]) {
        self.form = form
        self.language = language
        self.sections = sections
    }

    enum CodingKeys: String, CodingKey { case form, language, sections }

    struct SectionKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        form = try container.decode(String.self, forKey: .form)
        language = try container.decode(String.self, forKey: .language)
        let sectionContainer = try container.nestedContainer(keyedBy: SectionKey.self, forKey: .sections)
        var sections: [String: [FormEntry]] = [:]
        for key in sectionContainer.allKeys {
            if let entries = try? sectionContainer.decode([FormEntry].self, forKey: key) {
                sections[key.stringValue] = entries
            } else {
                sections[key.stringValue] = [try sectionContainer.decode(FormEntry.self, forKey: key)]
            }
        }
        self.sections = sections
    }

    /// The first value of a field (`"G.maximumPenaltyMonths"`), from the section's first entry.
    public func value(_ path: String) -> String? {
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        return sections[parts[0]]?.first?[parts[1]]?.text
    }

    /// Every value of a field across the section's entries.
    public func values(_ path: String) -> [String] {
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return [] }
        return (sections[parts[0]] ?? []).flatMap { $0[parts[1]]?.values ?? [] }
    }

    public func has(_ path: String, _ value: String) -> Bool { values(path).contains(value) }

    public func hasSection(_ id: String) -> Bool {
        (sections[id] ?? []).contains { entry in entry.values.contains { !$0.values.isEmpty } }
    }
}

/// When a field or a section is required.
public enum FormRequirement: Sendable, Equatable {
    case optional
    case required
    /// Required when another field (`"C.measures"`) holds a value.
    case requiredWhen(String, is: String)
    /// Filled in by the validating authority when it validates (EIO section L).
    case atValidation
}

/// A field of an official form.
public struct FormField: Sendable {
    public enum Kind: Sendable, Equatable {
        /// One line of text.
        case line
        /// Paragraphs.
        case text
        /// A calendar day, `YYYY-MM-DD`.
        case date
        /// An ISO 3166 alpha-2 code (or a two-letter code of the federation's jurisdictions).
        case country
        /// An ISO 639-1 language code.
        case language
        case yesNo
        /// A whole number of months (a penalty, a sentence).
        case months
        /// An amount and its ISO 4217 currency: `EUR 150000.00`.
        case money
        /// One of the 32 offence categories (``OffenceCategory``).
        case offence
        case choice([String])
        case choices([String])
        /// Several lines of text (account numbers, identifiers).
        case list
    }

    public var id: String
    public var kind: Kind
    public var requirement: FormRequirement

    public init(_ id: String, _ kind: Kind, _ requirement: FormRequirement = .optional) {
        self.id = id
        self.kind = kind
        self.requirement = requirement
    }
}

/// A section of an official form, lettered as the form letters it.
public struct FormSection: Sendable {
    public var id: String
    public var fields: [FormField]
    public var requirement: FormRequirement
    /// Whether the section may be filled more than once (persons, property).
    public var repeats: Bool

    public init(_ id: String, _ requirement: FormRequirement, repeats: Bool = false, _ fields: [FormField]) {
        self.id = id
        self.fields = fields
        self.requirement = requirement
        self.repeats = repeats
    }
}

/// An official form: its sections, and where in it the routing and clocks read from.
public struct InstrumentForm: Sendable {
    /// `eio`, `eio-annex-b`, `eaw`, …
    public var id: String
    /// The provision that lays the form out.
    public var source: String
    public var sections: [FormSection]
    /// The field naming the executing state, where the form has one.
    public var executingStateField: String?
    /// The field saying the instrument is urgent (yes/no), where the form has one.
    public var urgencyField: String?
    /// The field holding a date the issuing authority asks for, where the form has one.
    public var requestedDateField: String?
    /// The fields holding the offence's category and maximum penalty in months.
    public var offenceField: String?
    public var penaltyField: String?

    public func section(_ id: String) -> FormSection? { sections.first { $0.id == id } }

    /// The field naming the issuing state: the other country of the executing state's section.
    public var issuingStateField: String? {
        guard let executing = executingStateField, let sectionID = executing.split(separator: ".").first.map(String.init),
              let field = section(sectionID)?.fields.first(where: { $0.kind == .country && "\(sectionID).\($0.id)" != executing })
        else { return nil }
        return "\(sectionID).\(field.id)"
    }
}

/// What the law makes of an instrument's offence, computed from its category and penalty rather
/// than asserted by whoever fills the form.
public struct OffenceAssessment: Codable, Sendable, Equatable {
    public var category: OffenceCategory?
    public var maximumPenaltyMonths: Int?
    /// Whether the executing state may check dual criminality: not for a listed category punishable
    /// in the issuing state by a custodial sentence of at least three years (FD 2002/584/JHA Art.
    /// 2(2); Directive 2014/41/EU Art. 11(1)(g) and Annex D; Reg. (EU) 2018/1805 Art. 3(1)).
    public var dualCriminalityCheck: Bool
    public var explanation: String

    public static func assess(category: OffenceCategory?, maximumPenaltyMonths: Int?) -> OffenceAssessment {
        let listed = category.map(\.isListed) ?? false
        let threeYears = (maximumPenaltyMonths ?? 0) >= 36
        let explanation: String
        switch (listed, threeYears) {
        case (true, true): explanation = "Listed offence punishable by at least three years: no dual-criminality check."
        case (true, false): explanation = "Listed offence, but punishable by less than three years: dual criminality may be checked."
        case (false, _): explanation = "Not one of the 32 listed offences: dual criminality may be checked."
        }
        return OffenceAssessment(category: category, maximumPenaltyMonths: maximumPenaltyMonths, dualCriminalityCheck: !(listed && threeYears), explanation: explanation)
    }
}

/// One problem in a filled-in form, naming the section and the field.
public struct FormProblem: Sendable, Equatable, CustomStringConvertible {
    public var section: String
    public var field: String?
    public var message: String

    /// `section G, field maximumPenaltyMonths: …` — the text the API, the CLI and the page show.
    public var description: String {
        if let field { "section \(section), field \(field): \(message)" } else { "section \(section): \(message)" }
    }
}

extension InstrumentForm {
    /// Every problem of `document` against this form, in the form's order.
    /// - Parameter validating: whether the fields the validating authority fills are required now.
    public func problems(in document: InstrumentDocument, validating: Bool = false) -> [FormProblem] {
        var problems: [FormProblem] = []
        if document.language.count != 2 || !document.language.allSatisfy({ $0.isASCII && $0.isLowercase }) {
            problems.append(FormProblem(section: "language", field: nil, message: "an ISO 639-1 code such as en, fr, de, not '\(document.language.prefix(20))'"))
        }
        for id in document.sections.keys.sorted() where section(id) == nil {
            problems.append(FormProblem(section: String(id.prefix(20)), field: nil, message: "not a section of the \(self.id) form (\(sections.map(\.id).joined(separator: ", ")))"))
        }
        for section in sections {
            let entries = document.sections[section.id] ?? []
            let filled = entries.filter { entry in entry.values.contains { !$0.values.isEmpty } }
            let required = Self.isRequired(section.requirement, in: document, validating: validating)
            if filled.isEmpty {
                if required { problems.append(FormProblem(section: section.id, field: nil, message: "missing; this section is mandatory\(Self.because(section.requirement))")) }
                continue
            }
            if !section.repeats, entries.count > 1 {
                problems.append(FormProblem(section: section.id, field: nil, message: "filled once only, not \(entries.count) times"))
            }
            for (index, entry) in entries.enumerated() {
                let name = section.repeats && entries.count > 1 ? "\(section.id)[\(index + 1)]" : section.id
                for key in entry.keys.sorted() where !section.fields.contains(where: { $0.id == key }) {
                    problems.append(FormProblem(section: name, field: String(key.prefix(40)), message: "not a field of this section (\(section.fields.map(\.id).joined(separator: ", ")))"))
                }
                for field in section.fields {
                    let values = entry[field.id]?.values ?? []
                    if values.isEmpty {
                        if Self.isRequired(field.requirement, in: document, validating: validating) {
                            problems.append(FormProblem(section: name, field: field.id, message: "required\(Self.because(field.requirement))"))
                        }
                        continue
                    }
                    if let message = Self.check(values, entry[field.id], as: field.kind) {
                        problems.append(FormProblem(section: name, field: field.id, message: message))
                    }
                }
            }
        }
        if let field = executingStateField, let issuingField = issuingStateField, let issuing = document.value(issuingField),
           let executing = document.value(field), issuing == executing {
            let parts = field.split(separator: ".")
            problems.append(FormProblem(section: String(parts[0]), field: String(parts[1]), message: "the executing state is another state than the issuing one"))
        }
        return problems + InstrumentRules.problems(of: self, in: document)
    }

    /// Throws the problems as one error: the first in the message, all of them in `errors`.
    /// - Throws: ``LiaisonError`` `.invalidInput`.
    public func validate(_ document: InstrumentDocument, validating: Bool = false) throws(LiaisonError) {
        let problems = problems(in: document, validating: validating)
        guard let first = problems.first else { return }
        let more = problems.count > 1 ? " (and \(problems.count - 1) more)" : ""
        throw LiaisonError(.invalidInput, "\(first)\(more)", errors: problems.map(\.description))
    }

    /// The offence the form names, assessed.
    public func offence(of document: InstrumentDocument) -> OffenceAssessment {
        let category = offenceField.flatMap { document.value($0) }.flatMap(OffenceCategory.init(rawValue:))
        let months = penaltyField.flatMap { document.value($0) }.flatMap { Int($0) }  // checked: parses text: nil when not a number
        return .assess(category: category, maximumPenaltyMonths: months)
    }

    static func isRequired(_ requirement: FormRequirement, in document: InstrumentDocument, validating: Bool) -> Bool {
        switch requirement {
        case .optional: false
        case .required: true
        case .requiredWhen(let path, let value): document.has(path, value)
        case .atValidation: validating
        }
    }

    static func because(_ requirement: FormRequirement) -> String {
        switch requirement {
        case .requiredWhen(let path, let value): " when \(path) is \(value)"
        case .atValidation: " before the instrument is validated"
        default: ""
        }
    }

    /// What is wrong with a field's values, or `nil`.
    static func check(_ values: [String], _ raw: FormValue?, as kind: FormField.Kind) -> String? {
        let multiple: Bool = switch kind { case .choices, .list: true; default: false }
        if !multiple, values.count > 1 { return "one value, not a list" }
        for value in values {
            let maximum = kind == .text ? 20_000 : 1_000
            do {
                if kind == .text { try TextRules.checkText(value, "the text") } else { try TextRules.checkLine(value, "the value", maximum: maximum) }
                if value.count > maximum { return "at most \(maximum) characters" }
            } catch {
                return error.message
            }
            switch kind {
            case .line, .text, .list:
                break
            case .date:
                if CalendarDay.start(of: value) == nil { return "a date as YYYY-MM-DD, not '\(value.prefix(20))'" }
            case .country:
                if value.count != 2 || !value.allSatisfy({ $0.isASCII && $0.isUppercase }) { return "a two-letter country code such as XB, not '\(value.prefix(20))'" }
            case .language:
                if value.count != 2 || !value.allSatisfy({ $0.isASCII && $0.isLowercase }) { return "an ISO 639-1 code such as en, not '\(value.prefix(20))'" }
            case .yesNo:
                if value != "yes", value != "no" { return "yes or no, not '\(value.prefix(20))'" }
            case .months:
                guard let months = Int(value), (0...1_200).contains(months) else { return "a whole number of months (0 to 1200; life is 1200), not '\(value.prefix(20))'" }  // checked: parses text: nil when not a number
            case .money:
                if !Self.isMoney(value) { return "an ISO 4217 currency and an amount such as 'EUR 150000.00', not '\(value.prefix(40))'" }
            case .offence:
                if OffenceCategory(rawValue: value) == nil { return "one of the 32 offence categories (or other), not '\(value.prefix(60))'" }
            case .choice(let options), .choices(let options):
                if !options.contains(value) { return "one of \(options.joined(separator: ", ")), not '\(value.prefix(60))'" }
            }
        }
        return nil
    }

    static func isMoney(_ text: String) -> Bool {
        let parts = text.split(separator: " ")
        guard parts.count == 2, parts[0].count == 3, parts[0].allSatisfy({ $0.isASCII && $0.isUppercase }) else { return false }
        let amount = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(amount.count), !amount[0].isEmpty, amount[0].count <= 15, amount[0].allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return amount.count == 1 || ((1...3).contains(amount[1].count) && amount[1].allSatisfy { $0.isASCII && $0.isNumber })
    }
}

/// Rules of the instruments' laws that span fields: computed from the form, never asserted.
enum InstrumentRules {
    static func problems(of form: InstrumentForm, in document: InstrumentDocument) -> [FormProblem] {
        var problems: [FormProblem] = []
        switch form.id {
        case "eaw":
            // FD 2002/584/JHA Art. 2(1): acts punishable by a custodial sentence of at least 12
            // months, or a sentence of at least four months passed.
            if document.value("c.purpose") == "prosecution", let months = document.value("c.maximumPenaltyMonths").flatMap({ Int($0) }), months < 12 {  // checked: parses text: nil when not a number
                problems.append(FormProblem(section: "c", field: "maximumPenaltyMonths", message: "an EAW for prosecution needs an offence punishable by at least 12 months (FD 2002/584/JHA Art. 2(1)), not \(months)"))
            }
            if document.value("c.purpose") == "sentence", let months = document.value("c.sentenceMonths").flatMap({ Int($0) }), months < 4 {  // checked: parses text: nil when not a number
                problems.append(FormProblem(section: "c", field: "sentenceMonths", message: "an EAW to execute a sentence needs one of at least four months (FD 2002/584/JHA Art. 2(1)), not \(months)"))
            }
        case "epoc":
            // Reg. (EU) 2023/1543 Art. 5(4): traffic data (beyond identifying the user) and content
            // data only for offences punishable by at least three years, or the offences it lists.
            let sensitive = document.values("D.categories").filter { $0 == "traffic" || $0 == "content" }
            let months = document.value("H.maximumPenaltyMonths").flatMap { Int($0) } ?? 0  // checked: parses text: nil when not a number
            let category = document.value("H.offenceCategory").flatMap(OffenceCategory.init(rawValue:))
            let listed: Set<OffenceCategory> = [.terrorism, .childSexualExploitation, .paymentMeansForgery, .cybercrime]
            if !sensitive.isEmpty, months < 36, !(category.map(listed.contains) ?? false) {
                problems.append(FormProblem(section: "D", field: "categories", message: "\(sensitive.joined(separator: " and ")) data only for an offence punishable by at least 36 months or one Reg. (EU) 2023/1543 Art. 5(4)(b) lists; section H gives \(months)"))
            }
        default:
            break
        }
        return problems
    }
}
