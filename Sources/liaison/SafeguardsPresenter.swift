import Foundation
import LiaisonCore
import LiaisonMatching
import LiaisonSafeguards
import LiaisonServer
import LiaisonStore


/// The safeguards' operator commands, for the CLI: they open the node's database directly.
enum SafeguardsOperations {
    /// What is due for deletion within `days`, and what legal holds keep, as text or JSON.
    static func retentionReport(dataDirectory: String, databaseURL: String?, days: Int, json: Bool) async throws -> String {
        guard (0...3_650).contains(days) else { throw LiaisonError(.invalidInput, "--days must be 0 to 3650") }
        let report = try await NodeServices.with(dataDirectory: dataDirectory, databaseURL: databaseURL) { node in
            try await node.retention.report(withinDays: days)
        }
        if json { return try prettyJSON(report) }
        var lines = ["Retention report \(report.generatedAt.formatted(.iso8601)): \(report.items.count) record\(report.items.count == 1 ? "" : "s") due within \(days) days"]
        for item in report.items {
            var line = "\(item.overdue ? "DUE " : "soon") \(item.deleteAt.formatted(.iso8601))  \(item.kind) \(item.id)  \(item.caseRef ?? "-")  \(item.subject)"
            if let hold = item.heldBy { line += "  [held by \(hold)]" }
            if !item.recipients.isEmpty { line += "  notify: \(item.recipients.joined(separator: ","))" }
            lines.append(line)
        }
        lines.append("\(report.screeningResultsDue) screening result\(report.screeningResultsDue == 1 ? "" : "s") to anonymise")
        lines.append("\(report.holds.count) legal hold\(report.holds.count == 1 ? "" : "s") in force")
        for hold in report.holds {
            lines.append("  hold \(hold.id)  \(hold.caseRef.map { "case \($0)" } ?? hold.subject ?? "")  until \(hold.until.formatted(.iso8601))  by \(hold.createdBy): \(hold.reason)")
        }
        return lines.joined(separator: "\n")
    }

    /// The transparency report for a period (dates as YYYY-MM-DD, both inclusive) as html, json or csv,
    /// computed only from the node's audit records.
    static func transparencyReport(dataDirectory: String, databaseURL: String?, from: String, to: String, format: String) async throws -> String {
        guard ["html", "json", "csv"].contains(format) else { throw LiaisonError(.invalidInput, "--format must be html, json or csv, not '\(format)'") }
        let period: (Date, Date)
        do {
            period = try CalendarDay.period(from: from, to: to, now: Date())
        } catch {
            throw LiaisonError(.invalidInput, "--" + error.message)
        }
        let report = try await NodeServices.with(dataDirectory: dataDirectory, databaseURL: databaseURL) { node in
            TransparencyReport.compute(try await node.auditStore.events(from: period.0, to: period.1).map(\.event), node: node.agencyCode, from: period.0, to: period.1)
        }
        switch format {
        case "json": return try prettyJSON(report)
        case "csv": return report.csv()
        default: return TransparencyHTML.document(report)
        }
    }

    static func prettyJSON(_ value: some Encodable) throws -> String {
        let encoder = JSON.readableEncoder
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
