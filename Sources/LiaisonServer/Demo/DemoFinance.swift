import Foundation
import LiaisonCore
import LiaisonMatching
import LiaisonSafeguards
import LiaisonStore

extension DemoFederation {
    /// Bank records of the tobacco case on first start, at the Aldorian police (case XA-2026-0042):
    /// eight months of ordinary payments between people and firms of the three states, and in them
    /// what an analyst should find — the smuggler's firm paying four money mules just under the
    /// EUR 10,000 threshold, who pass about 92 % on to a Calderan shell company (a scatter-gather),
    /// and three Borvian firms sending EUR 48,000 round in a week (a cycle). The typology scan has
    /// run; its alerts wait for a person.
    func seedFinance(directory: String) async throws {
        try await NodeServices.with(dataDirectory: directory, databaseURL: nil) { node in
            guard try await node.finance.store.count(case: "XA-2026-0042") == 0 else { return }
            let investigator = Principal(userID: "demo", username: "investigator", role: .investigator)
            let file = Self.financeDemoCSV()
            _ = try await node.finance.importFile(
                Data(file.utf8), name: "aldoria-bank-statements-2026.csv", format: "csv", currency: nil, mapping: nil, startDate: nil, case: "XA-2026-0042",
                principal: investigator)
            _ = try await node.finance.scan(case: "XA-2026-0042", principal: investigator)
        }
    }

    /// The demo's statements as CSV in ``TransactionCSV``'s default layout.
    static func financeDemoCSV() -> String {
        struct Account {
            var iban: String
            var bic: String
            var name: String
        }
        let banks = ["XA": "ALDBXAA1", "XB": "BORSXBB1", "XC": "CALDXCC1"]
        var serial = 0
        func account(_ country: String, _ name: String) -> Account {
            serial += 1
            let bic = banks[country] ?? "ALDBXAA1"
            let bban = String(bic.prefix(4)) + String(format: "%012d", 4_711_000 + serial * 37)
            return Account(iban: IBAN.make(country: country, bban: bban), bic: bic, name: name)
        }
        let smuggler = account("XA", "Aldorian Tobacco Wholesale")
        let importer = account("XB", "Nordlys Trading Oy")
        let shell = account("XC", "Meridian Capital Ltd")
        let mules = [account("XB", "Piet Aalto"), account("XB", "Saana Virta"), account("XC", "Elio Marchetti"), account("XC", "Rosa Lind")]
        let ring = [account("XB", "Fjord Consulting AB"), account("XB", "Skog Holding AB"), account("XB", "Havn Services AB")]
        let people = ["XA", "XA", "XA", "XA", "XB", "XB", "XC"].enumerated().flatMap { offset, country in
            (0..<6).map { account(country, "\(["Aldorian", "Aldorian", "Aldorian", "Aldorian", "Borvian", "Borvian", "Calderan"][offset]) customer \(offset * 6 + $0 + 1)") }
        }
        var random = SplitMix64(seed: 42)
        var lines = ["id,debtor,creditor,amount,currency,date,debtor_bic,creditor_bic,debtor_name,creditor_name,reference"]
        var number = 0
        func pay(_ from: Account, _ to: Account, cents: Int, day: String, reference: String) {
            number += 1
            let amount = "\(cents / 100).\(String(format: "%02d", cents % 100))"
            lines.append("DEMO-\(String(format: "%05d", number)),\(from.iban),\(to.iban),\(amount),EUR,\(day),\(from.bic),\(to.bic),\(from.name),\(to.name),\(reference)")
        }
        let start = CalendarDay.start(of: "2026-03-01") ?? Date(timeIntervalSince1970: 1_772_323_200)
        func day(_ offset: Int) -> String { String(ISO8601DateFormatter().string(from: start.addingTimeInterval(Double(offset) * 86_400)).prefix(10)) }
        // Ordinary life: people paying people and the importer, the importer paying its suppliers.
        for _ in 0..<420 {
            let from = people[random.next(below: people.count)]
            var to = people[random.next(below: people.count)]
            if random.next(below: 6) == 0 { to = importer }
            guard from.iban != to.iban else { continue }
            pay(from, to, cents: 2_000 + random.next(below: 60_000), day: day(random.next(below: 240)), reference: "invoice \(1_000 + random.next(below: 9_000))")
        }
        for month in 0..<8 {
            pay(importer, people[random.next(below: people.count)], cents: 150_000 + random.next(below: 300_000), day: day(month * 30 + 5), reference: "supplier payment")
            pay(smuggler, importer, cents: 1_200_000 + random.next(below: 400_000), day: day(month * 30 + 12), reference: "goods, order \(200 + month)")
        }
        // Scatter-gather: four mules, each just under EUR 10,000, about 92 % on to the shell.
        for (index, mule) in mules.enumerated() {
            let cents = 940_000 + index * 13_100
            pay(smuggler, mule, cents: cents, day: day(101 + index / 2), reference: "consultancy")
            pay(mule, shell, cents: cents * 92 / 100, day: day(103 + index / 2), reference: "loan repayment")
        }
        // A cycle of three Borvian firms: EUR 48,000 round in six days, 8 % kept at each hop.
        var cents = 4_800_000
        for (index, firm) in ring.enumerated() {
            pay(firm, ring[(index + 1) % ring.count], cents: cents, day: day(130 + index * 2), reference: "advisory services")
            cents = cents * 92 / 100
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
