import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCore
import LiaisonMatching
import LiaisonSafeguards
import LiaisonStore

/// The financial-investigation API of a case: import transactions, list them, trace funds (as
/// JSON, CSV or FollowTheMoney), scan for typologies, decide alerts.
struct FinanceController {
    let service: FinanceService
    let configuration: NodeConfiguration

    /// A transaction file a received message carries, to import into the case.
    struct AttachmentImport: Codable, Sendable {
        var message: String
        /// The attachment's SHA-256 or its file name.
        var attachment: String
        var format: String?
        var currency: String?
        var mapping: String?
    }

    func register(on routes: RouteTable) {
        routes.on(.post, "/api/v1/cases/:reference/finance/imports", access: .caseHandlers, surface: .api) { request, context in
            let body = try await ScreeningController.collect(request, limit: FinanceService.maximumFileBytes)
            let query = request.uri.queryParameters
            let record = try await service.importFile(
                body, name: query.get("name") ?? "upload", format: query.get("format"), currency: query.get("currency"), mapping: query.get("mapping"),
                startDate: query.get("start"), case: try context.parameters.require("reference"), principal: context.principal)
            return try JSONBody.response(record, status: .created)
        }
        routes.on(.post, "/api/v1/cases/:reference/finance/imports/from-message", access: .caseHandlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(AttachmentImport.self, from: request, limit: configuration.maxBodyBytes)
            let record = try await service.importAttachment(
                message: body.message, attachment: body.attachment, format: body.format, currency: body.currency, mapping: body.mapping,
                case: try context.parameters.require("reference"), principal: context.principal)
            return try JSONBody.response(record, status: .created)
        }
        routes.on(.get, "/api/v1/cases/:reference/finance/transactions", access: .caseHandlers, surface: .api) { request, context in
            let limit = try CaseController.limit(request.uri.queryParameters.get("limit"))
            let ledger = try await service.ledger(case: try context.parameters.require("reference"), principal: context.principal)
            return try JSONBody.response(Ledger(imports: ledger.imports, accounts: ledger.accounts, transactions: Array(ledger.transactions.prefix(limit))))
        }
        routes.on(.post, "/api/v1/cases/:reference/finance/trace", access: .caseHandlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(FinanceService.TraceRequest.self, from: request, limit: configuration.maxBodyBytes)
            let trace = try await service.trace(body, case: try context.parameters.require("reference"), principal: context.principal)
            switch request.uri.queryParameters.get("format") ?? "json" {
            case "json": return try JSONBody.response(trace)
            case "csv": return Self.download(Self.csv(trace), type: "text/csv; charset=utf-8", name: "trace.csv")
            case "ftm": return Self.download(Self.followTheMoney(trace), type: "application/x-ndjson", name: "trace.ftm.json")
            case "pdf":
                let reference = try context.parameters.require("reference")
                return Self.dossier(Self.dossierPDF(trace, reference: reference, by: context.principal?.username ?? "", at: service.clock.now()), reference: reference)
            case let other: throw LiaisonError(.invalidInput, "format must be json, csv, ftm or pdf, not '\(other.prefix(40))'")
            }
        }
        routes.on(.post, "/api/v1/cases/:reference/finance/scan", access: .caseHandlers, surface: .api) { _, context in
            let result = try await service.scan(case: try context.parameters.require("reference"), principal: context.principal)
            return try JSONBody.response(ScanResult(found: result.found, raised: result.raised))
        }
        routes.on(.get, "/api/v1/cases/:reference/finance/alerts", access: .caseHandlers, surface: .api) { _, context in
            try JSONBody.response(try await service.alerts(case: try context.parameters.require("reference"), principal: context.principal))
        }
        routes.on(.post, "/api/v1/cases/:reference/finance/alerts/:alert/decision", access: .caseHandlers, surface: .api) { request, context in
            let body = try await JSONBody.decode(FinanceService.Decision.self, from: request, limit: configuration.maxBodyBytes)
            return try JSONBody.response(
                try await service.decide(body, alert: try context.parameters.require("alert"), case: try context.parameters.require("reference"), principal: context.principal))
        }
    }

    struct Ledger: Encodable {
        var imports: [FinanceImportRecord]
        var accounts: [FinancialAccount]
        var transactions: [FinancialTransaction]
    }

    struct ScanResult: Encodable {
        /// Findings of this scan, including those already raised by an earlier one.
        var found: Int
        /// The alerts this scan added.
        var raised: [FinanceAlertRecord]
    }

    static func download(_ text: String, type: String, name: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .contentDisposition: "attachment; filename=\"\(name)\""],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func dossier(_ pdf: Data, reference: String) -> Response {
        let name = reference.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        return Response(
            status: .ok,
            headers: [.contentType: "application/pdf", .contentDisposition: "attachment; filename=\"trace-\(name).pdf\"", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: pdf)))
    }

    /// The trace as a dossier document for the file or a prosecutor: what was traced and how, where
    /// the money ended, every transfer with its attributed amount, the attribution rule in words.
    static func dossierPDF(_ trace: FundsTrace, reference: String, by user: String, at now: Date) -> Data {
        let rules: [AttributionMethod: String] = [
            .fifo: "First in, first out: a payment takes the oldest funds in the account first (Clayton's Case, 1816).",
            .lifo: "Last in, first out: a payment takes the newest funds in the account first.",
            .proRata: "Pro rata: a payment takes from every source in proportion to what the account holds of it (Barlow Clowes v Vaughan, 1992); shares are rounded to the cent so that they add up.",
            .lowestIntermediateBalance: "Lowest intermediate balance: the holder is deemed to spend their own money first, and traced money never grows back after the balance fell (Re Hallett's Estate, 1880; Roscoe v Winder, 1915).",
        ]
        var blocks: [PDFWriter.Block] = [
            .title("Money trail — case \(reference)"),
            .subtitle("\(trace.direction == .forward ? "Forward (where the money went)" : "Backward (where the money came from)"), up to \(trace.maxDepth) hops"),
            .row(label: "Traced", value: trace.traced.description),
            .row(label: "Transfers", value: "\(trace.flows.count), of which \(trace.crossBorderFlows) across borders"),
            .row(label: "Jurisdictions", value: trace.jurisdictions.joined(separator: ", ")),
            .row(label: "Attribution", value: rules[trace.method] ?? trace.method.rawValue),
            .row(label: "Prepared", value: "\(ISO8601DateFormatter().string(from: now)) by \(user) with Liaison"),
            .heading("Where the money ends"),
        ]
        for end in trace.endPoints {
            let holder = end.account.holder.map { " (\($0))" } ?? ""
            blocks.append(.row(label: end.account.identifier + holder, value: "\(end.amount) — \(end.reason.rawValue), hop \(end.depth)"))
        }
        blocks.append(.heading("Transfers"))
        for flow in trace.flows {
            let day = String(ISO8601DateFormatter().string(from: flow.transaction.valueAt).prefix(10))
            blocks.append(
                .row(
                    label: "hop \(flow.depth) · \(day)",
                    value: "\(flow.transaction.debtor) → \(flow.transaction.creditor): \(flow.attributed) of \(flow.transaction.amount)\(flow.crossBorder ? " · across a border" : "") [\(flow.transaction.id)]"))
        }
        if trace.otherCurrencyTransactions > 0 {
            blocks.append(.text("\(trace.otherCurrencyTransactions) transfers in other currencies at these accounts were not followed (no exchange rate is assumed)."))
        }
        return PDFWriter.document(blocks, title: "Money trail \(reference)")
    }

    /// The flow table as CSV (RFC 4180).
    static func csv(_ trace: FundsTrace) -> String {
        func field(_ text: String?) -> String {
            let text = text ?? ""
            // A leading =, +, - or @ would be a formula in a spreadsheet (CSV injection).
            let safe = text.first.map { "=+-@".contains($0) } == true ? "'" + text : text
            return safe.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : safe
        }
        var lines = ["depth,date,transaction,debtor,debtor_country,creditor,creditor_country,amount,attributed,currency,cross_border,uetr"]
        for flow in trace.flows {
            lines.append(
                [
                    "\(flow.depth)", ISO8601DateFormatter().string(from: flow.transaction.valueAt), field(flow.transaction.id), field(flow.transaction.debtor),
                    flow.debtorCountry ?? "", field(flow.transaction.creditor), flow.creditorCountry ?? "", flow.transaction.amount.decimal,
                    flow.attributed.decimal, flow.attributed.currency.code, flow.crossBorder ? "yes" : "no", flow.transaction.uetr ?? "",
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The trace as FollowTheMoney entities (JSON lines): a `BankAccount` for each account and a
    /// `Payment` for each flow, its amount the part attributed to the traced funds.
    static func followTheMoney(_ trace: FundsTrace) -> String {
        func id(_ text: String) -> String { SHA256.hash(data: Data(text.utf8)).prefix(20).map { String(format: "%02x", $0) }.joined() }
        var lines: [String] = []
        var accounts: [String: (String?)] = [:]
        for flow in trace.flows {
            accounts[flow.transaction.debtor] = flow.debtorCountry
            accounts[flow.transaction.creditor] = flow.creditorCountry
        }
        func encode(_ entity: [String: Any]) -> String {
            (try? JSONSerialization.data(withJSONObject: entity, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
        for (key, country) in accounts.sorted(by: { $0.key < $1.key }) {
            var properties: [String: [String]] = ["accountNumber": [String(key.split(separator: ":").last ?? "")]]
            if key.hasPrefix("iban:") { properties["iban"] = [String(key.dropFirst(5))] }
            if let country { properties["country"] = [country.lowercased()] }
            lines.append(encode(["id": "acct-" + id(key), "schema": "BankAccount", "properties": properties]))
        }
        for flow in trace.flows {
            var properties: [String: [String]] = [
                "payerAccount": ["acct-" + id(flow.transaction.debtor)], "beneficiaryAccount": ["acct-" + id(flow.transaction.creditor)],
                "amount": [flow.attributed.decimal], "currency": [flow.attributed.currency.code],
                "date": [String(ISO8601DateFormatter().string(from: flow.transaction.valueAt).prefix(10))],
                "transactionNumber": [flow.transaction.id],
                "summary": ["traced \(trace.direction.rawValue) by \(trace.method.rawValue), hop \(flow.depth); transaction amount \(flow.transaction.amount)"],
            ]
            if let reference = flow.transaction.reference { properties["purpose"] = [reference] }
            lines.append(encode(["id": "pay-" + id(flow.transaction.id), "schema": "Payment", "properties": properties]))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
