import Foundation
import LiaisonCore

/// FollowTheMoney entities as JSON lines: `Payment` entities (payer, beneficiary, their
/// `payerAccount` / `beneficiaryAccount`, `amount` with `currency` or `amountEur`, `date` or
/// `startDate`, `transactionNumber`), the `BankAccount` entities they name (`iban`,
/// `accountNumber`, `bic`/`swiftBic`, `country`, `openingDate`, `closingDate`) and the parties (for
/// names and countries). A payment without accounts is traced between its parties.
public enum FtMPayments {
    static func read(_ text: String, name: String) throws(LiaisonError) -> FinancialImport {
        var problems = FileProblems()
        var entities: [String: (schema: String, properties: [String: [String]], line: Int)] = [:]
        var order: [String] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
                problems.add(line: number, "not a JSON object")
                continue
            }
            let entity = (object["entity"] as? [String: Any]) ?? object
            guard let id = entity["id"] as? String, !id.isEmpty, let schema = entity["schema"] as? String else {
                problems.add(line: number, "entity without an id or a schema")
                continue
            }
            let raw = entity["properties"] as? [String: Any] ?? [:]
            var properties: [String: [String]] = [:]
            for (key, value) in raw { properties[key] = (value as? [Any])?.compactMap { $0 as? String } ?? [] }
            entities[id] = (schema, properties, number)
            order.append(id)
        }
        var book = TransactionReader.AccountBook()
        var transactions: [FinancialTransaction] = []
        func partyAccount(_ partyID: String?) -> FinancialAccount? {
            guard let partyID, let party = entities[partyID] else { return partyID.map { FinancialAccount(key: "local:ftm:\($0)", scheme: .local, identifier: $0) } }
            let holder = party.properties["name"]?.first
            let country = (party.properties["country"] ?? party.properties["jurisdiction"] ?? party.properties["nationality"] ?? [])
                .compactMap(Countries.code(for:)).first
            return FinancialAccount(key: "local:ftm:\(partyID)", scheme: .local, identifier: partyID, country: country, holder: holder)
        }
        func bankAccount(_ accountID: String?, holderID: String?, field: String) throws(LiaisonError) -> FinancialAccount? {
            guard let accountID else { return nil }
            guard let entity = entities[accountID], entity.schema == "BankAccount" else {
                throw LiaisonError(.invalidInput, "\(field) '\(accountID)' is not a BankAccount entity in this file")
            }
            let properties = entity.properties
            guard let identifier = properties["iban"]?.first ?? properties["accountNumber"]?.first else {
                throw LiaisonError(.invalidInput, "BankAccount '\(accountID)' has neither iban nor accountNumber")
            }
            let holder = holderID.flatMap { entities[$0]?.properties["name"]?.first }
            var account = try AccountIdentifier.account(
                identifier, bic: properties["bic"]?.first ?? properties["swiftBic"]?.first,
                country: properties["country"]?.first.flatMap(Countries.code(for:)), holder: holder, field: field)
            account.openedOn = properties["openingDate"]?.first.flatMap(TransactionReader.date)
            account.closedOn = properties["closingDate"]?.first.flatMap(TransactionReader.date)
            account.currency = properties["currency"]?.first.flatMap { try? Currency($0) }
            return account
        }
        for id in order {
            guard let entity = entities[id], entity.schema == "Payment" else { continue }
            let properties = entity.properties
            do throws(LiaisonError) {
                let amount: Money
                if let text = properties["amount"]?.first {
                    guard let code = properties["currency"]?.first else { throw LiaisonError(.invalidInput, "payment \(id): amount without a currency") }
                    amount = try Money(parsing: text, currency: Currency(code))
                } else if let text = properties["amountEur"]?.first {
                    amount = try Money(parsing: text, currency: Currency("EUR"))
                } else {
                    throw LiaisonError(.invalidInput, "payment \(id) has no amount")
                }
                guard let dateText = properties["date"]?.first ?? properties["startDate"]?.first, let date = TransactionReader.date(dateText) else {
                    throw LiaisonError(.invalidInput, "payment \(id) has no date (date or startDate as YYYY-MM-DD)")
                }
                let payer = properties["payer"]?.first
                let beneficiary = properties["beneficiary"]?.first
                guard let debtor = try bankAccount(properties["payerAccount"]?.first, holderID: payer, field: "payerAccount") ?? partyAccount(payer),
                    let creditor = try bankAccount(properties["beneficiaryAccount"]?.first, holderID: beneficiary, field: "beneficiaryAccount")
                        ?? partyAccount(beneficiary)
                else {
                    throw LiaisonError(.invalidInput, "payment \(id) needs a payer or payerAccount and a beneficiary or beneficiaryAccount")
                }
                book.add(debtor)
                book.add(creditor)
                transactions.append(
                    FinancialTransaction(
                        id: properties["transactionNumber"]?.first ?? "ftm:\(id)", debtor: debtor.key, creditor: creditor.key, amount: amount,
                        valueAt: date, reference: properties["purpose"]?.first ?? properties["summary"]?.first, sourceFormat: "ftm",
                        sourceLine: entity.line))
            } catch {
                problems.add(line: entity.line, error.message)
            }
        }
        if transactions.isEmpty && problems.isEmpty { problems.add(line: nil, "no Payment entity in the file") }
        let result = FinancialImport(format: "ftm", accounts: book.accounts, transactions: transactions)
        result.collectProblems(into: &problems)
        try problems.check(file: name)
        return result
    }
}
