import Foundation
import LiaisonCore
import Testing

/// The instruments' life cycle: every (step, state) pair against the table of allowed moves, the
/// roles per step, validation before transmission, coded refusal grounds, consultation before the
/// EIO grounds that require it, reasons where the law asks for one.
@Suite("Judicial instruments' life cycle")
struct InstrumentLifecycleTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)

    /// The allowed moves, written out by hand.
    static let allowed: [String: InstrumentState] = [
        "validate draft": .validated, "transmit validated": .transmitted, "receive transmitted": .received, "acknowledge received": .acknowledged,
        "consult acknowledged": .acknowledged, "consult postponed": .postponed,
        "recognise acknowledged": .recognised, "recognise postponed": .recognised, "refuse acknowledged": .refused, "refuse postponed": .refused,
        "postpone acknowledged": .postponed, "postpone recognised": .postponed, "execute-partly recognised": .partlyExecuted,
        "execute recognised": .executed, "execute partly-executed": .executed, "return-results partly-executed": .resultsReturned,
        "return-results executed": .resultsReturned, "close results-returned": .closed, "close refused": .closed,
        "arrest received": .received, "arrest acknowledged": .acknowledged, "consent received": .received, "consent acknowledged": .acknowledged,
        "explain-delay received": .received, "explain-delay acknowledged": .acknowledged, "explain-delay recognised": .recognised,
        "explain-delay postponed": .postponed, "explain-delay partly-executed": .partlyExecuted,
    ]

    @Test("every step from every state goes where the table says, and nowhere else")
    func table() {
        for action in InstrumentAction.allCases {
            for state in InstrumentState.allCases {
                var expected = Self.allowed["\(action.rawValue) \(state.rawValue)"]
                if action == .withdraw, state.isOpen { expected = .withdrawn }
                if action == .amend, state.isOpen { expected = state }
                #expect(InstrumentLifecycle.next(action, from: state) == expected, "\(action.rawValue) from \(state.rawValue)")
            }
        }
    }

    @Test("an EIO from draft to closed, each step by the role the law gives it")
    func wholeLife() throws {
        let eio = InstrumentLifecycle(kind: .eio)
        var state = InstrumentState.draft
        var history: [InstrumentStep] = []
        let steps: [(InstrumentAction, String, Role?)] = [
            (.validate, "judge-xc", .judicialAuthority), (.transmit, "desk-xc", .liaisonOfficer), (.receive, "node:XB-CUS", nil),
            (.acknowledge, "desk-xb", .liaisonOfficer), (.recognise, "prosecutor-xb", .judicialAuthority), (.execute, "desk-xb", .liaisonOfficer),
            (.returnResults, "desk-xb", .liaisonOfficer), (.close, "desk-xc", .liaisonOfficer),
        ]
        for (action, user, role) in steps {
            let step = try eio.step(action, from: state, history: history, by: user, role: role, issuedBy: ("police-xc", .investigator), at: Self.now)
            history.append(step)
            state = step.to
        }
        #expect(state == .closed && history.map(\.to) == [.validated, .transmitted, .received, .acknowledged, .recognised, .executed, .resultsReturned, .closed])
    }

    @Test("out of order: 409 naming the state; transmission without validation: 422; a role the step is not for: 403")
    func refusals() {
        let eio = InstrumentLifecycle(kind: .eio)
        let drafter: (user: String, role: Role)? = ("police-xc", .investigator)
        do {
            _ = try eio.step(.execute, from: .received, history: [], by: "desk", role: .liaisonOfficer, issuedBy: drafter, at: Self.now)
            Issue.record("executed before recognition")
        } catch {
            #expect(error.code == .conflict && error.message.contains("received"))
        }
        do {
            _ = try eio.step(.transmit, from: .draft, history: [], by: "desk", role: .liaisonOfficer, issuedBy: drafter, at: Self.now)
            Issue.record("transmitted without validation")
        } catch {
            #expect(error.code == .justificationRequired && error.message.contains("validates"))
        }
        for (action, role) in [(InstrumentAction.validate, Role.investigator), (.recognise, .liaisonOfficer), (.refuse, .supervisor), (.transmit, .analyst)] {
            let from: InstrumentState = action == .validate ? .draft : action == .transmit ? .validated : .acknowledged
            #expect(throws: LiaisonError.self) {
                try eio.step(action, from: from, history: [], by: "someone", role: role, issuedBy: drafter, at: Self.now, reason: "Because of the law.", ground: "eio-11-1-g")
            }
        }
        // Withdrawal and amendment at any open step need a reason; never after the end.
        #expect(throws: LiaisonError.self) { try eio.step(.withdraw, from: .transmitted, history: [], by: "desk", role: .liaisonOfficer, issuedBy: drafter, at: Self.now) }
        #expect((try? eio.step(.withdraw, from: .transmitted, history: [], by: "desk", role: .liaisonOfficer, issuedBy: drafter, at: Self.now, reason: "The suspect was arrested at home."))?.to == .withdrawn)
        #expect(throws: LiaisonError.self) { try eio.step(.amend, from: .closed, history: [], by: "desk", role: .liaisonOfficer, issuedBy: drafter, at: Self.now, reason: "Too late.") }
    }

    @Test("a refusal names a ground of its own instrument and a reason; the EIO grounds (a), (b), (d), (e) and (f) need a consultation first", arguments: InstrumentKind.allCases)
    func grounds(kind: InstrumentKind) throws {
        let lifecycle = InstrumentLifecycle(kind: kind)
        let drafter: (user: String, role: Role)? = ("judge-xc", .judicialAuthority)
        #expect(!kind.refusalGrounds.isEmpty && Set(kind.refusalGrounds.map(\.code)).count == kind.refusalGrounds.count)
        #expect(throws: LiaisonError.self) { try lifecycle.step(.refuse, from: .acknowledged, history: [], by: "judge", role: .judicialAuthority, issuedBy: drafter, at: Self.now, reason: "No reason given.") }
        let foreign = InstrumentKind.allCases.first { $0 != kind && !$0.refusalGrounds.contains { ground in kind.refusalGrounds.contains(ground) } }
        if let foreign, let other = foreign.refusalGrounds.first {
            #expect(throws: LiaisonError.self) { try lifecycle.step(.refuse, from: .acknowledged, history: [], by: "judge", role: .judicialAuthority, issuedBy: drafter, at: Self.now, reason: "Wrong instrument.", ground: other.code) }
        }
        let consulted = try lifecycle.step(.consult, from: .acknowledged, history: [], by: "judge", role: .judicialAuthority, issuedBy: drafter, at: Self.now, reason: "Called the issuing prosecutor on 3 March.")
        for ground in kind.refusalGrounds {
            do {
                let step = try lifecycle.step(.refuse, from: .acknowledged, history: [], by: "judge", role: .judicialAuthority, issuedBy: drafter, at: Self.now, reason: "The ground applies.", ground: ground.code)
                #expect(!ground.needsConsultation && step.to == .refused && step.ground == ground.code)
            } catch {
                #expect(ground.needsConsultation && error.code == .justificationRequired && error.message.contains("consult"), "\(ground.code)")
            }
            let after = try lifecycle.step(.refuse, from: .acknowledged, history: [consulted], by: "judge", role: .judicialAuthority, issuedBy: drafter, at: Self.now, reason: "The ground applies.", ground: ground.code)
            #expect(after.to == .refused)
        }
        if kind == .eio {
            #expect(kind.refusalGrounds.filter(\.needsConsultation).map(\.code) == ["eio-11-1-a", "eio-11-1-b", "eio-11-1-d", "eio-11-1-e", "eio-11-1-f"])
        }
        if kind == .eaw {
            #expect(kind.refusalGrounds.filter(\.mandatory).map(\.code) == ["eaw-3-1", "eaw-3-2", "eaw-3-3"])
        }
    }
}
