package import Crypto
package import Foundation
package import Hummingbird
package import LiaisonCore
package import LiaisonSafeguards
package import LiaisonStore
package import Logging
package import ServiceLifecycle

/// The transparency report as a self-contained HTML document (for publication) or fragment (for
/// the console page). Every value is escaped.
package enum TransparencyHTML {
    static let escape = HTMLText.escape

    static func fragment(_ report: TransparencyReport) -> String {
        func row(_ label: String, _ value: String) -> String { "<tr><th scope=\"row\">\(escape(label))</th><td>\(escape(value))</td></tr>" }
        func table(_ caption: String, _ rows: [String]) -> String {
            "<table class=\"report\"><caption>\(escape(caption))</caption><tbody>\(rows.joined())</tbody></table>"
        }
        let day = Date.ISO8601FormatStyle().year().month().day()
        var html = "<section id=\"transparency-report\" aria-label=\"Transparency report\">"
        html += "<p>\(escape(report.node)) · \(escape(report.from.formatted(day))) – \(escape(report.to.addingTimeInterval(-1).formatted(day))) · computed from \(report.auditRecords) audit records.</p>"
        html += "<table class=\"report\" id=\"report-exchanges\"><caption>Messages exchanged per partner and purpose</caption><thead><tr><th scope=\"col\">Partner</th><th scope=\"col\">Purpose</th><th scope=\"col\">Sent</th><th scope=\"col\">Received</th></tr></thead><tbody>"
        html += report.exchanges.map { "<tr><td>\(escape($0.partner))</td><td>\(escape($0.purpose))</td><td>\($0.sent)</td><td>\($0.received)</td></tr>" }.joined()
        html += "</tbody></table>"
        html += table("Searches", [
            row("Hit/no-hit searches", "\(report.hitSearches)"), row("… with a hit or near hit", "\(report.hitSearchesWithHit)"),
            row("Names screened", "\(report.screenings)"), row("Screening adjudications", "\(report.adjudications)"),
        ])
        html += table("Disclosures held for approval", [
            row("Granted", "\(report.approvals.granted)"), row("Refused", "\(report.approvals.refused)"), row("Pending at the end", "\(report.approvals.pending)"),
            row("Median hours to a decision", report.approvals.medianHoursToDecision.map { "\($0)" } ?? "–"),
        ])
        html += table("Data subjects' requests", [row("Decided", "\(report.subjectRequests)")] + report.subjectRequestOutcomes.map { row($0.key, "\($0.count)") })
        html += table("Retention", [
            row("Records erased", "\(report.erasures)"), row("Erasures suspended by a legal hold", "\(report.erasuresSuspendedByHold)"),
            row("Records anonymised", "\(report.anonymised)"),
        ])
        html += table("Policy refusals", [row("Refusals", "\(report.policyRefusals)")] + report.policyRefusalReasons.map { row($0.key, "\($0.count)") })
        html += table("Alerts", [row("Raised", "\(report.alerts)")] + report.alertKinds.map { row($0.key, "\($0.count)") }
            + [row("Confirmed by a person", "\(report.alertsConfirmed)"), row("Rejected by a person", "\(report.alertsRejected)")])
        if let judicial = report.judicialCooperation { html += judicialFragment(judicial) }
        return html + "</section>"
    }

    /// The judicial-cooperation statistics: per kind, direction and partner, and the e-evidence
    /// figures of Reg. (EU) 2023/1543 Art. 28.
    static func judicialFragment(_ statistics: InstrumentStatistics) -> String {
        func days(_ durations: InstrumentStatistics.Durations) -> String {
            guard let median = durations.medianDays, let p90 = durations.p90Days else { return "–" }
            return "\(median) / \(p90)"
        }
        func counts(_ values: [String: Int]) -> String {
            values.isEmpty ? "–" : values.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        }
        var html = "<table class=\"report\" id=\"report-instruments\"><caption>Judicial instruments (days: median / 90th percentile, from transmission or receipt)</caption>"
        html += "<thead><tr><th scope=\"col\">Instrument</th><th scope=\"col\">Direction</th><th scope=\"col\">Partner</th><th scope=\"col\">Number</th><th scope=\"col\">Acknowledged</th><th scope=\"col\">Days to acknowledgement</th><th scope=\"col\">Recognised</th><th scope=\"col\">Days to recognition</th><th scope=\"col\">Executed</th><th scope=\"col\">Days to execution</th><th scope=\"col\">Refused, by ground</th><th scope=\"col\">Deadlines missed</th></tr></thead><tbody>"
        html += statistics.rows.map { row in
            "<tr><td>\(escape(row.kind))</td><td>\(escape(row.direction))</td><td>\(escape(row.partner))</td><td>\(row.instruments)</td><td>\(row.acknowledged)</td><td>\(days(row.toAcknowledgement))</td><td>\(row.recognised)</td><td>\(days(row.toRecognition))</td><td>\(row.executed)</td><td>\(days(row.toExecution))</td><td>\(row.refused) (\(escape(counts(row.refusalsByGround))))</td><td>\(escape(counts(row.deadlinesMissed)))</td></tr>"
        }.joined()
        html += "</tbody></table>"
        for figures in statistics.eEvidence {
            html += "<table class=\"report\"><caption>European Production and Preservation Orders, \(escape(figures.direction)) (Reg. (EU) 2023/1543 Art. 28)</caption><tbody>"
            html += [("Production orders", "\(figures.productionOrders)"), ("Preservation orders", "\(figures.preservationOrders)"), ("Emergency cases", "\(figures.emergencies)"),
                     ("By addressee", counts(figures.byAddressee)), ("Complied with", "\(figures.compliedWith)"), ("Not complied with", "\(figures.notCompliedWith)"),
                     ("Refusals by ground", counts(figures.refusalsByGround)), ("Average days from issue to the data", figures.averageDaysToData.map { "\($0)" } ?? "–")]
                .map { "<tr><th scope=\"row\">\(escape($0.0))</th><td>\(escape($0.1))</td></tr>" }.joined()
            html += "</tbody></table>"
        }
        return html
    }

    package static func document(_ report: TransparencyReport) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Transparency report — \(escape(report.node))</title>
        <style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;margin:1rem 0;width:100%}caption{text-align:left;font-weight:bold;padding:.3rem 0}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}</style>
        </head><body><h1>Transparency report — \(escape(report.node))</h1>
        \(fragment(report))
        </body></html>

        """
    }
}
