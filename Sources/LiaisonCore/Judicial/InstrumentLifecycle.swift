#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The judicial-cooperation instruments Liaison carries.
public enum InstrumentKind: String, Codable, Sendable, CaseIterable {
    /// European Investigation Order, Directive 2014/41/EU.
    case eio
    /// A request for mutual legal assistance under a convention, a bilateral treaty or reciprocity.
    case mla
    /// European Arrest Warrant, Framework Decision 2002/584/JHA.
    case eaw
    /// An extradition request outside the EU.
    case extradition
    /// Freezing certificate, Reg. (EU) 2018/1805 Annex I.
    case freezing
    /// Confiscation certificate, Reg. (EU) 2018/1805 Annex II.
    case confiscation
    /// European Production Order certificate, Reg. (EU) 2023/1543 Annex I.
    case productionOrder = "epoc"
    /// European Preservation Order certificate, Reg. (EU) 2023/1543 Annex II.
    case preservationOrder = "epoc-pr"
}

/// Where an instrument stands.
public enum InstrumentState: String, Codable, Sendable, CaseIterable {
    case draft
    /// Validated by a judicial authority (for an EIO issued by the police, Directive 2014/41/EU
    /// Art. 2(c)(ii)); an instrument a judicial authority issues is validated by issuing it.
    case validated
    case transmitted
    case received
    /// Receipt acknowledged (for an EIO, Annex B).
    case acknowledged
    case recognised
    case refused
    case postponed
    case partlyExecuted = "partly-executed"
    case executed
    case resultsReturned = "results-returned"
    case closed
    case withdrawn

    /// Whether the instrument is still open (it can be withdrawn or amended).
    public var isOpen: Bool { ![.refused, .closed, .withdrawn].contains(self) }
}

/// A step of an instrument's life.
public enum InstrumentAction: String, Codable, Sendable, CaseIterable {
    case validate, transmit, receive, acknowledge, consult, recognise, refuse, postpone, executePartly = "execute-partly", execute, returnResults = "return-results", close, withdraw, amend
    /// The requested person's arrest on an arrest warrant (starts the EAW's 60-day decision clock,
    /// FD 2002/584/JHA Art. 17(3)); the state does not change.
    case arrest
    /// The requested person's consent to surrender (starts the 10-day clock, Art. 17(2)).
    case consent
    /// The reason a deadline passed, recorded and sent to the issuing authority (Directive
    /// 2014/41/EU Art. 12(6); FD 2002/584/JHA Art. 17(7)); the state does not change.
    case explainDelay = "explain-delay"

    /// Which side takes the step: the issuing or the executing authority.
    public enum Side: String, Codable, Sendable { case issuing, executing }

    public var side: Side {
        switch self {
        case .validate, .transmit, .withdraw, .amend, .close: .issuing
        case .receive, .acknowledge, .consult, .recognise, .refuse, .postpone, .executePartly, .execute, .returnResults, .arrest, .consent, .explainDelay: .executing
        }
    }

    /// The roles that may take the step. Decisions on recognition, refusal and postponement, and
    /// validation, are a judge's or prosecutor's; acknowledging, transmitting and returning
    /// results are also a liaison officer's (the central authority's desk); receipt is recorded
    /// by the node itself.
    public var roles: Set<Role> {
        switch self {
        case .validate, .recognise, .refuse, .postpone, .consult, .consent: [.judicialAuthority]
        case .transmit, .acknowledge, .executePartly, .execute, .returnResults, .close, .withdraw, .amend, .arrest, .explainDelay: [.judicialAuthority, .liaisonOfficer]
        case .receive: []
        }
    }
}

/// A coded ground for refusing an instrument, as the instrument's law numbers it.
public struct RefusalGround: Codable, Sendable, Hashable {
    /// The code, e.g. `eio-11-1-a`.
    public var code: String
    /// The provision, e.g. "Directive 2014/41/EU Art. 11(1)(a)".
    public var provision: String
    public var summary: String
    /// Whether the executing authority must consult the issuing one before refusing on it
    /// (EIO Art. 11(4)).
    public var needsConsultation: Bool
    /// Whether the ground is mandatory (EAW Art. 3) rather than optional.
    public var mandatory: Bool

    init(_ code: String, _ provision: String, _ summary: String, consult: Bool = false, mandatory: Bool = false) {
        self.code = code
        self.provision = provision
        self.summary = summary
        needsConsultation = consult
        self.mandatory = mandatory
    }
}

extension InstrumentKind {
    /// The grounds on which this instrument may be refused.
    public var refusalGrounds: [RefusalGround] {
        switch self {
        case .eio:
            // Directive 2014/41/EU Art. 11(1); before refusing on (a), (b), (d), (e) or (f) the
            // executing authority consults the issuing authority (Art. 11(4)).
            [
                .init("eio-11-1-a", "Directive 2014/41/EU Art. 11(1)(a)", "An immunity or privilege, or rules on the freedom of the press, make execution impossible", consult: true),
                .init("eio-11-1-b", "Directive 2014/41/EU Art. 11(1)(b)", "Execution would harm essential national security interests", consult: true),
                .init("eio-11-1-c", "Directive 2014/41/EU Art. 11(1)(c)", "Non-criminal proceedings, and the measure would not be authorised in a similar domestic case"),
                .init("eio-11-1-d", "Directive 2014/41/EU Art. 11(1)(d)", "Ne bis in idem", consult: true),
                .init("eio-11-1-e", "Directive 2014/41/EU Art. 11(1)(e)", "Territoriality: conduct outside the issuing state, wholly or partly in the executing state, where it is not an offence", consult: true),
                .init("eio-11-1-f", "Directive 2014/41/EU Art. 11(1)(f)", "Execution would be incompatible with the executing state's obligations under Art. 6 TEU and the Charter", consult: true),
                .init("eio-11-1-g", "Directive 2014/41/EU Art. 11(1)(g)", "No dual criminality (not for an Annex D category punishable by at least 3 years)"),
                .init("eio-11-1-h", "Directive 2014/41/EU Art. 11(1)(h)", "The measure is restricted to offences or thresholds that this offence does not meet"),
            ]
        case .eaw:
            // FD 2002/584/JHA: mandatory grounds Art. 3, optional grounds Art. 4 and Art. 4a.
            [
                .init("eaw-3-1", "FD 2002/584/JHA Art. 3(1)", "Amnesty in the executing state", mandatory: true),
                .init("eaw-3-2", "FD 2002/584/JHA Art. 3(2)", "Ne bis in idem: finally judged for the same acts in a member state", mandatory: true),
                .init("eaw-3-3", "FD 2002/584/JHA Art. 3(3)", "Below the age of criminal responsibility in the executing state", mandatory: true),
                .init("eaw-4-1", "FD 2002/584/JHA Art. 4(1)", "No dual criminality (outside the listed offences)"),
                .init("eaw-4-2", "FD 2002/584/JHA Art. 4(2)", "Prosecuted in the executing state for the same act"),
                .init("eaw-4-3", "FD 2002/584/JHA Art. 4(3)", "Decision not to prosecute, or to halt proceedings, or a final judgment in a member state"),
                .init("eaw-4-4", "FD 2002/584/JHA Art. 4(4)", "Statute-barred under the executing state's law"),
                .init("eaw-4-5", "FD 2002/584/JHA Art. 4(5)", "Finally judged for the same acts by a third state"),
                .init("eaw-4-6", "FD 2002/584/JHA Art. 4(6)", "Sentence to be served in the executing state by a national or resident"),
                .init("eaw-4-7", "FD 2002/584/JHA Art. 4(7)", "Territoriality"),
                .init("eaw-4a", "FD 2002/584/JHA Art. 4a", "Trial in absentia without the guarantees of Art. 4a(1)"),
            ]
        case .freezing:
            [
                .init("freezing-8-1-a", "Reg. (EU) 2018/1805 Art. 8(1)(a)", "Ne bis in idem"),
                .init("freezing-8-1-b", "Reg. (EU) 2018/1805 Art. 8(1)(b)", "A privilege or immunity, or rules on the freedom of the press"),
                .init("freezing-8-1-c", "Reg. (EU) 2018/1805 Art. 8(1)(c)", "The certificate is incomplete or manifestly incorrect and was not completed"),
                .init("freezing-8-1-d", "Reg. (EU) 2018/1805 Art. 8(1)(d)", "Territoriality"),
                .init("freezing-8-1-e", "Reg. (EU) 2018/1805 Art. 8(1)(e)", "No dual criminality (outside the listed offences)"),
                .init("freezing-8-1-f", "Reg. (EU) 2018/1805 Art. 8(1)(f)", "Exceptionally, a manifest breach of a fundamental right"),
            ]
        case .confiscation:
            [
                .init("confiscation-19-1-a", "Reg. (EU) 2018/1805 Art. 19(1)(a)", "Ne bis in idem"),
                .init("confiscation-19-1-b", "Reg. (EU) 2018/1805 Art. 19(1)(b)", "A privilege or immunity, or rules on the freedom of the press"),
                .init("confiscation-19-1-c", "Reg. (EU) 2018/1805 Art. 19(1)(c)", "The certificate is incomplete or manifestly incorrect and was not completed"),
                .init("confiscation-19-1-d", "Reg. (EU) 2018/1805 Art. 19(1)(d)", "Territoriality"),
                .init("confiscation-19-1-e", "Reg. (EU) 2018/1805 Art. 19(1)(e)", "The rights of affected persons make execution impossible"),
                .init("confiscation-19-1-f", "Reg. (EU) 2018/1805 Art. 19(1)(f)", "No dual criminality (outside the listed offences)"),
                .init("confiscation-19-1-g", "Reg. (EU) 2018/1805 Art. 19(1)(g)", "Decision in absentia without the guarantees required"),
                .init("confiscation-19-1-h", "Reg. (EU) 2018/1805 Art. 19(1)(h)", "Exceptionally, a manifest breach of a fundamental right"),
            ]
        case .productionOrder, .preservationOrder:
            [
                .init("e-evidence-12-1-a", "Reg. (EU) 2023/1543 Art. 12(1)(a)", "Immunities or privileges, or rules on the freedom of the press and of expression"),
                .init("e-evidence-12-1-b", "Reg. (EU) 2023/1543 Art. 12(1)(b)", "Exceptionally, a manifest breach of a fundamental right"),
                .init("e-evidence-12-1-c", "Reg. (EU) 2023/1543 Art. 12(1)(c)", "Ne bis in idem"),
                .init("e-evidence-12-1-d", "Reg. (EU) 2023/1543 Art. 12(1)(d)", "No dual criminality (outside the listed offences punishable by at least 3 years)"),
            ]
        case .mla, .extradition:
            // Treaty-based: the grounds are the treaty's; these are the ones the conventions share.
            [
                .init("treaty-political", "European Convention on Mutual Assistance 1959 Art. 2(a); European Convention on Extradition 1957 Art. 3", "A political offence"),
                .init("treaty-fiscal", "European Convention on Mutual Assistance 1959 Art. 2(a); European Convention on Extradition 1957 Art. 5", "A fiscal offence not covered by the treaty's additional protocol"),
                .init("treaty-sovereignty", "European Convention on Mutual Assistance 1959 Art. 2(b)", "Prejudice to sovereignty, security, public order or other essential interests"),
                .init("treaty-ne-bis-in-idem", "European Convention on Extradition 1957 Art. 9", "Ne bis in idem"),
                .init("treaty-death-penalty", "European Convention on Extradition 1957 Art. 11", "The death penalty without sufficient assurance"),
                .init("treaty-nationals", "European Convention on Extradition 1957 Art. 6", "The person is a national of the requested state"),
                .init("treaty-dual-criminality", "European Convention on Extradition 1957 Art. 2", "No dual criminality"),
            ]
        }
    }

    /// Whether an instrument of this kind issued by `role` needs a judicial authority's
    /// validation before it can be transmitted (an EIO issued by the police or another non-judicial
    /// authority, Directive 2014/41/EU Art. 2(c)(ii); the other instruments are issued by judicial
    /// authorities, whose issuing validates them).
    public func needsSeparateValidation(issuedBy role: Role) -> Bool { role != .judicialAuthority }
}

/// What the executing authority returns for one measure asked: in words, and the items of
/// evidence handed over with their chain of custody (by id, the same on both nodes).
public struct MeasureResult: Codable, Sendable, Equatable {
    /// The measure as the form names it (`H4-bank-accounts`, or the MLA's measure in words).
    public var measure: String
    public var summary: String
    public var evidence: [String]

    public init(measure: String, summary: String, evidence: [String] = []) {
        self.measure = measure
        self.summary = summary
        self.evidence = evidence
    }

    enum CodingKeys: String, CodingKey { case measure, summary, evidence }

    /// `evidence` may be left out (a result without items).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        measure = try container.decode(String.self, forKey: .measure)
        summary = try container.decode(String.self, forKey: .summary)
        evidence = try container.decodeIfPresent([String].self, forKey: .evidence) ?? []
    }
}

/// One step in an instrument's history, as recorded (and audited).
public struct InstrumentStep: Codable, Sendable, Equatable {
    public var action: InstrumentAction
    public var from: InstrumentState
    public var to: InstrumentState
    public var by: String
    public var role: Role?
    public var at: Date
    /// The reason given (required for a refusal, a postponement, a withdrawal, an amendment, a
    /// partial execution).
    public var reason: String?
    /// For a refusal: the ground's code.
    public var ground: String?
    /// For an execution or the return of results: what came back, measure by measure.
    public var results: [MeasureResult]?

    public init(action: InstrumentAction, from: InstrumentState, to: InstrumentState, by: String, role: Role?, at: Date, reason: String? = nil, ground: String? = nil) {
        self.action = action
        self.from = from
        self.to = to
        self.by = by
        self.role = role
        self.at = at
        self.reason = reason
        self.ground = ground
    }
}

/// The life cycle of an instrument as a state machine: which step is allowed from which state,
/// by whom, with what reason or ground. Pure: the caller records the step it returns.
public struct InstrumentLifecycle: Sendable {
    public let kind: InstrumentKind

    public init(kind: InstrumentKind) { self.kind = kind }

    /// The state a step leads to from `state`, or `nil` when the step is not allowed there.
    public static func next(_ action: InstrumentAction, from state: InstrumentState) -> InstrumentState? {
        switch (action, state) {
        case (.validate, .draft): .validated
        case (.transmit, .validated): .transmitted
        case (.receive, .transmitted): .received
        case (.acknowledge, .received): .acknowledged
        case (.consult, .acknowledged), (.consult, .postponed): state
        case (.recognise, .acknowledged), (.recognise, .postponed): .recognised
        case (.refuse, .acknowledged), (.refuse, .postponed): .refused
        case (.postpone, .acknowledged), (.postpone, .recognised): .postponed
        case (.executePartly, .recognised): .partlyExecuted
        case (.execute, .recognised), (.execute, .partlyExecuted): .executed
        case (.returnResults, .partlyExecuted), (.returnResults, .executed): .resultsReturned
        case (.close, .resultsReturned), (.close, .refused): .closed
        case (.arrest, .received), (.arrest, .acknowledged), (.consent, .received), (.consent, .acknowledged): state
        case (.explainDelay, .received), (.explainDelay, .acknowledged), (.explainDelay, .recognised), (.explainDelay, .postponed), (.explainDelay, .partlyExecuted): state
        case (.withdraw, let open) where open.isOpen: .withdrawn
        case (.amend, let open) where open.isOpen: open
        default: nil
        }
    }

    /// Checks a step and returns it, ready to record.
    /// - Parameters:
    ///   - history: the steps so far (a refusal on a ground that needs consultation requires a
    ///     `consult` step among them).
    ///   - issuedBy: the role of whoever drafted the instrument (an EIO drafted by the police is
    ///     validated by a judicial authority other than the drafter).
    /// - Throws: ``LiaisonError`` `.conflict` (409) for a step out of order, naming the current
    ///   state; `.forbidden` for a role that may not take it; `.justificationRequired` (422) for a
    ///   missing reason or ground, or a refusal before the consultation the law requires.
    public func step(
        _ action: InstrumentAction, from state: InstrumentState, history: [InstrumentStep], by user: String, role: Role?,
        issuedBy drafter: (user: String, role: Role)?, at now: Date, reason: String? = nil, ground: String? = nil
    ) throws(LiaisonError) -> InstrumentStep {
        if action == .transmit, state == .draft {
            throw LiaisonError(.justificationRequired, "transmit: a judicial authority validates the instrument before it leaves (Directive 2014/41/EU Art. 2(c)(ii) for an EIO).")
        }
        guard let next = Self.next(action, from: state) else {
            throw LiaisonError(.conflict, "The instrument is \(state.rawValue): it cannot be \(Self.pastTense(action)) now.")
        }
        if action != .receive {
            guard let role, action.roles.contains(role) else {
                throw LiaisonError(.forbidden, "\(action.rawValue) is for \(action.roles.map(\.rawValue).sorted().joined(separator: " or ")).")
            }
        }
        if action == .arrest || action == .consent {
            guard kind == .eaw || kind == .extradition else {
                throw LiaisonError(.conflict, "\(action.rawValue) is recorded on an arrest warrant or an extradition request, not on a \(kind.rawValue).")
            }
            if action == .consent, !history.contains(where: { $0.action == .arrest }) {
                throw LiaisonError(.conflict, "consent: record the arrest first; the person consents once arrested.")
            }
            if history.contains(where: { $0.action == action }) {
                throw LiaisonError(.conflict, "The \(action.rawValue) was recorded already.")
            }
        }
        let reasoned = reason.map { $0.filter { !$0.isWhitespace }.count >= 3 } ?? false
        switch action {
        case .validate:
            if let drafter, kind.needsSeparateValidation(issuedBy: drafter.role), drafter.user == user {
                throw LiaisonError(.forbidden, "validate: a judicial authority other than the drafter validates it (Directive 2014/41/EU Art. 2(c)(ii)).")
            }
        case .refuse:
            guard let ground, let found = kind.refusalGrounds.first(where: { $0.code == ground }) else {
                throw LiaisonError(.justificationRequired, "ground: a refusal names one of the grounds of \(kind.rawValue): \(kind.refusalGrounds.map(\.code).joined(separator: ", ")).")
            }
            guard reasoned else { throw LiaisonError(.justificationRequired, "reason: say why \(found.provision) applies.") }
            if found.needsConsultation, !history.contains(where: { $0.action == .consult }) {
                throw LiaisonError(.justificationRequired, "consult: before refusing under \(found.provision), consult the issuing authority and record it (Directive 2014/41/EU Art. 11(4)).")
            }
        case .postpone, .withdraw, .amend, .executePartly, .consult, .explainDelay:
            guard reasoned else { throw LiaisonError(.justificationRequired, "reason: give the reason for this step; the other side receives it.") }
        default:
            break
        }
        return InstrumentStep(action: action, from: state, to: next, by: user, role: role, at: now, reason: reason, ground: action == .refuse ? ground : nil)
    }

    /// A step in words ("validated", "partly executed").
    public static func pastTense(_ action: InstrumentAction) -> String {
        switch action {
        case .validate: "validated"
        case .transmit: "transmitted"
        case .receive: "received"
        case .acknowledge: "acknowledged"
        case .consult: "the subject of a consultation"
        case .recognise: "recognised"
        case .refuse: "refused"
        case .postpone: "postponed"
        case .executePartly: "partly executed"
        case .execute: "executed"
        case .returnResults: "answered with results"
        case .close: "closed"
        case .withdraw: "withdrawn"
        case .amend: "amended"
        case .arrest: "followed by the arrest"
        case .consent: "consented to"
        case .explainDelay: "explained late"
        }
    }
}
