import Foundation
import LiaisonCore
import LiaisonSafeguards
import Testing

@Suite("Policy decision point")
struct PolicyDecisionPointTests {
    static let now = ISO8601DateFormatter().date(from: "2026-06-01T12:00:00Z")!
    static let agreement = Agreement(
        id: "AGR-1", parties: ["XA-POL", "XB-CUS"], legalBasis: "Council Framework Decision 2006/960/JHA", purposes: ["investigation"],
        dataCategories: [.message, .person, .vehicle, .dna], dataSubjectCategories: [.suspect, .victim, .witness], hitNoHitOnly: false,
        validFrom: ISO8601DateFormatter().date(from: "2026-01-01T00:00:00Z")!, validUntil: ISO8601DateFormatter().date(from: "2027-01-01T00:00:00Z")!,
        impactAssessmentRef: "HRIA-1"
    )
    static let investigator = Principal(userID: "1", username: "ines", role: .investigator)

    static func person(_ id: String = "p", subject: DataSubjectCategory = .suspect, properties: [String: [String]] = ["name": ["Jonas Doe"]], special: [SpecialCategory]? = nil) -> MessageEntity {
        MessageEntity(id: id, schema: "Person", properties: properties, dataSubjectCategory: subject, nature: .fact, specialCategories: special)
    }

    static func request(_ entities: [MessageEntity], actor: Principal? = investigator, caseRef: String? = "XA-2026-1", standing: CaseStanding? = nil, action: PolicyRequest.Action = .disclose, justification: String? = nil, at: Date = now) -> PolicyRequest {
        var request = PolicyRequest(
            action: action, actor: actor, agency: "XA-POL", recipient: action.crossesBorder ? "XB-CUS" : nil, dataCategories: [], dataSubjectCategories: [], recordCount: 1,
            purpose: "investigation", legalBasis: "Council Framework Decision 2006/960/JHA", caseRef: caseRef, justification: justification, at: at
        )
        request.describe(entities, carryingEvidence: false, minorAge: 18)
        request.caseStanding = standing
        return request
    }

    static func codes(_ decision: Decision) -> [String] {
        switch decision {
        case .permit: []
        case .deny(let reasons), .needsApproval(_, let reasons): reasons.map(\.code.rawValue)
        }
    }

    static let justification = "Needed to identify the victim's assailant in case XA-2026-1."

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let request: PolicyRequest
        let expected: String  // permit | deny | needs-approval
        let codes: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "a suspect's name under the agreement", request: request([person()]), expected: "permit", codes: []),
        Case(name: "no case link", request: request([person()], caseRef: nil), expected: "deny", codes: ["no-case-link"]),
        Case(name: "an open case on this node", request: request([person()], standing: .open), expected: "permit", codes: []),
        Case(name: "a case this node does not hold", request: request([person()], standing: .unknown), expected: "deny", codes: ["unknown-case"]),
        Case(name: "a closed case", request: request([person()], standing: .closed), expected: "deny", codes: ["case-closed"]),
        Case(name: "reading under a closed case", request: request([person()], standing: .closed, action: .read), expected: "permit", codes: []),
        Case(name: "oversight role", request: request([person()], actor: Principal(userID: "2", username: "o", role: .oversight)), expected: "deny", codes: ["role-not-permitted"]),
        Case(name: "after the agreement's end", request: request([person()], at: ISO8601DateFormatter().date(from: "2027-02-01T00:00:00Z")!), expected: "deny", codes: ["agreement-expired"]),
        Case(name: "a contact the agreement does not cover", request: request([person(subject: .contact)]), expected: "deny", codes: ["data-subject-category-not-covered"]),
        Case(name: "a victim, with a justification", request: request([person(subject: .victim)], justification: justification), expected: "needs-approval", codes: ["protected-data-subject"]),
        Case(name: "a victim, without a justification", request: request([person(subject: .victim)]), expected: "deny", codes: ["justification-required", "protected-data-subject"]),
        Case(name: "declared health data", request: request([person(special: [.health])], justification: justification), expected: "needs-approval", codes: ["special-category"]),
        Case(name: "a religion property", request: request([person(properties: ["name": ["A"], "religion": ["x"]])], justification: justification), expected: "needs-approval", codes: ["special-category"]),
        Case(name: "a child by date of birth", request: request([person(properties: ["name": ["A"], "birthDate": ["2010-06-02"]])], justification: justification), expected: "needs-approval", codes: ["minor"]),
        Case(name: "an adult by date of birth", request: request([person(properties: ["name": ["A"], "birthDate": ["2008-06-01"]])]), expected: "permit", codes: []),
        Case(name: "101 records", request: request((0..<101).map { person("p\($0)") }, justification: justification), expected: "needs-approval", codes: ["bulk"]),
    ]

    @Test("decisions follow the rules", arguments: cases)
    func table(_ testCase: Case) {
        let outcome = PolicyDecisionPoint.decide(testCase.request, agreements: [Self.agreement], configuration: SafeguardsConfiguration())
        let kind = switch outcome.decision {
        case .permit: "permit"
        case .deny: "deny"
        case .needsApproval(let role, _): role == .supervisor ? "needs-approval" : "needs-approval-by-\(role.rawValue)"
        }
        #expect(kind == testCase.expected)
        #expect(Self.codes(outcome.decision) == testCase.codes)
    }

    @Test("reading one record the node holds checks role and case link but is not held back; an oversight role may not read")
    func reads() {
        var read = Self.request([Self.person(subject: .victim, special: [.health])])
        read.action = .read
        read.recipient = nil
        #expect(PolicyDecisionPoint.decide(read, agreements: [], configuration: SafeguardsConfiguration()).decision == .permit)
        read.actor = Principal(userID: "2", username: "o", role: .oversight)
        #expect(Self.codes(PolicyDecisionPoint.decide(read, agreements: [], configuration: SafeguardsConfiguration()).decision) == ["role-not-permitted"])
    }

    @Test("a DNA hit/no-hit query under the agreement is not held back (answers carry references only); a DNA disclosure is, and a query outside the agreement is refused")
    func hitNoHit() {
        var query = PolicyRequest(action: .hitNoHitAnswer, actor: Self.investigator, agency: "XA-POL", recipient: "XB-CUS", dataCategories: [.dna],
                                  dataSubjectCategories: [], recordCount: 1, purpose: "investigation", legalBasis: "Council Decision 2008/615/JHA", caseRef: "XA-2026-1", at: Self.now)
        #expect(PolicyDecisionPoint.decide(query, agreements: [Self.agreement], configuration: SafeguardsConfiguration()).decision == .permit)
        var disclosure = query
        disclosure.action = .disclose
        #expect(Self.codes(PolicyDecisionPoint.decide(disclosure, agreements: [Self.agreement], configuration: SafeguardsConfiguration()).decision)
                == ["justification-required", "special-category"])
        query.purpose = "marketing"
        #expect(Self.codes(PolicyDecisionPoint.decide(query, agreements: [Self.agreement], configuration: SafeguardsConfiguration()).decision) == ["purpose-not-covered"])
    }

    @Test("an approval lets the held request through; a refusal stands with the approver's reason")
    func approvals() {
        let request = Self.request([Self.person(subject: .witness)], justification: Self.justification)
        let granted = PolicyDecisionPoint.decide(request, agreements: [Self.agreement], configuration: SafeguardsConfiguration(), approval: .granted(by: "user:sam", reason: "ok"))
        #expect(granted.decision == .permit)
        let refused = PolicyDecisionPoint.decide(request, agreements: [Self.agreement], configuration: SafeguardsConfiguration(), approval: .refused(by: "user:sam", reason: "Not proportionate."))
        guard case .deny(let reasons) = refused.decision else { Issue.record("not denied"); return }
        #expect(reasons.first?.code.rawValue == "approval-refused")
        #expect(reasons.first?.sentence == "user:sam refused approval: Not proportionate.")
    }

    @Test("DNA is genetic data: a DNA disclosure needs approval even without a declared category")
    func dnaIsGenetic() {
        var request = Self.request([Self.person()], justification: Self.justification)
        request.dataCategories.insert(.dna)
        let outcome = PolicyDecisionPoint.decide(request, agreements: [Self.agreement], configuration: SafeguardsConfiguration())
        guard case .needsApproval(_, let reasons) = outcome.decision else { Issue.record("\(outcome.decision)"); return }
        #expect(reasons.first?.sentence.contains("genetic") == true)
    }

    @Test("categories outside the agreement are redacted, not refused; the message itself must be covered")
    func redaction() {
        let entities = [
            Self.person(properties: ["name": ["Jonas Doe"], "passportNumber": ["X1"], "phone": ["+15550100"]]),
            MessageEntity(id: "acct", schema: "BankAccount", properties: ["iban": ["DE89370400440532013000"]], dataSubjectCategory: .suspect, nature: .fact),
        ]
        let outcome = PolicyDecisionPoint.decide(Self.request(entities), agreements: [Self.agreement], configuration: SafeguardsConfiguration())
        #expect(outcome.decision == .permit)
        #expect(outcome.redact == [.document, .phone, .bankAccount])
        let (kept, redactions) = Minimisation.apply(entities, removing: outcome.redact, agreement: "AGR-1")
        #expect(kept.count == 1)
        #expect(kept[0].properties == ["name": ["Jonas Doe"]])
        #expect(redactions.map { "\($0.entity)/\($0.property ?? "*")/\($0.category.rawValue)" } == ["p/passportNumber/document", "p/phone/phone", "acct/*/bankAccount"])

        var noMessages = Self.agreement
        noMessages.dataCategories = [.person]
        let refused = PolicyDecisionPoint.decide(Self.request(entities), agreements: [noMessages], configuration: SafeguardsConfiguration())
        #expect(Self.codes(refused.decision) == ["data-category-not-covered"])
    }

    @Test("an agreement's own rules replace the node's; absent keys take the safe defaults")
    func perAgreementRules() throws {
        let configuration = try JSON.decoder.decode(SafeguardsConfiguration.self, from: Data(#"{"agreements":{"AGR-1":{"protectedSubjects":[]}}}"#.utf8))
        #expect(configuration.rules == ProportionalityRules())
        let witness = Self.request([Self.person(subject: .witness)])
        #expect(PolicyDecisionPoint.decide(witness, agreements: [Self.agreement], configuration: configuration).decision == .permit)
        #expect(PolicyDecisionPoint.decide(witness, agreements: [Self.agreement], configuration: SafeguardsConfiguration()).decision != .permit)
        var bad = ProportionalityRules()
        bad.personalDataRoles = [.oversight]
        #expect(throws: LiaisonError.self) { try SafeguardsConfiguration(rules: bad).validate() }
    }

    @Test("minors by date of birth, with partial dates read the safe way", arguments: [
        ("2008-06-01", false), ("2008-06-02", true), ("2008", true), ("2007", false), ("2010-05", true), ("not a date", false),
    ])
    func minors(birthDate: String, minor: Bool) {
        #expect(Self.person(properties: ["birthDate": [birthDate]]).isMinor(at: Self.now) == minor)
    }
}
