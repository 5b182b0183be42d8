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
        return html + "</section>"
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
