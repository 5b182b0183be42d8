import Foundation
import Hummingbird
import LiaisonCore
import LiaisonMatching
import LiaisonSafeguards
import LiaisonStore
import MultipartKit
import NIOHTTP1

/// A case's money page (/cases/<reference>/finance): import bank files, trace funds with a graph
/// and a flow table (exported as CSV or FollowTheMoney), scan for laundering typologies and decide
/// each alert with a reason.
struct FinancePages {
    let renderer: PageRenderer
    let service: FinanceService
    let forms: FormReader
    let federation: FederationStore
    /// This node's agency code (`XA-POL`): its first two letters are its state.
    let agency: String

    struct ImportForm: Decodable {
        var csrf: String?
        var format: String?
        var currency: String?
        var mapping: String?
        var start: String?
        var file: EvidencePages.UploadedFile?
    }

    struct AttachmentForm: Decodable {
        var csrf: String?
        var message: String?
        var attachment: String?
    }

    struct TraceForm: Decodable {
        var csrf: String?
        var account: String?
        var transaction: String?
        var direction: String?
        var method: String?
        var depth: String?
        var from: String?
        var to: String?
        var export: String?

        var request: FinanceService.TraceRequest {
            .init(
                account: account, transaction: transaction, direction: direction, method: method,
                depth: depth.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? (depth?.isEmpty == false ? -1 : nil),  // checked: parses text: nil when not a number
                from: from, to: to)
        }

        var values: [String: Any] {
            ["account": account ?? "", "transaction": transaction ?? "", "depth": depth ?? "6", "from": from ?? "", "to": to ?? "",
             "backward": direction == "backward", "forward": direction != "backward"]
        }
    }

    struct DecisionForm: Decodable {
        var csrf: String?
        var decision: String?
        var reason: String?
    }

    struct CSRFForm: Decodable { var csrf: String? }

    func register(on routes: RouteTable) {
        routes.on(.get, "/cases/:reference/finance", access: .caseHandlers, surface: .web) { request, context in
            try await page(request: request, context: context, reference: try context.parameters.require("reference"))
        }
        routes.on(.post, "/cases/:reference/finance/import-attachment", access: .caseHandlers, surface: .web) { request, context in
            let form = try await forms.read(AttachmentForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            let reference = try context.parameters.require("reference")
            do {
                let record = try await service.importAttachment(
                    message: form.message ?? "", attachment: form.attachment ?? "", format: nil, currency: nil, mapping: nil, case: reference,
                    principal: context.principal)
                let notice = "\(record.fileName): \(record.added) transactions added, \(record.alreadyPresent) already in the case, \(record.accounts) new accounts."
                return try await page(request: request, context: context, reference: reference, notice: notice)
            } catch let error as LiaisonError where error.code.kind != .notFound && error.code.kind != .forbidden {
                return try await page(request: request, context: context, reference: reference, error: error.message, lines: error.errors ?? [], status: error.status)
            }
        }
        routes.on(.post, "/cases/:reference/finance/import", access: .caseHandlers, surface: .web) { request, context in
            let form = try await forms.readMultipart(ImportForm.self, from: request, limit: FinanceService.maximumFileBytes)
            try forms.checkCSRF(form.csrf, context: context)
            let reference = try context.parameters.require("reference")
            let kept: [String: Any] = ["format": form.format ?? "auto", "currency": form.currency ?? "", "mapping": form.mapping ?? "", "start": form.start ?? ""]
            guard let part = form.file?.part, part.body.readableBytes > 0 else {
                return try await page(request: request, context: context, reference: reference, importForm: kept, error: "Choose the file to import.", status: .badRequest)
            }
            let name = part.headers.first(name: "Content-Disposition").flatMap { StreamingUploadParameter.filename(in: $0) } ?? "upload"
            do {
                let record = try await service.importFile(
                    Data(part.body.readableBytesView), name: name, format: form.format, currency: form.currency, mapping: form.mapping, startDate: form.start,
                    case: reference, principal: context.principal)
                let notice = "\(record.fileName): \(record.added) transactions added, \(record.alreadyPresent) already in the case, \(record.accounts) new accounts."
                return try await page(request: request, context: context, reference: reference, notice: notice)
            } catch let error as LiaisonError where error.code.kind != .notFound && error.code.kind != .forbidden {
                return try await page(
                    request: request, context: context, reference: reference, importForm: kept, error: error.message, lines: error.errors ?? [],
                    status: error.status)
            }
        }
        routes.on(.post, "/cases/:reference/finance/trace", access: .caseHandlers, surface: .web) { request, context in
            let form = try await forms.read(TraceForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            let reference = try context.parameters.require("reference")
            do {
                let trace = try await service.trace(form.request, case: reference, principal: context.principal)
                switch form.export {
                case "csv": return FinanceController.download(FinanceController.csv(trace), type: "text/csv; charset=utf-8", name: "trace.csv")
                case "ftm": return FinanceController.download(FinanceController.followTheMoney(trace), type: "application/x-ndjson", name: "trace.ftm.json")
                case "pdf":
                    return FinanceController.dossier(
                        FinanceController.dossierPDF(trace, reference: reference, by: context.principal?.username ?? "", at: service.clock.now()), reference: reference)
                default: return try await page(request: request, context: context, reference: reference, traceForm: form, trace: trace)
                }
            } catch let error as LiaisonError where error.code.kind != .notFound && error.code.kind != .forbidden {
                return try await page(request: request, context: context, reference: reference, traceForm: form, traceError: error.message, status: error.status)
            }
        }
        routes.on(.post, "/cases/:reference/finance/scan", access: .caseHandlers, surface: .web) { request, context in
            let form = try await forms.read(CSRFForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            let reference = try context.parameters.require("reference")
            do {
                let result = try await service.scan(case: reference, principal: context.principal)
                let notice = "Scan done: \(result.found) findings, \(result.raised.count) new alert\(result.raised.count == 1 ? "" : "s") to review."
                return try await page(request: request, context: context, reference: reference, notice: notice)
            } catch let error as LiaisonError where error.code.kind != .notFound && error.code.kind != .forbidden {
                return try await page(request: request, context: context, reference: reference, error: error.message, status: error.status)
            }
        }
        routes.on(.post, "/cases/:reference/finance/alerts/:alert", access: .caseHandlers, surface: .web) { request, context in
            let form = try await forms.read(DecisionForm.self, from: request)
            try forms.checkCSRF(form.csrf, context: context)
            let reference = try context.parameters.require("reference")
            let alert = try context.parameters.require("alert")
            do {
                let record = try await service.decide(.init(decision: form.decision ?? "", reason: form.reason ?? ""), alert: alert, case: reference, principal: context.principal)
                let notice = "\(record.alert.typology.title) alert \(record.status == .confirmed ? "confirmed" : "dismissed")."
                return try await page(request: request, context: context, reference: reference, notice: notice)
            } catch let error as LiaisonError where error.code.kind != .notFound && error.code.kind != .forbidden {
                return try await page(
                    request: request, context: context, reference: reference, error: error.message, decision: (alert, form.reason ?? ""), status: error.status)
            }
        }
    }

    static let formats: [(String, String)] = [
        ("auto", "Recognise from the file"), ("csv", "CSV with a header row"), ("camt.053", "ISO 20022 camt.053 statement"),
        ("pacs.008", "ISO 20022 pacs.008 credit transfer"), ("ftm", "FollowTheMoney JSON lines"), ("amlsim", "AMLSim transactions.csv"),
    ]

    static let methods: [(AttributionMethod, String)] = [
        (.fifo, "FIFO — first in, first out"), (.lifo, "LIFO — last in, first out"), (.proRata, "Pro rata"),
        (.lowestIntermediateBalance, "Lowest intermediate balance (forward only)"),
    ]

    private func page(
        request: Request, context: LiaisonRequestContext, reference: String, importForm: [String: Any]? = nil, traceForm: TraceForm? = nil,
        trace: FundsTrace? = nil, traceError: String? = nil, notice: String? = nil, error: String? = nil, lines: [String] = [],
        decision: (String, String)? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let ledger = try await service.ledger(case: reference, principal: context.principal)
        let alerts = try await service.alerts(case: reference, principal: context.principal)
        // RFC 3986 unreserved characters stay as they are (a reference's hyphens among them).
        let path = "/cases/\(reference.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? reference)"
        let imported = importForm ?? ["format": "auto", "currency": "", "mapping": "", "start": ""]
        let chosenFormat = imported["format"] as? String ?? "auto"
        let chosenMethod = traceForm?.method ?? AttributionMethod.fifo.rawValue
        let accountNames = Dictionary(ledger.accounts.map { ($0.key, Self.label($0)) }, uniquingKeysWith: { first, _ in first })
        var values: [String: Any] = [
            "reference": reference, "path": path, "financePath": path + "/finance",
            "imports": ledger.imports.map { record -> [String: Any] in
                ["file": record.fileName, "format": record.format, "added": record.added, "present": record.alreadyPresent, "by": record.importedBy,
                 "when": Self.day(record.importedAt)]
            },
            "hasImports": !ledger.imports.isEmpty,
            "transactionCount": ledger.transactions.count, "accountCount": ledger.accounts.count, "hasTransactions": !ledger.transactions.isEmpty,
            "recent": ledger.transactions.suffix(50).reversed().map { transaction -> [String: Any] in
                ["id": transaction.id, "date": Self.day(transaction.valueAt), "debtor": accountNames[transaction.debtor] ?? transaction.debtor,
                 "creditor": accountNames[transaction.creditor] ?? transaction.creditor, "amount": transaction.amount.description,
                 "reference": transaction.reference ?? ""]
            },
            "accounts": ledger.accounts.map { ["key": $0.key, "identifier": $0.identifier, "label": Self.label($0)] },
            "formats": Self.formats.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == chosenFormat] },
            "importForm": imported,
            "methods": Self.methods.map { ["value": $0.0.rawValue, "label": $0.1, "selected": $0.0.rawValue == chosenMethod] },
            "traceForm": traceForm?.values ?? TraceForm().values,
            "pendingCount": alerts.filter { $0.status == .pending }.count,
            "alerts": alerts.map { record -> [String: Any] in
                var row: [String: Any] = [
                    "id": record.id, "title": record.alert.typology.title, "typology": record.alert.typology.rawValue,
                    "period": "\(Self.day(record.alert.from)) – \(Self.day(record.alert.to))",
                    "focus": accountNames[record.alert.focus] ?? record.alert.focus, "accounts": record.alert.accounts.count,
                    "transactions": record.alert.transactions.count, "total": record.alert.total.map(\.description).joined(separator: ", "),
                    "explanation": record.alert.explanation, "pending": record.status == .pending,
                    "statusText": record.status == .pending ? "waiting for a decision" : record.status.rawValue,
                    "algorithm": "\(record.alert.algorithm) \(record.alert.algorithmVersion)",
                    "parameters": record.alert.parameters.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: " · "),
                    "decided": record.decidedBy.map { "\(record.status.rawValue) by \($0) on \(record.decidedAt.map(Self.day) ?? ""): \(record.reason ?? "")" } ?? "",
                    "reason": decision.flatMap { $0.0 == record.id ? $0.1 : nil } ?? "",
                ]
                row["hasDecided"] = record.decidedBy != nil
                return row
            },
            "hasAlerts": !alerts.isEmpty,
        ]
        if let notice { values["notice"] = notice }
        if let error { values["error"] = error }
        if !lines.isEmpty {
            values["problemLines"] = lines
            values["hasProblemLines"] = true
        }
        values["hasPending"] = alerts.contains { $0.status == .pending }
        if let traceError { values["traceError"] = traceError }
        if let trace {
            let partners = try await federation.partners().map(\.identity.agencyCode)
            let drafts = context.principal?.role == .judicialAuthority
            let actions = Dictionary(trace.endPoints.map { end in
                (end.account.key, Self.actions(for: end, trace: trace, reference: reference, home: String(agency.prefix(2)), partners: partners, drafts: drafts))
            }, uniquingKeysWith: { first, _ in first })
            values["actions"] = actions
            let shortNames = Dictionary(ledger.accounts.map { ($0.key, ($0.holder.flatMap { $0.isEmpty ? nil : $0 } ?? $0.identifier) + ($0.country.map { " (\($0))" } ?? "")) }, uniquingKeysWith: { first, _ in first })
            var traced = Self.traceValues(trace, names: accountNames, shortNames: shortNames)
            traced["endPoints"] = trace.endPoints.map { end -> [String: Any] in
                let next = actions[end.account.key] ?? []
                return ["account": accountNames[end.account.key] ?? end.account.key, "amount": end.amount.description, "depth": end.depth,
                        "reason": Self.reasons[end.reason] ?? end.reason.rawValue, "actions": next, "hasActions": !next.isEmpty]
            }
            values["trace"] = traced
        }
        if case .session(let csrf, _) = context.credential { values["csrf"] = csrf }
        return renderer.page("finance", title: { _ in "Money trail — \(reference)" }, request: request, context: context, status: status, values: values)
    }

    static let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))

    /// The cross-border next steps for money that ends at an account abroad: ask the partner of
    /// that state for the holder and the statements (a message the safeguards decide on), search the
    /// IBAN hit/no-hit first, and — for a judicial authority — start a freezing certificate
    /// (Reg. (EU) 2018/1805 Annex I) filled in from the trace.
    static func actions(for end: TraceEndPoint, trace: FundsTrace, reference: String, home: String, partners: [String], drafts: Bool) -> [[String: String]] {
        guard let country = end.account.country, country != home, end.account.scheme != .unidentified else { return [] }
        func query(_ pairs: [(String, String)]) -> String {
            pairs.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "")" }
                .joined(separator: "&")
        }
        let account = end.account
        let described = account.identifier + (account.holder.map { ", held by \($0)" } ?? "") + (account.bic.map { ", at \($0)" } ?? "")
        var actions: [[String: String]] = []
        for partner in partners where partner.hasPrefix(country + "-") {
            let body = """
                Case \(reference): our trace of funds (\(trace.direction.rawValue), \(trace.method.rawValue)) shows \(end.amount) reaching account \(described) in your jurisdiction.
                We ask for the identity of the account holder and of those entitled to it, and for the account's statements for the period of the transfers.
                """
            actions.append([
                "label": "Ask \(partner) for the holder and statements",
                "href": "/messages/new?" + query([("to", partner), ("caseRef", reference), ("subject", "Account holder and statements: \(account.identifier)"), ("body", body)]),
            ])
        }
        if account.scheme == .iban {
            actions.append(["label": "Hit/no-hit on the IBAN first", "href": "/hits?" + query([("category", "bankAccount"), ("iban", account.identifier), ("caseRef", reference)])])
        }
        if drafts {
            actions.append([
                "label": "Start a freezing certificate",
                "href": "/instruments/new?" + query([
                    ("kind", "freezing"), ("caseReference", reference), ("f.A.0.issuingState", home), ("f.A.0.executingState", country),
                    ("f.D.0.kind", "bank-account"), ("f.D.0.description", "Funds traced into account \(described) (case \(reference))."),
                    ("f.D.0.value", "\(end.amount.currency.code) \(end.amount.decimal)"), ("f.D.0.registration", account.identifier),
                    ("f.F.0.purpose", "subsequent-confiscation"),
                ]),
            ])
        }
        return actions
    }

    static func label(_ account: FinancialAccount) -> String {
        var text = account.identifier
        if let holder = account.holder, !holder.isEmpty { text += " · \(holder)" }
        if let country = account.country { text += " (\(country))" }
        return text
    }

    static func day(_ date: Date) -> String { String(ISO8601DateFormatter().string(from: date).prefix(10)) }

    static func traceValues(_ trace: FundsTrace, names: [String: String], shortNames: [String: String]) -> [String: Any] {
        [
            "summary": "\(trace.direction == .forward ? "Forward" : "Backward") trace by \(methods.first { $0.0 == trace.method }?.1 ?? trace.method.rawValue), up to \(trace.maxDepth) hops: \(trace.traced) traced, \(trace.flows.count) transfers, \(trace.crossBorderFlows) across borders.",
            "jurisdictions": trace.jurisdictions.joined(separator: ", "), "hasJurisdictions": !trace.jurisdictions.isEmpty,
            "otherCurrency": trace.otherCurrencyTransactions, "hasOtherCurrency": trace.otherCurrencyTransactions > 0,
            "endPoints": trace.endPoints.map { end -> [String: Any] in
                ["account": names[end.account.key] ?? end.account.key, "amount": end.amount.description, "depth": end.depth,
                 "reason": Self.reasons[end.reason] ?? end.reason.rawValue]
            },
            "hasEndPoints": !trace.endPoints.isEmpty,
            "flows": trace.flows.map { flow -> [String: Any] in
                ["depth": flow.depth, "date": day(flow.transaction.valueAt), "id": flow.transaction.id,
                 "debtor": names[flow.transaction.debtor] ?? flow.transaction.debtor, "creditor": names[flow.transaction.creditor] ?? flow.transaction.creditor,
                 "amount": flow.transaction.amount.description, "attributed": flow.attributed.description, "crossBorder": flow.crossBorder]
            },
            "hasFlows": !trace.flows.isEmpty,
            "graph": TraceGraphSVG.render(trace, names: names, shortNames: shortNames),
            "graphNote": trace.flows.count > 40 ? "The graph shows the 40 largest links; the flow table lists every transfer." : "",
            "hasGraphNote": trace.flows.count > 40,
        ]
    }

    static let reasons: [TraceEndPoint.Reason: String] = [
        .held: "still held there", .depthLimit: "reached at the depth limit (not followed further)", .source: "source at the depth limit",
        .unexplained: "paid out more than the data shows coming in",
        .negligible: "pieces under 1/1,000 of the traced amount, not followed further",
    ]
}

/// Reads `filename="…"` from a part's Content-Disposition.
enum StreamingUploadParameter {
    static func filename(in disposition: String) -> String? {
        guard let range = disposition.range(of: "filename=\"") else { return nil }
        let rest = disposition[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        let name = String(rest[..<end]).split(separator: "/").last.map(String.init) ?? ""
        return name.isEmpty ? nil : String(name.prefix(200))
    }
}

/// The trace as a layered graph drawn in SVG on the server (no script, no tile or chart service):
/// one column per hop, an account a box (its holder's name, the identifier in its tooltip), the
/// transfers between two accounts one arrow labelled with the amount attributed to the traced
/// funds, cross-border arrows in the alert colour. The largest transfers are drawn; the flow table
/// lists them all.
enum TraceGraphSVG {
    struct Edge {
        var from: String
        var to: String
        var amount: Int64
        var count: Int
        var crossBorder: Bool
    }

    static func render(_ trace: FundsTrace, names: [String: String], shortNames: [String: String] = [:], maximumEdges: Int = 40) -> String {
        var merged: [String: Edge] = [:]
        var order: [String] = []
        for flow in trace.flows {
            let key = flow.transaction.debtor + "\u{1}" + flow.transaction.creditor
            if merged[key] == nil {
                order.append(key)
                merged[key] = Edge(from: flow.transaction.debtor, to: flow.transaction.creditor, amount: 0, count: 0, crossBorder: flow.crossBorder)
            }
            if var edge = merged[key] {
                edge.amount = edge.amount.saturatingAdding(flow.attributed.minor)
                edge.count += 1
                merged[key] = edge
            }
        }
        let edges = order.compactMap { merged[$0] }.sorted { $0.amount > $1.amount }.prefix(maximumEdges)
        guard !edges.isEmpty else { return "" }
        var column: [String: Int] = [:]
        let depthOf = Dictionary(trace.flows.map { ($0.transaction.debtor + "\u{1}" + $0.transaction.creditor, $0.depth) }, uniquingKeysWith: min)
        var received: [String: Int64] = [:]
        for edge in edges {
            let depth = depthOf[edge.from + "\u{1}" + edge.to] ?? 1
            let (near, far) = trace.direction == .forward ? (edge.from, edge.to) : (edge.to, edge.from)
            column[near] = min(column[near] ?? Int.max, depth - 1)
            column[far] = min(column[far] ?? Int.max, depth)
            received[far, default: 0] += edge.amount
        }
        var rows: [Int: [String]] = [:]
        for (account, depth) in column.sorted(by: { ($0.value, -(received[$0.key] ?? 0), $0.key) < ($1.value, -(received[$1.key] ?? 0), $1.key) }) {
            rows[depth, default: []].append(account)
        }
        let box = (width: 180, height: 38)
        let columnWidth = 340
        let rowHeight = 58
        let width = (rows.keys.max() ?? 0) * columnWidth + box.width + 20
        let height = max(1, rows.values.map(\.count).max() ?? 1) * rowHeight + 20
        var position: [String: (x: Int, y: Int)] = [:]
        for (depth, accounts) in rows {
            for (index, account) in accounts.enumerated() { position[account] = (depth * columnWidth + 10, index * rowHeight + 10) }
        }
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        let currency = trace.traced.currency
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"Graph of the traced transfers\" class=\"trace-graph\">"
        svg += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"context-stroke\"/></marker></defs>"
        for edge in edges {
            guard let from = position[edge.from], let to = position[edge.to] else { continue }
            let forwardLayout = from.x <= to.x
            let (x1, y1) = forwardLayout ? (from.x + box.width, from.y + box.height / 2) : (from.x, from.y + box.height / 2)
            let (x2, y2) = forwardLayout ? (to.x, to.y + box.height / 2) : (to.x + box.width, to.y + box.height / 2)
            let colour = edge.crossBorder ? "#b00020" : "#4a5560"
            let amount = Money(minor: edge.amount, currency: currency)
            let label = amount.decimal + (edge.count > 1 ? " (\(edge.count)×)" : "")
            // The label sits a third of the way along, where arrows into one box have not met yet.
            let lx = x1 + (x2 - x1) / 3
            let ly = y1 + (y2 - y1) / 3 - 4
            svg += "<g class=\"flow\(edge.crossBorder ? " cross-border" : "")\"><title>\(escape(names[edge.from] ?? edge.from)) → \(escape(names[edge.to] ?? edge.to)): \(escape(amount.description)) in \(edge.count) transfer\(edge.count == 1 ? "" : "s")</title>"
            svg += "<line x1=\"\(x1)\" y1=\"\(y1)\" x2=\"\(x2)\" y2=\"\(y2)\" stroke=\"\(colour)\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>"
            svg += "<text x=\"\(lx)\" y=\"\(ly)\" font-size=\"11\" text-anchor=\"middle\" fill=\"\(colour)\" paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\">\(escape(label))</text></g>"
        }
        for (account, point) in position.sorted(by: { $0.key < $1.key }) {
            let label = shortNames[account] ?? names[account] ?? account
            let short = label.count > 26 ? String(label.prefix(25)) + "…" : label
            svg += "<g class=\"account\"><title>\(escape(names[account] ?? account))</title><rect x=\"\(point.x)\" y=\"\(point.y)\" width=\"\(box.width)\" height=\"\(box.height)\" rx=\"4\" fill=\"#fff\" stroke=\"#333\"/>"
            svg += "<text x=\"\(point.x + 6)\" y=\"\(point.y + 24)\" font-size=\"12\" fill=\"#111\">\(escape(short))</text></g>"
        }
        return svg + "</svg>"
    }
}
