import LiaisonCore
import LiaisonSafeguards
import Testing

@Suite("Access policy")
struct AccessPolicyTests {
    let investigator = Principal(userID: "1", username: "ivy", role: .investigator)

    @Test("anonymous operations are open to everyone")
    func anonymous() {
        #expect(AccessPolicy.decide(principal: nil, rule: .anonymous) == .permit)
    }

    @Test("any-role operations need a signed-in user")
    func anyRole() {
        #expect(AccessPolicy.decide(principal: investigator, rule: .anyRole) == .permit)
        guard case .deny(let reasons) = AccessPolicy.decide(principal: nil, rule: .anyRole) else {
            Issue.record("anonymous caller was not denied")
            return
        }
        #expect(reasons.map(\.code.rawValue) == ["not-authenticated"])
    }

    @Test("role-restricted operations admit only their roles", arguments: Role.allCases)
    func restricted(role: Role) {
        let principal = Principal(userID: "2", username: "u", role: role)
        let decision = AccessPolicy.decide(principal: principal, rule: .only(.administrator, .dataProtectionOfficer))
        #expect(decision.isPermit == [.administrator, .dataProtectionOfficer].contains(role))
        if case .deny(let reasons) = decision {
            #expect(reasons.first?.code.rawValue == "role-not-permitted")
            #expect(reasons.first?.sentence.contains(role.rawValue) == true)
        }
    }

    @Test("an undeclared operation is denied even to administrators")
    func undeclared() {
        let admin = Principal(userID: "3", username: "root", role: .administrator)
        #expect(AccessPolicy.decide(principal: admin, rule: nil) != .permit)
    }
}
