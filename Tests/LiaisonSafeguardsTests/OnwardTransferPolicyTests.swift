import LiaisonCore
import LiaisonSafeguards
import Testing

@Suite("Onward transfer")
struct OnwardTransferPolicyTests {
    @Test("handling codes decide onward use without permission", arguments: [
        (HandlingCode.h0, OnwardUse.forward(to: "XC-PRO"), true),
        (.h0, .judicialProceedings, true),
        (.h1, .forward(to: "XC-PRO"), true),
        (.h1, .judicialProceedings, false),
        (.h2, .forward(to: "XC-PRO"), false),
        (.h2, .judicialProceedings, true),
        (.h3, .forward(to: "XC-PRO"), false),
        (.h3, .judicialProceedings, false),
    ])
    func withoutPermission(code: HandlingCode, use: OnwardUse, allowed: Bool) {
        let decision = OnwardTransferPolicy.decide(use, handlingCode: code, restriction: "not to tax authorities", originator: "XA-POL", permissionGranted: false)
        #expect(decision.isPermit == allowed)
        if case .deny(let reasons) = decision {
            #expect(reasons.first?.code.rawValue == "handling-code-\(code.rawValue.lowercased())")
            #expect(reasons.first?.sentence.contains("XA-POL") == true, "a refusal names the originator")
        }
    }

    @Test("the originator's permission allows any use", arguments: HandlingCode.allCases)
    func withPermission(code: HandlingCode) {
        #expect(OnwardTransferPolicy.decide(.forward(to: "XC-PRO"), handlingCode: code, originator: "XA-POL", permissionGranted: true) == .permit)
    }
}
