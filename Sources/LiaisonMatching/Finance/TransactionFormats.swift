public import Foundation
public import LiaisonCore

/// The file formats transactions are imported from.
public enum TransactionFormat: String, Sendable, CaseIterable, Codable {
    /// CSV with a header row and a column mapping (``TransactionCSV``).
    case csv
    /// ISO 20022 bank-to-customer statement (camt.053, any version).
    case camt053 = "camt.053"
    /// ISO 20022 FI-to-FI customer credit transfer (pacs.008, any version, with or without the
    /// business application header envelope).
    case pacs008 = "pacs.008"
    /// FollowTheMoney entities, one JSON object per line: `Payment` with `BankAccount` and parties.
    case ftm
    /// AMLSim's transaction list (`sourceNodeId,targetNodeId,value,time`), with `nodes.csv` optional.
    case amlsim

    /// The format a file's first bytes show, for a file uploaded without one.
    public static func detect(_ data: Data) -> TransactionFormat? {
        let head = String(decoding: data.prefix(4096), as: UTF8.self)
        if head.contains("camt.053") || head.contains("BkToCstmrStmt") { return .camt053 }
        if head.contains("pacs.008") || head.contains("FIToFICstmrCdtTrf") { return .pacs008 }
        let firstLine = head.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        if firstLine.hasPrefix("{") { return .ftm }
        if firstLine.lowercased().replacingOccurrences(of: " ", with: "").hasPrefix("sourcenodeid,targetnodeid") { return .amlsim }
        if firstLine.contains(",") || firstLine.contains(";") { return .csv }
        return nil
    }
}

/// Options for reading a transaction file.
public struct TransactionImportOptions: Sendable {
    /// CSV: which column holds which field.
    public var mapping: TransactionCSV.Mapping
    /// CSV and AMLSim: the currency of amounts when the file has no currency column.
    public var currency: Currency?
    /// AMLSim: the day time step 0 stands for (AMLSim counts steps from the simulation's start).
    public var startDate: Date
    /// AMLSim: how long a step lasts (a day in AMLSim's default configuration).
    public var stepSeconds: Int

    public init(mapping: TransactionCSV.Mapping = .init(), currency: Currency? = nil, startDate: Date? = nil, stepSeconds: Int = 86_400) {
        self.mapping = mapping
        self.currency = currency
        self.startDate = startDate ?? CalendarDay.start(of: "2020-01-01")!
        self.stepSeconds = stepSeconds
    }
}

/// Reads transaction files into a ``FinancialImport``.
public enum TransactionReader {
    /// Reads a file.
    /// - Parameters:
    ///   - data: the file.
    ///   - format: its format (detected from the content when `nil`).
    ///   - nodes: AMLSim only: the `nodes.csv` beside the transactions, for the account list.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming every bad line; nothing is returned then.
    public static func read(
        _ data: Data, format: TransactionFormat? = nil, name: String = "file", options: TransactionImportOptions = .init()
    ) throws(LiaisonError) -> FinancialImport {
        guard let format = format ?? TransactionFormat.detect(data) else {
            throw LiaisonError(.invalidInput, "\(name): not a recognised transaction file (CSV with a header, camt.053, pacs.008, FtM JSON lines or AMLSim)")
        }
        let result: FinancialImport
        switch format {
        case .csv: result = try TransactionCSV.read(text(data, name), mapping: options.mapping, currency: options.currency, name: name)
        case .camt053: result = try ISO20022.readStatements(data, name: name)
        case .pacs008: result = try ISO20022.readCreditTransfers(data, name: name)
        case .ftm: result = try FtMPayments.read(text(data, name), name: name)
        case .amlsim: result = try AMLSimTransactions.read(text(data, name), options: options, name: name)
        }
        return result
    }

    static func text(_ data: Data, _ name: String) throws(LiaisonError) -> String {
        guard let text = String(data: data, encoding: .utf8) else {
            throw LiaisonError(.invalidInput, "\(name): not UTF-8 text")
        }
        return text
    }

    /// A date as `YYYY-MM-DD` or an ISO 8601 date and time with an offset.
    static func date(_ text: String) -> Date? {
        let text = text.trimmed
        if let seconds = ISODate.seconds(text) { return Date(timeIntervalSince1970: seconds) }
        if let day = CalendarDay.start(of: text) { return day }
        if let parsed = try? Date(text, strategy: .iso8601) { return parsed }
        // ISO 20022 ISODateTime may carry fractional seconds or no offset (then UTC).
        if let parsed = try? Date(text + "Z", strategy: .iso8601) { return parsed }
        if let parsed = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return parsed }
        return nil
    }

    /// The common shapes of ISO 8601 read by arithmetic (a million lines of a statement would spend
    /// most of their time in a general date parser): `YYYY-MM-DD` (midnight UTC) and
    /// `YYYY-MM-DDThh:mm:ss`, optionally with a fraction of a second and `Z` or `±hh:mm` (without
    /// an offset, UTC, as ISO 20022's ISODateTime is read). Anything else is left to the general parser.
    enum ISODate {
        static func seconds(_ text: String) -> Double? {
            var text = text
            return text.withUTF8 { seconds(bytes: $0) }
        }

        static func seconds(bytes: UnsafeBufferPointer<UInt8>) -> Double? {
            func number(_ start: Int, _ count: Int) -> Int? {
                guard start + count <= bytes.count else { return nil }
                var value = 0
                for index in start..<(start + count) {
                    let byte = bytes[index]
                    guard (0x30...0x39).contains(byte) else { return nil }
                    value = value * 10 + Int(byte - 0x30)  // checked: a digit byte (guarded above)
                }
                return value
            }
            guard bytes.count >= 10, bytes[4] == 0x2D, bytes[7] == 0x2D, let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                  (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
            else { return nil }
            var seconds = Double(daysFromCivil(year: year, month: month, day: day) * 86_400)
            guard bytes.count > 10 else { return seconds }
            guard bytes.count >= 19, bytes[10] == 0x54 || bytes[10] == 0x74, bytes[13] == 0x3A, bytes[16] == 0x3A,
                  let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2), hour < 24, minute < 60, second < 60
            else { return nil }
            seconds += Double(hour * 3_600 + minute * 60 + second)
            var position = 19
            if position < bytes.count, bytes[position] == 0x2E {
                var scale = 0.1
                var fraction = 0.0
                position += 1
                let start = position
                while position < bytes.count, (0x30...0x39).contains(bytes[position]) {
                    fraction += Double(bytes[position] - 0x30) * scale
                    scale /= 10
                    position += 1
                }
                guard position > start, position - start <= 9 else { return nil }
                seconds += fraction
            }
            guard position < bytes.count else { return seconds }
            if bytes[position] == 0x5A || bytes[position] == 0x7A { return position + 1 == bytes.count ? seconds : nil }
            guard bytes.count == position + 6, bytes[position] == 0x2B || bytes[position] == 0x2D, bytes[position + 3] == 0x3A,
                  let offsetHours = number(position + 1, 2), let offsetMinutes = number(position + 4, 2), offsetHours < 24, offsetMinutes < 60
            else { return nil }
            let offset = Double(offsetHours * 3_600 + offsetMinutes * 60)
            return bytes[position] == 0x2B ? seconds - offset : seconds + offset
        }

        static func daysIn(month: Int, year: Int) -> Int {
            switch month {
            case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }

        /// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's `days_from_civil`).
        static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yearOfEra = y - era * 400
            let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            return era * 146_097 + dayOfEra - 719_468
        }
    }

    /// Collects the accounts of a file, merging what several records say of the same account.
    struct AccountBook {
        private(set) var byKey: [String: FinancialAccount] = [:]
        private(set) var order: [String] = []

        /// Adds what a record says of an account; returns the account's key as first stored, so
        /// that the transactions naming an account share one copy of its key.
        @discardableResult
        mutating func add(_ account: FinancialAccount) -> String {
            if let index = byKey.index(forKey: account.key) {
                let known = byKey.values[index]
                var merged = known
                merged.merge(account)
                if merged != known { byKey.values[index] = merged }
                return known.key
            }
            byKey[account.key] = account
            order.append(account.key)
            return account.key
        }

        var accounts: [FinancialAccount] { order.map { byKey[$0]! } }
    }
}

/// CSV transactions with a header row. The mapping names, for each field, the header of the column
/// that holds it; by default the field's own name (`id,debtor,creditor,amount,currency,date`).
public enum TransactionCSV {
    public struct Mapping: Sendable, Equatable, Codable {
        public var id: String = "id"
        public var debtor: String = "debtor"
        public var creditor: String = "creditor"
        public var amount: String = "amount"
        public var currency: String = "currency"
        public var date: String = "date"
        public var debtorBIC: String = "debtor_bic"
        public var creditorBIC: String = "creditor_bic"
        public var debtorCountry: String = "debtor_country"
        public var creditorCountry: String = "creditor_country"
        public var debtorName: String = "debtor_name"
        public var creditorName: String = "creditor_name"
        public var uetr: String = "uetr"
        public var reference: String = "reference"

        public init() {}

        /// Fields that must have a column (the currency too, unless the import gives one).
        static let required = ["debtor", "creditor", "amount", "date"]

        /// Parses `field=column` pairs separated by commas (`debtor=From IBAN,amount=Betrag`).
        /// - Throws: ``LiaisonError`` `.invalidInput` for an unknown field or a pair without '='.
        public init(pairs text: String) throws(LiaisonError) {
            self.init()
            for pair in text.split(separator: ",") where !pair.trimmingCharacters(in: .whitespaces).isEmpty {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else {
                    throw LiaisonError(.invalidInput, "mapping '\(pair)' must be field=column")
                }
                try set(String(parts[0]).trimmed, to: String(parts[1]).trimmed)
            }
        }

        static let fields = [
            "id", "debtor", "creditor", "amount", "currency", "date", "debtor_bic", "creditor_bic", "debtor_country",
            "creditor_country", "debtor_name", "creditor_name", "uetr", "reference",
        ]

        mutating func set(_ field: String, to column: String) throws(LiaisonError) {
            switch field {
            case "id": id = column
            case "debtor": debtor = column
            case "creditor": creditor = column
            case "amount": amount = column
            case "currency": currency = column
            case "date": date = column
            case "debtor_bic": debtorBIC = column
            case "creditor_bic": creditorBIC = column
            case "debtor_country": debtorCountry = column
            case "creditor_country": creditorCountry = column
            case "debtor_name": debtorName = column
            case "creditor_name": creditorName = column
            case "uetr": uetr = column
            case "reference": reference = column
            default:
                throw LiaisonError(.invalidInput, "mapping names unknown field '\(field)'; fields are \(Self.fields.joined(separator: ", "))")
            }
        }
    }

    static func read(_ text: String, mapping: Mapping, currency fixed: Currency?, name: String) throws(LiaisonError) -> FinancialImport {
        let separator: Character = (text.split(separator: "\n", maxSplits: 1).first ?? "").contains(";") && !(text.split(separator: "\n", maxSplits: 1).first ?? "").contains(",") ? ";" : ","
        var header: CSVReader.Record?
        var columns: [String: Int] = [:]
        func column(_ name: String) -> Int? { columns[name.lowercased()] }
        var problems = FileProblems()
        var book = TransactionReader.AccountBook()
        var transactions: [FinancialTransaction] = []
        try CSVReader(separator: separator).forEachRecord(text) { record throws(LiaisonError) in
            guard header != nil else {
                header = record
                columns = Dictionary(record.fields.enumerated().map { ($1.trimmed.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
                var missing: [String] = []
                for (field, header) in [("debtor", mapping.debtor), ("creditor", mapping.creditor), ("amount", mapping.amount), ("date", mapping.date)]
                where column(header) == nil {
                    missing.append("\(field) (column '\(header)')")
                }
                if fixed == nil && column(mapping.currency) == nil { missing.append("currency (column '\(mapping.currency)', or give the file's currency)") }
                guard missing.isEmpty else {
                    throw LiaisonError(
                        .invalidInput,
                        "\(name): line 1: the header has no column for \(missing.joined(separator: ", ")); columns are \(record.fields.joined(separator: ", "))")
                }
                return
            }
            func value(_ header: String) -> String? {
                guard let index = column(header), index < record.fields.count else { return nil }
                let text = record.fields[index].trimmed
                return text.isEmpty ? nil : text
            }
            do throws(LiaisonError) {
                var currency: Currency
                if let code = value(mapping.currency) { currency = try Currency(code) } else { currency = fixed! }
                guard let amountText = value(mapping.amount) else { throw LiaisonError(.invalidInput, "amount is empty") }
                let amount = try Money(parsing: amountText, currency: currency)
                guard let dateText = value(mapping.date), let date = TransactionReader.date(dateText) else {
                    throw LiaisonError(.invalidInput, "date '\(value(mapping.date) ?? "")' is not YYYY-MM-DD or an ISO 8601 date and time")
                }
                guard let debtorText = value(mapping.debtor) else { throw LiaisonError(.invalidInput, "debtor account is empty") }
                guard let creditorText = value(mapping.creditor) else { throw LiaisonError(.invalidInput, "creditor account is empty") }
                let debtor = try AccountIdentifier.account(
                    debtorText, bic: value(mapping.debtorBIC), country: value(mapping.debtorCountry), holder: value(mapping.debtorName),
                    field: "debtor")
                let creditor = try AccountIdentifier.account(
                    creditorText, bic: value(mapping.creditorBIC), country: value(mapping.creditorCountry),
                    holder: value(mapping.creditorName), field: "creditor")
                let uetr = try ISO20022.optionalUETR(value(mapping.uetr))
                let debtorKey = book.add(debtor)
                let creditorKey = book.add(creditor)
                transactions.append(
                    FinancialTransaction(
                        id: value(mapping.id) ?? uetr ?? "csv:\(name):\(record.line)", debtor: debtorKey, creditor: creditorKey,
                        amount: amount, valueAt: date, uetr: uetr, reference: value(mapping.reference), sourceFormat: "csv",
                        sourceLine: record.line))
            } catch {
                problems.add(line: record.line, error.message)
            }
        }
        guard header != nil else { throw LiaisonError(.invalidInput, "\(name): empty file") }
        let result = FinancialImport(format: "csv", accounts: book.accounts, transactions: transactions)
        result.collectProblems(into: &problems)
        try problems.check(file: name)
        return result
    }
}

/// AMLSim's output (https://github.com/IBM/AMLSim): `transactions.csv` with
/// `sourceNodeId,targetNodeId,value,time`, amounts in the simulation's currency and time in steps.
public enum AMLSimTransactions {
    static func read(_ text: String, options: TransactionImportOptions, name: String) throws(LiaisonError) -> FinancialImport {
        let currency = options.currency ?? Currency.usDollar()
        var problems = FileProblems()
        var book = TransactionReader.AccountBook()
        var transactions: [FinancialTransaction] = []
        var first = true
        var counts: [String: Int] = [:]
        try CSVReader().forEachRecord(text) { record throws(LiaisonError) in
            if first {
                first = false
                let header = record.fields.map { $0.trimmed.lowercased() }
                guard header.prefix(4) == ["sourcenodeid", "targetnodeid", "value", "time"] else {
                    problems.add(line: record.line, "header must be sourceNodeId,targetNodeId,value,time (AMLSim), not \(record.fields.joined(separator: ","))")
                    return
                }
                return
            }
            guard record.fields.count >= 4 else {
                problems.add(line: record.line, "expected 4 fields (sourceNodeId,targetNodeId,value,time), found \(record.fields.count)")
                return
            }
            let source = record.fields[0].trimmed
            let target = record.fields[1].trimmed
            guard !source.isEmpty, source.allSatisfy(\.isNumber), !target.isEmpty, target.allSatisfy(\.isNumber) else {
                problems.add(line: record.line, "account ids must be numbers, not '\(record.fields[0])' and '\(record.fields[1])'")
                return
            }
            guard let step = Int(record.fields[3].trimmed), step >= 0, step < 1_000_000 else {  // checked: parses text: nil when not a number
                problems.add(line: record.line, "time '\(record.fields[3])' must be a step number from 0")
                return
            }
            let amount: Money
            do throws(LiaisonError) { amount = try Money(parsing: record.fields[2], currency: currency) } catch {
                problems.add(line: record.line, error.message)
                return
            }
            let debtor = FinancialAccount(key: "local:amlsim:\(source)", scheme: .local, identifier: source)
            let creditor = FinancialAccount(key: "local:amlsim:\(target)", scheme: .local, identifier: target)
            let debtorKey = book.add(debtor)
            let creditorKey = book.add(creditor)
            // AMLSim repeats identical rows (an alert's transfers in one step); each is a movement.
            let base = "amlsim:\(source)>\(target)@\(step):\(amount.minor)"
            let occurrence = counts[base, default: 0]
            counts[base] = occurrence + 1
            transactions.append(
                FinancialTransaction(
                    id: occurrence == 0 ? base : "\(base)#\(occurrence + 1)", debtor: debtorKey, creditor: creditorKey, amount: amount,
                    valueAt: options.startDate.addingTimeInterval(Double(step * options.stepSeconds)), sourceFormat: "amlsim",
                    sourceLine: record.line))
        }
        if first { problems.add(line: nil, "empty file") }
        let result = FinancialImport(format: "amlsim", accounts: book.accounts, transactions: transactions)
        result.collectProblems(into: &problems)
        try problems.check(file: name)
        return result
    }
}
