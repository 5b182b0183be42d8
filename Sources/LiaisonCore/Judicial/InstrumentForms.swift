/// The official forms, section by section as the law lays them out. Labels are not here: the
/// pages and the printed forms take them from the catalogue (`judicial/forms/<language>.json`),
/// keyed by form, section and field id.
extension InstrumentForm {
    /// Every form Liaison carries: the instruments and the EIO's Annexes B and C.
    public static let all: [InstrumentForm] = [eio, eioAcknowledgement, eioInterceptionNotice, mla, eaw, extradition, freezing, confiscation, productionOrder, preservationOrder]

    public static func named(_ id: String) -> InstrumentForm? { all.first { $0.id == id } }

    /// The form an instrument of `kind` is issued on.
    public static func of(_ kind: InstrumentKind) -> InstrumentForm {
        switch kind {
        case .eio: eio
        case .mla: mla
        case .eaw: eaw
        case .extradition: extradition
        case .freezing: freezing
        case .confiscation: confiscation
        case .productionOrder: productionOrder
        case .preservationOrder: preservationOrder
        }
    }

    static let personStatus = ["suspect", "accused", "convicted", "victim", "witness", "expert", "other"]
    static let authorityKind = ["judge", "court", "investigating-judge", "prosecutor", "other-competent-authority"]

    static func authority(_ id: String, _ requirement: FormRequirement = .required) -> FormSection {
        FormSection(id, requirement, [
            FormField("kind", .choice(authorityKind), requirement == .atValidation ? .atValidation : .required),
            FormField("name", .line, requirement == .atValidation ? .atValidation : .required),
            FormField("officer", .line, requirement == .atValidation ? .atValidation : .required),
            FormField("position", .line), FormField("reference", .line), FormField("address", .text), FormField("telephone", .line), FormField("email", .line),
            FormField("date", .date, requirement == .atValidation ? .atValidation : .required),
        ])
    }

    static func persons(_ id: String, _ requirement: FormRequirement) -> FormSection {
        FormSection(id, requirement, repeats: true, [
            FormField("type", .choice(["natural", "legal"]), .required), FormField("name", .line, .required),
            FormField("dateOfBirth", .date), FormField("placeOfBirth", .line), FormField("nationality", .country),
            FormField("identityDocument", .line), FormField("address", .text), FormField("status", .choice(personStatus), .required),
        ])
    }

    static func offence(_ id: String) -> FormSection {
        FormSection(id, .required, [
            FormField("facts", .text, .required), FormField("legalClassification", .text, .required), FormField("provisions", .text),
            FormField("offenceCategory", .offence), FormField("maximumPenaltyMonths", .months, .required),
        ])
    }

    /// European Investigation Order, Directive 2014/41/EU Annex A: A issuing and executing state,
    /// B urgency, C measures, D earlier EIO, E persons, F proceedings, G grounds, H1–H8 the
    /// measure-specific parts, I formalities, J legal remedies, K issuing authority, L validating
    /// authority (filled when it validates, Art. 2(c)(ii)).
    public static let eio = InstrumentForm(
        id: "eio", source: "Directive 2014/41/EU Annex A",
        sections: [
            FormSection("A", .required, [FormField("issuingState", .country, .required), FormField("executingState", .country, .required)]),
            FormSection("B", .optional, [
                FormField("urgent", .yesNo), FormField("urgencyReasons", .text, .requiredWhen("B.urgent", is: "yes")),
                FormField("requestedDeadline", .date), FormField("personInCustody", .yesNo),
            ]),
            FormSection("C", .required, [
                FormField("measures", .choices(["H1-temporary-transfer", "H2-video-conference", "H3-telephone-conference", "H4-bank-accounts", "H5-banking-operations",
                                                "H6-real-time-monitoring", "H7-covert-investigation", "H8-interception", "search-and-seizure", "hearing",
                                                "documents", "subscriber-identification", "forensic-examination", "other"]), .required),
                FormField("description", .text, .required),
            ]),
            FormSection("D", .optional, [FormField("relatedEIO", .yesNo), FormField("earlierReference", .line, .requiredWhen("D.relatedEIO", is: "yes")), FormField("earlierDate", .date)]),
            persons("E", .optional),
            FormSection("F", .required, [FormField("proceedings", .choice(["criminal", "administrative-with-criminal-court", "judicial-administrative"]), .required)]),
            offence("G"),
            FormSection("H1", .requiredWhen("C.measures", is: "H1-temporary-transfer"), [FormField("person", .line, .required), FormField("direction", .choice(["to-issuing-state", "to-executing-state"]), .required), FormField("returnBy", .date, .required)]),
            FormSection("H2", .requiredWhen("C.measures", is: "H2-video-conference"), [FormField("person", .line, .required), FormField("capacity", .choice(["witness", "expert", "suspect", "accused"]), .required), FormField("consent", .yesNo, .requiredWhen("H2.capacity", is: "suspect"))]),
            FormSection("H3", .requiredWhen("C.measures", is: "H3-telephone-conference"), [FormField("person", .line, .required), FormField("capacity", .choice(["witness", "expert"]), .required)]),
            FormSection("H4", .requiredWhen("C.measures", is: "H4-bank-accounts"), [FormField("holder", .line, .required), FormField("institutions", .list), FormField("accounts", .list), FormField("reasons", .text, .required)]),
            FormSection("H5", .requiredWhen("C.measures", is: "H5-banking-operations"), [FormField("accounts", .list, .required), FormField("from", .date, .required), FormField("to", .date, .required), FormField("reasons", .text, .required)]),
            FormSection("H6", .requiredWhen("C.measures", is: "H6-real-time-monitoring"), [FormField("description", .text, .required), FormField("from", .date, .required), FormField("to", .date, .required)]),
            FormSection("H7", .requiredWhen("C.measures", is: "H7-covert-investigation"), [FormField("description", .text, .required), FormField("officers", .line, .required), FormField("from", .date, .required), FormField("to", .date, .required)]),
            FormSection("H8", .requiredWhen("C.measures", is: "H8-interception"), [
                FormField("target", .list, .required), FormField("from", .date, .required), FormField("to", .date, .required),
                FormField("transmission", .choice(["immediate", "recording"]), .required), FormField("transcription", .yesNo),
            ]),
            FormSection("I", .optional, [FormField("formalities", .text)]),
            FormSection("J", .optional, [FormField("remedySought", .yesNo), FormField("remedyDescription", .text, .requiredWhen("J.remedySought", is: "yes"))]),
            authority("K"),
            authority("L", .atValidation),
        ],
        executingStateField: "A.executingState", urgencyField: "B.urgent", requestedDateField: "B.requestedDeadline",
        offenceField: "G.offenceCategory", penaltyField: "G.maximumPenaltyMonths"
    )

    /// EIO Annex B: acknowledgement of receipt (Directive 2014/41/EU Art. 16(1)).
    public static let eioAcknowledgement = InstrumentForm(
        id: "eio-annex-b", source: "Directive 2014/41/EU Annex B",
        sections: [
            FormSection("A", .required, [FormField("issuingAuthority", .line, .required), FormField("issuingReference", .line), FormField("issuedOn", .date), FormField("receivedOn", .date, .required)]),
            FormSection("B", .required, [FormField("authority", .line, .required), FormField("officer", .line, .required), FormField("reference", .line), FormField("telephone", .line), FormField("email", .line)]),
            FormSection("C", .optional, [FormField("transmittedTo", .line), FormField("transmittedOn", .date)]),
        ]
    )

    /// EIO Annex C: notification of an interception without the technical assistance of the state
    /// where the subject is (Directive 2014/41/EU Art. 31).
    public static let eioInterceptionNotice = InstrumentForm(
        id: "eio-annex-c", source: "Directive 2014/41/EU Annex C",
        sections: [
            FormSection("A", .required, [FormField("notifyingState", .country, .required), FormField("notifiedState", .country, .required)]),
            authority("B"),
            FormSection("C", .required, [
                FormField("target", .list, .required), FormField("from", .date, .required), FormField("to", .date, .required),
                FormField("purpose", .text, .required), FormField("knownOn", .date, .required),
            ]),
            offence("D"),
        ],
        executingStateField: "A.notifiedState", offenceField: "D.offenceCategory", penaltyField: "D.maximumPenaltyMonths"
    )

    /// A classic request for mutual legal assistance under a convention, a bilateral treaty or
    /// reciprocity (European Convention on Mutual Assistance in Criminal Matters 1959 Art. 14: the
    /// authority making the request, its object and reason, the identity of the person, the offence
    /// and a summary of the facts).
    public static let mla = InstrumentForm(
        id: "mla", source: "European Convention on Mutual Assistance in Criminal Matters 1959 Art. 14",
        sections: [
            FormSection("A", .required, [FormField("requestingState", .country, .required), FormField("requestedState", .country, .required), FormField("requestedAuthority", .line)]),
            FormSection("B", .required, [
                FormField("basis", .choice(["convention", "bilateral-treaty", "reciprocity"]), .required),
                FormField("instrument", .line, .requiredWhen("B.basis", is: "convention")),
                FormField("treaty", .line, .requiredWhen("B.basis", is: "bilateral-treaty")),
                FormField("reciprocityAssurance", .text, .requiredWhen("B.basis", is: "reciprocity")),
            ]),
            FormSection("C", .optional, [FormField("urgent", .yesNo), FormField("urgencyReasons", .text, .requiredWhen("C.urgent", is: "yes")), FormField("requestedDeadline", .date)]),
            offence("D"),
            FormSection("E", .required, [FormField("measures", .text, .required), FormField("purpose", .text, .required), FormField("procedure", .text)]),
            persons("F", .optional),
            authority("G"),
        ],
        executingStateField: "A.requestedState", urgencyField: "C.urgent", requestedDateField: "C.requestedDeadline",
        offenceField: "D.offenceCategory", penaltyField: "D.maximumPenaltyMonths"
    )

    /// European Arrest Warrant, the form annexed to FD 2002/584/JHA: (a) the requested person, (b)
    /// the decision the warrant is based on, (c) the length of the sentence, (d) the trial in
    /// absentia (Art. 4a, as amended by FD 2009/299/JHA), (e) the offences, (f) other
    /// circumstances, (g) property, (h) a life sentence's review, (i) the issuing judicial authority.
    public static let eaw = InstrumentForm(
        id: "eaw", source: "Framework Decision 2002/584/JHA Annex",
        sections: [
            FormSection("a", .required, [
                FormField("name", .line, .required), FormField("forenames", .line, .required), FormField("maidenName", .line), FormField("aliases", .list),
                FormField("sex", .choice(["female", "male", "other", "unknown"])), FormField("nationality", .country), FormField("dateOfBirth", .date, .required),
                FormField("placeOfBirth", .line), FormField("residence", .text), FormField("languages", .list), FormField("description", .text),
            ]),
            FormSection("b", .required, [FormField("arrestWarrant", .line, .required), FormField("type", .line), FormField("enforceableJudgment", .line)]),
            FormSection("c", .required, [
                FormField("purpose", .choice(["prosecution", "sentence"]), .required),
                FormField("maximumPenaltyMonths", .months, .required),
                FormField("sentenceMonths", .months, .requiredWhen("c.purpose", is: "sentence")), FormField("remainingMonths", .months),
            ]),
            FormSection("d", .required, [
                FormField("appearedInPerson", .yesNo, .required),
                FormField("guarantee", .choice(["4a-1-a-summoned", "4a-1-b-represented", "4a-1-c-served-did-not-appeal", "4a-1-d-retrial"]), .requiredWhen("d.appearedInPerson", is: "no")),
                FormField("details", .text, .requiredWhen("d.appearedInPerson", is: "no")),
            ]),
            FormSection("e", .required, [
                FormField("offences", .months, .required), FormField("facts", .text, .required), FormField("legalClassification", .text, .required),
                FormField("offenceCategory", .offence),
            ]),
            FormSection("f", .optional, [FormField("circumstances", .text)]),
            FormSection("g", .optional, [FormField("property", .text)]),
            FormSection("h", .optional, [FormField("lifeSentence", .yesNo), FormField("review", .text, .requiredWhen("h.lifeSentence", is: "yes"))]),
            authority("i"),
        ],
        offenceField: "e.offenceCategory", penaltyField: "c.maximumPenaltyMonths"
    )

    /// An extradition request to a state outside the EU (European Convention on Extradition 1957
    /// Art. 12: the conviction or warrant, a statement of the offences, the text of the law, a
    /// description of the person).
    public static let extradition = InstrumentForm(
        id: "extradition", source: "European Convention on Extradition 1957 Art. 12",
        sections: [
            FormSection("A", .required, [FormField("requestingState", .country, .required), FormField("requestedState", .country, .required), FormField("treaty", .line, .required)]),
            FormSection("B", .required, [
                FormField("name", .line, .required), FormField("forenames", .line), FormField("aliases", .list), FormField("nationality", .country),
                FormField("dateOfBirth", .date, .required), FormField("description", .text), FormField("location", .text),
            ]),
            FormSection("C", .required, [
                FormField("purpose", .choice(["prosecution", "sentence"]), .required), FormField("warrantOrJudgment", .line, .required),
                FormField("sentenceMonths", .months, .requiredWhen("C.purpose", is: "sentence")),
            ]),
            offence("D"),
            FormSection("E", .required, [FormField("deathPenaltyAssurance", .choice(["not-applicable", "given"]), .required), FormField("specialityAssurance", .yesNo)]),
            FormSection("F", .optional, [FormField("provisionalArrest", .yesNo), FormField("interpolNotice", .line)]),
            authority("G"),
        ],
        executingStateField: "A.requestedState", offenceField: "D.offenceCategory", penaltyField: "D.maximumPenaltyMonths"
    )

    static let propertyKinds = ["funds", "bank-account", "real-estate", "vehicle", "vessel", "company-shares", "crypto-assets", "other"]

    /// Freezing certificate, Reg. (EU) 2018/1805 Annex I.
    public static let freezing = InstrumentForm(
        id: "freezing", source: "Regulation (EU) 2018/1805 Annex I",
        sections: [
            FormSection("A", .required, [FormField("issuingState", .country, .required), FormField("executingState", .country, .required)]),
            FormSection("B", .optional, [FormField("urgent", .yesNo), FormField("urgencyReasons", .text, .requiredWhen("B.urgent", is: "yes")), FormField("requestedDeadline", .date)]),
            authority("C"),
            FormSection("D", .required, repeats: true, [
                FormField("kind", .choice(propertyKinds), .required), FormField("description", .text, .required), FormField("location", .line),
                FormField("value", .money), FormField("registration", .line),
            ]),
            persons("E", .required),
            FormSection("F", .required, [FormField("purpose", .choice(["subsequent-confiscation", "evidence", "both"]), .required), FormField("confiscationOrder", .line)]),
            offence("G"),
            FormSection("H", .optional, [FormField("remedies", .text)]),
        ],
        executingStateField: "A.executingState", urgencyField: "B.urgent", requestedDateField: "B.requestedDeadline",
        offenceField: "G.offenceCategory", penaltyField: "G.maximumPenaltyMonths"
    )

    /// Confiscation certificate, Reg. (EU) 2018/1805 Annex II.
    public static let confiscation = InstrumentForm(
        id: "confiscation", source: "Regulation (EU) 2018/1805 Annex II",
        sections: [
            FormSection("A", .required, [FormField("issuingState", .country, .required), FormField("executingState", .country, .required)]),
            authority("B"),
            FormSection("C", .required, [FormField("decision", .line, .required), FormField("decidedOn", .date, .required), FormField("final", .choice(["yes"]), .required), FormField("amount", .money)]),
            FormSection("D", .required, repeats: true, [FormField("kind", .choice(propertyKinds), .required), FormField("description", .text, .required), FormField("location", .line), FormField("value", .money)]),
            persons("E", .required),
            offence("F"),
            FormSection("G", .required, [
                FormField("appearedInPerson", .yesNo, .required),
                FormField("guarantee", .choice(["summoned", "represented", "served-did-not-appeal"]), .requiredWhen("G.appearedInPerson", is: "no")),
            ]),
            FormSection("H", .optional, [FormField("restitutionToVictim", .yesNo), FormField("remedies", .text)]),
        ],
        executingStateField: "A.executingState", offenceField: "F.offenceCategory", penaltyField: "F.maximumPenaltyMonths"
    )

    /// The four categories of data Reg. (EU) 2023/1543 Art. 3(9)–(12) distinguishes.
    public static let dataCategories = ["subscriber", "identification", "traffic", "content"]

    /// European Production Order certificate (EPOC), Reg. (EU) 2023/1543 Annex I.
    public static let productionOrder = InstrumentForm(
        id: "epoc", source: "Regulation (EU) 2023/1543 Annex I",
        sections: [
            FormSection("A", .required, [FormField("issuingState", .country, .required), FormField("enforcingState", .country, .required)]),
            FormSection("B", .required, [FormField("serviceProvider", .line, .required), FormField("addressee", .line, .required), FormField("address", .text)]),
            FormSection("C", .optional, [FormField("emergency", .yesNo), FormField("emergencyReasons", .text, .requiredWhen("C.emergency", is: "yes"))]),
            FormSection("D", .required, [FormField("categories", .choices(dataCategories), .required), FormField("identifiers", .list, .required), FormField("from", .date), FormField("to", .date)]),
            FormSection("E", .optional, [FormField("notification", .yesNo), FormField("reasonsNoNotification", .text)]),
            authority("F"),
            FormSection("G", .optional, [FormField("validatedBy", .line), FormField("validatedOn", .date)]),
            offence("H"),
        ],
        executingStateField: "A.enforcingState", urgencyField: "C.emergency", offenceField: "H.offenceCategory", penaltyField: "H.maximumPenaltyMonths"
    )

    /// European Preservation Order certificate (EPOC-PR), Reg. (EU) 2023/1543 Annex II.
    public static let preservationOrder = InstrumentForm(
        id: "epoc-pr", source: "Regulation (EU) 2023/1543 Annex II",
        sections: [
            FormSection("A", .required, [FormField("issuingState", .country, .required), FormField("enforcingState", .country, .required)]),
            FormSection("B", .required, [FormField("serviceProvider", .line, .required), FormField("addressee", .line, .required), FormField("address", .text)]),
            FormSection("C", .required, [FormField("categories", .choices(dataCategories), .required), FormField("identifiers", .list, .required), FormField("from", .date), FormField("to", .date)]),
            FormSection("D", .required, [FormField("subsequentRequest", .choice(["production-order", "eio", "mla"]), .required)]),
            authority("E"),
            offence("F"),
        ],
        executingStateField: "A.enforcingState", offenceField: "F.offenceCategory", penaltyField: "F.maximumPenaltyMonths"
    )
}
