import Foundation
import LiaisonCore
import LiaisonSafeguards
import Testing

@Suite("Agreement policy")
struct AgreementPolicyTests {
    static let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01
    static let end = Date(timeIntervalSince1970: 1_798_761_600)  // 2027-01-01
    static let agreement = Agreement(
        id: "AGR-2026-001", parties: ["XA-POL", "XB-CUS"], legalBasis: "Council Framework Decision 2006/960/JHA",
        purposes: ["prevention-of-crime", "investigation"], dataCategories: [.message, .vehicle, .person],
        dataSubjectCategories: [.suspect, .witness], hitNoHitOnly: false, validFrom: start, validUntil: end, impactAssessmentRef: "HRIA-2026-07"
    )

    static func flow(
        sender: String = "XA-POL", recipient: String = "XB-CUS", purpose: String = "investigation",
        data: Set<DataCategory> = [.message, .vehicle], subjects: Set<DataSubjectCategory> = [.suspect],
        at: Date = start.addingTimeInterval(86_400)
    ) -> Flow {
        Flow(sender: sender, recipient: recipient, purpose: purpose, dataCategories: data, dataSubjectCategories: subjects, at: at)
    }

    @Test("a flow inside every clause is covered, in both directions")
    func covered() {
        #expect(AgreementPolicy.coverage(of: Self.flow(), under: [Self.agreement]) == .covered(by: Self.agreement))
        #expect(AgreementPolicy.coverage(of: Self.flow(sender: "XB-CUS", recipient: "XA-POL"), under: [Self.agreement]).decision == .permit)
    }

    @Test("each missing clause is named", arguments: [
        (flow(recipient: "XC-PRO"), "no-agreement"),
        (flow(purpose: "tax-collection"), "purpose-not-covered"),
        (flow(data: [.message, .dna]), "data-category-not-covered"),
        (flow(subjects: [.victim]), "data-subject-category-not-covered"),
        (flow(at: start.addingTimeInterval(-1)), "agreement-not-yet-in-force"),
        (flow(at: end), "agreement-expired"),
    ])
    func notCovered(flow: Flow, code: String) {
        guard case .notCovered(let reasons) = AgreementPolicy.coverage(of: flow, under: [Self.agreement]) else {
            Issue.record("flow was covered")
            return
        }
        #expect(reasons.map(\.code.rawValue) == [code])
        #expect(!reasons[0].sentence.isEmpty)
        #expect(AgreementPolicy.reasonCodes.contains(PolicyReason.Code(code)), "callers tell the agreement's refusals by these codes")
    }

    @Test("the sunset stops the flow by itself: covered one second before validUntil, not at it")
    func sunset() {
        #expect(AgreementPolicy.coverage(of: Self.flow(at: Self.end.addingTimeInterval(-1)), under: [Self.agreement]).decision == .permit)
        #expect(AgreementPolicy.coverage(of: Self.flow(at: Self.end), under: [Self.agreement]).decision != .permit)
    }

    @Test("a hit/no-hit-only agreement refuses disclosures but allows hit/no-hit answers")
    func hitNoHitOnly() {
        var agreement = Self.agreement
        agreement.hitNoHitOnly = true
        #expect(AgreementPolicy.coverage(of: Self.flow(), under: [agreement]).decision != .permit)
        var answer = Self.flow()
        answer.isHitNoHit = true
        #expect(AgreementPolicy.coverage(of: answer, under: [agreement]).decision == .permit)
    }

    static func changed(_ change: (inout Agreement) -> Void) -> Agreement {
        var copy = agreement
        change(&copy)
        return copy
    }

    @Test("agreements validate their own clauses", arguments: [
        ("parties", changed { $0.parties = ["XA-POL"] }),
        ("parties", changed { $0.parties = ["XA-POL", "bad code!"] }),
        ("legalBasis", changed { $0.legalBasis = " " }),
        ("purposes", changed { $0.purposes = [] }),
        ("dataCategories", changed { $0.dataCategories = [] }),
        ("dataSubjectCategories", changed { $0.dataSubjectCategories = [] }),
        ("validUntil", changed { $0.validUntil = $0.validFrom }),
        ("impactAssessmentRef", changed { $0.impactAssessmentRef = "" }),
        ("agreement id", changed { $0.id = "has spaces" }),
        ("hitQueriesPerMinute", changed { $0.hitQueriesPerMinute = 0 }),
    ])
    func validation(field: String, agreement: Agreement) {
        let error = #expect(throws: LiaisonError.self) { try agreement.validate() }
        #expect(error?.message.contains(field) == true, "\(error?.message ?? "")")
    }

    @Test("a complete agreement validates; a hit/no-hit rate limit is optional and survives a round trip")
    func validAgreement() throws {
        try Self.agreement.validate()
        let limited = Self.changed { $0.hitQueriesPerMinute = 120 }
        try limited.validate()
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(Agreement.self, from: encoder.encode(limited)).hitQueriesPerMinute == 120)
        #expect(try decoder.decode(Agreement.self, from: encoder.encode(Self.agreement)).hitQueriesPerMinute == nil)
    }
}
