public import Foundation
public import LiaisonCore
#if canImport(FoundationXML)
import FoundationXML
#endif

/// ISO 20022 cash-management and payments messages: camt.053 statements and pacs.008 credit
/// transfers, any version (elements are read by local name; the namespace's version is not
/// checked, since real files mix the header's and the document's versions).
public enum ISO20022 {
    /// A UETR (SWIFT gpi): a UUID v4 in lower case, with hyphens.
    /// - Throws: ``LiaisonError`` `.invalidInput` when it is not a UUID.
    public static func uetr(_ text: String) throws(LiaisonError) -> String {
        guard let uuid = UUID(uuidString: text.trimmed) else {
            throw LiaisonError(.invalidInput, "UETR '\(text)' is not a UUID (SWIFT gpi: 8-4-4-4-12 hexadecimal digits)")
        }
        return uuid.uuidString.lowercased()
    }

    /// Reads every booked entry of every statement (`Stmt`) in a camt.053 document: a credit is
    /// counterparty → statement account, a debit statement account → counterparty. Pending entries
    /// (`Sts` PDNG) are left out; an entry with several transaction details gives one transaction each.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the line of each bad entry.
    public static func readStatements(_ data: Data, name: String) throws(LiaisonError) -> FinancialImport {
        let root = try XMLTree.parse(data, name: name)
        let statements = root.all("Stmt")
        guard !statements.isEmpty else {
            throw LiaisonError(.invalidInput, "\(name): no statement (BkToCstmrStmt/Stmt) found; is this a camt.053 file?")
        }
        var problems = FileProblems()
        var book = TransactionReader.AccountBook()
        var transactions: [FinancialTransaction] = []
        for statement in statements {
            let accountNode = statement.child("Acct")
            let owner: FinancialAccount
            do {
                owner = try account(
                    accountNode, agent: accountNode?.child("Svcr"), party: accountNode?.child("Ownr"), field: "statement account")
            } catch {
                problems.add(line: statement.line, error.message)
                continue
            }
            book.add(owner)
            for (entryIndex, entry) in statement.children("Ntry").enumerated() {
                let status = entry.child("Sts")?.child("Cd")?.text ?? entry.child("Sts")?.text ?? "BOOK"
                guard status != "PDNG" && status != "INFO" else { continue }
                let details = entry.child("NtryDtls")?.children("TxDtls") ?? []
                for (detailIndex, detail) in (details.isEmpty ? [nil] : details.map(Optional.some)).enumerated() {
                    do throws(LiaisonError) {
                        let amountNode = detail?.child("Amt") ?? detail?.child("AmtDtls")?.child("TxAmt")?.child("Amt") ?? entry.child("Amt")
                        let amount = try money(amountNode, field: "Amt")
                        // An entry of zero moves nothing (an information or a reversed booking).
                        guard amount.minor != 0 else { continue }
                        let indicator = detail?.child("CdtDbtInd")?.text ?? entry.child("CdtDbtInd")?.text
                        guard indicator == "CRDT" || indicator == "DBIT" else {
                            throw LiaisonError(.invalidInput, "CdtDbtInd must be CRDT or DBIT, not '\(indicator ?? "")'")
                        }
                        guard let date = dateOf(entry.child("ValDt")) ?? dateOf(entry.child("BookgDt")) else {
                            throw LiaisonError(.invalidInput, "entry has no value date (ValDt) or booking date (BookgDt)")
                        }
                        let references = detail?.child("Refs")
                        let uetr = try optionalUETR(references?.child("UETR")?.text)
                        let parties = detail?.child("RltdPties")
                        let agents = detail?.child("RltdAgts")
                        let credit = indicator == "CRDT"
                        let side = credit ? "Dbtr" : "Cdtr"
                        let partyNode = parties?.child(side)
                        let partyName = (partyNode?.child("Pty") ?? partyNode)?.child("Nm")?.text
                        let serviceReference = references?.child("AcctSvcrRef")?.text ?? entry.child("AcctSvcrRef")?.text ?? entry.child("NtryRef")?.text
                        let counterparty: FinancialAccount
                        if parties?.child(side + "Acct") != nil || partyName != nil {
                            counterparty = try account(
                                parties?.child(side + "Acct"), agent: agents?.child(side + "Agt"), party: partyNode,
                                field: credit ? "debtor account" : "creditor account")
                        } else {
                            // Nothing names the other side (cash, a card scheme): one unidentified
                            // counterparty per payment, so that unrelated entries are not joined.
                            counterparty = AccountIdentifier.unidentified(name: nil, reference: uetr ?? serviceReference ?? "\(owner.identifier) entry \(entryIndex + 1)")
                        }
                        book.add(counterparty)
                        let statementID = statement.child("Id")?.text ?? "statement"
                        // A booking's id is the account's own reference for it: a UETR names the
                        // payment, which can appear as several entries (the transfer, its charges).
                        let id = serviceReference.map { "\(owner.key)/\($0)" + (details.count > 1 ? "/\(detailIndex + 1)" : "") }
                            ?? "\(owner.key)/\(statementID)/\(entryIndex + 1).\(detailIndex + 1)"
                        let remittance = detail?.child("RmtInf")?.children("Ustrd").compactMap(\.text).joined(separator: " ")
                        transactions.append(
                            FinancialTransaction(
                                id: id, debtor: credit ? counterparty.key : owner.key, creditor: credit ? owner.key : counterparty.key,
                                amount: amount, valueAt: date, uetr: uetr,
                                reference: remittance?.isEmpty == false ? remittance : references?.child("EndToEndId")?.text,
                                sourceFormat: "camt.053", sourceLine: detail?.line ?? entry.line))
                    } catch {
                        problems.add(line: detail?.line ?? entry.line, error.message)
                    }
                }
            }
        }
        let result = FinancialImport(format: "camt.053", accounts: book.accounts, transactions: transactions)
        result.collectProblems(into: &problems)
        try problems.check(file: name)
        return result
    }

    /// Reads every credit transfer (`CdtTrfTxInf`) of a pacs.008 document. The same payment relayed
    /// through several banks keeps its UETR, so each leg of the chain is one movement between the
    /// same customer accounts: read twice, it is one transaction.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming the line of each bad transfer.
    public static func readCreditTransfers(_ data: Data, name: String) throws(LiaisonError) -> FinancialImport {
        let root = try XMLTree.parse(data, name: name)
        let transfers = root.all("CdtTrfTxInf")
        guard !transfers.isEmpty else {
            throw LiaisonError(.invalidInput, "\(name): no credit transfer (FIToFICstmrCdtTrf/CdtTrfTxInf) found; is this a pacs.008 file?")
        }
        let groupDate = dateOf(root.first("GrpHdr")?.child("IntrBkSttlmDt"))
        var problems = FileProblems()
        var book = TransactionReader.AccountBook()
        var transactions: [FinancialTransaction] = []
        for transfer in transfers {
            do throws(LiaisonError) {
                let amount = try money(transfer.child("IntrBkSttlmAmt") ?? transfer.child("InstdAmt"), field: "IntrBkSttlmAmt")
                guard let date = dateOf(transfer.child("IntrBkSttlmDt")) ?? groupDate else {
                    throw LiaisonError(.invalidInput, "credit transfer has no interbank settlement date (IntrBkSttlmDt)")
                }
                let payment = transfer.child("PmtId")
                let uetr = try optionalUETR(payment?.child("UETR")?.text)
                let debtor = try account(transfer.child("DbtrAcct"), agent: transfer.child("DbtrAgt"), party: transfer.child("Dbtr"), field: "debtor account")
                let creditor = try account(
                    transfer.child("CdtrAcct"), agent: transfer.child("CdtrAgt"), party: transfer.child("Cdtr"), field: "creditor account")
                book.add(debtor)
                book.add(creditor)
                let endToEnd = payment?.child("EndToEndId")?.text
                let remittance = transfer.child("RmtInf")?.children("Ustrd").compactMap(\.text).joined(separator: " ")
                transactions.append(
                    FinancialTransaction(
                        id: uetr ?? payment?.child("TxId")?.text ?? endToEnd.map { "\(debtor.key)/\($0)" } ?? "pacs.008:\(name):\(transfer.line)",
                        debtor: debtor.key, creditor: creditor.key, amount: amount, valueAt: date, uetr: uetr,
                        reference: remittance?.isEmpty == false ? remittance : endToEnd, sourceFormat: "pacs.008", sourceLine: transfer.line))
            } catch {
                problems.add(line: transfer.line, error.message)
            }
        }
        let result = FinancialImport(format: "pacs.008", accounts: book.accounts, transactions: transactions)
        result.collectProblems(into: &problems)
        try problems.check(file: name)
        return result
    }

    static func optionalUETR(_ text: String?) throws(LiaisonError) -> String? {
        guard let text else { return nil }
        return try uetr(text)
    }

    static func money(_ node: XMLTree?, field: String) throws(LiaisonError) -> Money {
        guard let node, let text = node.text else { throw LiaisonError(.invalidInput, "\(field) is missing") }
        guard let code = node.attributes["Ccy"] else { throw LiaisonError(.invalidInput, "\(field) has no Ccy attribute") }
        return try Money(parsing: text, currency: Currency(code))
    }

    static func dateOf(_ node: XMLTree?) -> Date? {
        guard let node else { return nil }
        if let text = node.child("DtTm")?.text ?? node.child("Dt")?.text { return TransactionReader.date(text) }
        return node.text.flatMap(TransactionReader.date)
    }

    /// An `Acct` (CashAccount) with its servicing agent and owner.
    static func account(_ node: XMLTree?, agent: XMLTree?, party: XMLTree?, field: String) throws(LiaisonError) -> FinancialAccount {
        let institution = agent?.child("FinInstnId")
        let bic = institution?.child("BICFI")?.text ?? institution?.child("BIC")?.text
        let country = party?.child("PstlAdr")?.child("Ctry")?.text ?? party?.child("CtryOfRes")?.text
        let holder = party?.child("Nm")?.text ?? party?.child("Pty")?.child("Nm")?.text
        guard let node else {
            // The account is optional in ISO 20022: the party at its bank stands for it.
            guard let holder else { throw LiaisonError(.invalidInput, "\(field): neither an account nor the party's name") }
            var account = AccountIdentifier.unidentified(name: holder + (bic.map { " @ \($0.prefix(8))" } ?? ""), reference: holder)
            account.holder = holder
            account.bic = try bic.map { text throws(LiaisonError) in try BIC.normalise(text) }
            account.country = [country, account.bic.map(BIC.country)].compactMap { $0 }.first { CountryCode.assigned.contains($0) || CountryCode.isUserAssigned($0) }
            return account
        }
        guard let identification = node.child("Id") else { throw LiaisonError(.invalidInput, "\(field) has no Id") }
        let identifier = identification.child("IBAN")?.text ?? identification.child("Othr")?.child("Id")?.text
        guard let identifier else { throw LiaisonError(.invalidInput, "\(field) has neither IBAN nor Othr/Id") }
        var account = try AccountIdentifier.account(
            identifier, bic: bic, country: (country.map { CountryCode.assigned.contains($0) } ?? false) ? country : nil, holder: holder, field: field)
        if let code = node.child("Ccy")?.text { account.currency = try Currency(code) }
        return account
    }
}

/// A parsed XML element: its local name, attributes, text and children, and the line it starts on.
final class XMLTree {
    let name: String
    let attributes: [String: String]
    let line: Int
    var children: [XMLTree] = []
    var textBuffer = ""

    init(name: String, attributes: [String: String], line: Int) {
        self.name = name
        self.attributes = attributes
        self.line = line
    }

    var text: String? {
        let trimmed = textBuffer.trimmed
        return trimmed.isEmpty ? nil : trimmed
    }

    func child(_ name: String) -> XMLTree? { children.first { $0.name == name } }
    func children(_ name: String) -> [XMLTree] { children.filter { $0.name == name } }
    /// Descendants named `name`, in document order (not below a match).
    func all(_ name: String) -> [XMLTree] {
        var found: [XMLTree] = []
        for child in children {
            if child.name == name { found.append(child) } else { found += child.all(name) }
        }
        return found
    }
    func first(_ name: String) -> XMLTree? { all(name).first }

    /// - Throws: ``LiaisonError`` `.invalidInput` naming the line of the XML error.
    static func parse(_ data: Data, name: String) throws(LiaisonError) -> XMLTree {
        let delegate = Builder()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        parser.shouldResolveExternalEntities = false
        guard parser.parse(), let root = delegate.root else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "not well-formed XML"
            throw LiaisonError(.invalidInput, "\(name): line \(parser.lineNumber): \(reason); nothing imported")
        }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var root: XMLTree?
        var stack: [XMLTree] = []

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
            attributes attributeDict: [String: String] = [:]
        ) {
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            let node = XMLTree(name: local, attributes: attributeDict, line: parser.lineNumber)
            if let parent = stack.last { parent.children.append(node) } else if root == nil { root = node }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.textBuffer += string
        }
    }
}
