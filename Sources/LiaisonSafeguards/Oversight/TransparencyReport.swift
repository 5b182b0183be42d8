public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The transparency report: what the node did with personal data in a period, computed only from
/// its audit records, so that anyone holding the log can recompute it.
public struct TransparencyReport: Codable, Sendable, Equatable {
    public struct Count: Codable, Sendable, Equatable {
        public var key: String
        public var count: Int
    }

    public struct Exchange: Codable, Sendable, Equatable {
        public var partner: String
        public var purpose: String
        public var sent: Int
        public var received: Int
    }

    public struct Decisions: Codable, Sendable, Equatable {
        public var granted: Int
        public var refused: Int
        public var pending: Int
        /// Median time from request to decision, in hours; `nil` when nothing was decided.
        public var medianHoursToDecision: Double?

        public init(granted: Int, refused: Int, pending: Int, medianHoursToDecision: Double?) {
            self.granted = granted
            self.refused = refused
            self.pending = pending
            self.medianHoursToDecision = medianHoursToDecision
        }
    }

    public var node: String
    public var from: Date
    public var to: Date
    /// How many audit records the report was computed from.
    public var auditRecords: Int
    /// Messages exchanged, per partner and purpose.
    public var exchanges: [Exchange]
    /// Hit/no-hit searches and how many found something.
    public var hitSearches: Int
    public var hitSearchesWithHit: Int
    /// Names screened against sanctions and watch lists, and adjudications.
    public var screenings: Int
    public var adjudications: Int
    /// Disclosures the safeguards held for approval (and follow-up requests), with outcomes.
    public var approvals: Decisions
    /// Requests of data subjects (access, rectification, erasure, restriction), with outcomes.
    public var subjectRequests: Int
    public var subjectRequestOutcomes: [Count]
    /// Records erased at the end of their retention period or on request, and records anonymised.
    public var erasures: Int
    public var erasuresSuspendedByHold: Int
    public var anonymised: Int
    /// Refusals by the policy decision point, by reason.
    public var policyRefusals: Int
    public var policyRefusalReasons: [Count]
    /// Alerts raised (anomalous access, split views, refused witnessing), by kind.
    public var alerts: Int
    public var alertKinds: [Count]
    /// Algorithms' alerts a person confirmed or rejected (Art. 11: no effect before).
    public var alertsConfirmed: Int
    public var alertsRejected: Int
    /// Judicial cooperation: instruments per kind, direction and partner, times to each step,
    /// refusals by ground, deadlines missed, and the Reg. (EU) 2023/1543 Art. 28 figures.
    public var judicialCooperation: InstrumentStatistics?

    /// Computes the report from the audit events of the period (`from` inclusive, `to` exclusive).
    public static func compute(_ events: [AuditEvent], node: String, from: Date, to: Date) -> TransparencyReport {
        let period = events.filter { $0.time >= from && $0.time < to }
        var exchanges: [String: Exchange] = [:]
        var refusalReasons: [String: Int] = [:]
        var alertKinds: [String: Int] = [:]
        var outcomes: [String: Int] = [:]
        var requested: [String: Date] = [:]
        var decidedHours: [Double] = []
        var granted = 0, refused = 0
        var hits = 0, withHit = 0, screenings = 0, adjudications = 0, subjectRequests = 0
        var erasures = 0, held = 0, anonymised = 0, refusals = 0, alerts = 0, confirmed = 0, rejected = 0
        for event in period {
            switch event.operation {
            case .messageSent where event.outcome == .success:
                for recipient in event.recipients ?? [] { exchanges[recipient + "\u{0}" + (event.purpose ?? ""), default: Exchange(partner: recipient, purpose: event.purpose ?? "", sent: 0, received: 0)].sent += 1 }
            case .messageReceived where event.outcome == .success:
                let sender = event.actor.hasPrefix("node:") ? String(event.actor.dropFirst(5)) : event.actor
                exchanges[sender + "\u{0}" + (event.purpose ?? ""), default: Exchange(partner: sender, purpose: event.purpose ?? "", sent: 0, received: 0)].received += 1
            case .screeningPerformed where event.outcome == .success:
                screenings += 1
            case .screeningAdjudicated where event.outcome == .success:
                adjudications += 1
            case .approvalRequested:
                if let subject = event.subject { requested[subject] = event.time }
            case .approvalDecided where event.outcome == .success:
                if event.details?["decision"] == "approved" { granted += 1 } else { refused += 1 }
                if let subject = event.subject, let asked = requested.removeValue(forKey: subject) {
                    decidedHours.append(event.time.timeIntervalSince(asked) / 3600)
                }
            case .recordErased:
                if event.outcome == .success { erasures += 1 } else { held += 1 }
            case .recordsAnonymised:
                anonymised += Int(event.details?["count"] ?? "") ?? 0  // checked: parses text: nil when not a number
            case .policyDecision where event.outcome == .denied:
                refusals += 1
                for reason in (event.details?["reasons"] ?? "").split(separator: ",") { refusalReasons[String(reason), default: 0] += 1 }
            case .alertRaised:
                alerts += 1
                alertKinds[event.details?["kind"] ?? "other", default: 0] += 1
            case .alertReviewed:
                if event.details?["decision"] == "confirmed" { confirmed += 1 } else { rejected += 1 }
            case .hitSearched:
                hits += 1
                if event.details?["result"] == "hit" || event.details?["result"] == "near-hit" { withHit += 1 }
            case .subjectRequestDecided:
                subjectRequests += 1
                outcomes[event.details?["outcome"] ?? "decided", default: 0] += 1
            default:
                break
            }
        }
        return TransparencyReport(
            node: node, from: from, to: to, auditRecords: period.count,
            exchanges: exchanges.values.sorted { ($0.partner, $0.purpose) < ($1.partner, $1.purpose) },
            hitSearches: hits, hitSearchesWithHit: withHit, screenings: screenings, adjudications: adjudications,
            approvals: Decisions(granted: granted, refused: refused, pending: requested.count, medianHoursToDecision: median(decidedHours)),
            subjectRequests: subjectRequests, subjectRequestOutcomes: counts(outcomes),
            erasures: erasures, erasuresSuspendedByHold: held, anonymised: anonymised,
            policyRefusals: refusals, policyRefusalReasons: counts(refusalReasons), alerts: alerts, alertKinds: counts(alertKinds),
            alertsConfirmed: confirmed, alertsRejected: rejected,
            judicialCooperation: InstrumentStatistics.compute(period.filter { $0.operation == .instrumentStep || $0.operation == .instrumentDeadlineMissed }, from: from, to: to)
        )
    }

    /// Counts as rows, largest first.
    public static func counts(_ values: [String: Int]) -> [Count] {
        values.map { Count(key: $0.key, count: $0.value) }.sorted { ($1.count, $0.key) < ($0.count, $1.key) }
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        let value = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        return (value * 100).rounded() / 100
    }

    /// The report as CSV: one `section,key,value` row per figure (RFC 4180 quoting).
    public func csv() -> String {
        var rows = [["section", "key", "value"]]
        rows.append(["period", "from", from.formatted(.iso8601)])
        rows.append(["period", "to", to.formatted(.iso8601)])
        rows.append(["period", "audit-records", "\(auditRecords)"])
        for exchange in exchanges {
            rows.append(["messages-sent", "\(exchange.partner)/\(exchange.purpose)", "\(exchange.sent)"])
            rows.append(["messages-received", "\(exchange.partner)/\(exchange.purpose)", "\(exchange.received)"])
        }
        rows.append(["hit-no-hit", "searches", "\(hitSearches)"])
        rows.append(["hit-no-hit", "with-hit", "\(hitSearchesWithHit)"])
        rows.append(["screening", "names-screened", "\(screenings)"])
        rows.append(["screening", "adjudications", "\(adjudications)"])
        rows.append(["approvals", "granted", "\(approvals.granted)"])
        rows.append(["approvals", "refused", "\(approvals.refused)"])
        rows.append(["approvals", "pending", "\(approvals.pending)"])
        rows.append(["approvals", "median-hours-to-decision", approvals.medianHoursToDecision.map { "\($0)" } ?? ""])
        rows.append(["subject-requests", "decided", "\(subjectRequests)"])
        for outcome in subjectRequestOutcomes { rows.append(["subject-request-outcomes", outcome.key, "\(outcome.count)"]) }
        rows.append(["retention", "erased", "\(erasures)"])
        rows.append(["retention", "suspended-by-hold", "\(erasuresSuspendedByHold)"])
        rows.append(["retention", "anonymised", "\(anonymised)"])
        rows.append(["policy", "refusals", "\(policyRefusals)"])
        for reason in policyRefusalReasons { rows.append(["policy-refusal-reasons", reason.key, "\(reason.count)"]) }
        rows.append(["alerts", "raised", "\(alerts)"])
        for kind in alertKinds { rows.append(["alert-kinds", kind.key, "\(kind.count)"]) }
        rows.append(["alerts", "confirmed", "\(alertsConfirmed)"])
        rows.append(["alerts", "rejected", "\(alertsRejected)"])
        for row in judicialCooperation?.rows ?? [] {
            let key = "\(row.kind)/\(row.direction)/\(row.partner)"
            rows.append(["instruments", key, "\(row.instruments)"])
            rows.append(["instruments-recognised", key, "\(row.recognised)"])
            rows.append(["instruments-refused", key, "\(row.refused)"])
            rows.append(["instruments-executed", key, "\(row.executed)"])
            rows.append(["instruments-median-days-to-recognition", key, row.toRecognition.medianDays.map { "\($0)" } ?? ""])
            rows.append(["instruments-p90-days-to-recognition", key, row.toRecognition.p90Days.map { "\($0)" } ?? ""])
            for (ground, count) in row.refusalsByGround.sorted(by: { $0.key < $1.key }) { rows.append(["instrument-refusal-grounds", "\(key)/\(ground)", "\(count)"]) }
            for (clock, count) in row.deadlinesMissed.sorted(by: { $0.key < $1.key }) { rows.append(["instrument-deadlines-missed", "\(key)/\(clock)", "\(count)"]) }
        }
        for figures in judicialCooperation?.eEvidence ?? [] {
            // Reg. (EU) 2023/1543 Art. 28(1).
            rows.append(["e-evidence-art-28", "\(figures.direction)/production-orders", "\(figures.productionOrders)"])
            rows.append(["e-evidence-art-28", "\(figures.direction)/preservation-orders", "\(figures.preservationOrders)"])
            rows.append(["e-evidence-art-28", "\(figures.direction)/emergencies", "\(figures.emergencies)"])
            rows.append(["e-evidence-art-28", "\(figures.direction)/complied-with", "\(figures.compliedWith)"])
            rows.append(["e-evidence-art-28", "\(figures.direction)/not-complied-with", "\(figures.notCompliedWith)"])
            rows.append(["e-evidence-art-28", "\(figures.direction)/average-days-to-data", figures.averageDaysToData.map { "\($0)" } ?? ""])
            for (addressee, count) in figures.byAddressee.sorted(by: { $0.key < $1.key }) { rows.append(["e-evidence-art-28-addressees", "\(figures.direction)/\(addressee)", "\(count)"]) }
            for (ground, count) in figures.refusalsByGround.sorted(by: { $0.key < $1.key }) { rows.append(["e-evidence-art-28-refusals", "\(figures.direction)/\(ground)", "\(count)"]) }
        }
        return rows.map { $0.map(Self.quoted).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.flatMap { $0 == "\"" ? "\"\"" : String($0) } + "\""
    }
}
