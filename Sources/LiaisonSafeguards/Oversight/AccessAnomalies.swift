public import LiaisonCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An audit event with its place in the log (`nil` while it waits in the queue).
public struct LoggedEvent: Sendable, Equatable {
    public var index: UInt64?
    public var event: AuditEvent

    public init(index: UInt64?, event: AuditEvent) {
        self.index = index
        self.event = event
    }
}

/// What counts as consulting personal data, for the anomaly rules: reading messages, attachments
/// and evidence, exporting evidence, screening names, and (as they land) hit/no-hit searches and
/// data-subject searches.
public enum Consultation {
    public static let operations: Set<String> = [
        AuditOperation.messageRead.rawValue, AuditOperation.attachmentRead.rawValue, AuditOperation.evidenceRead.rawValue,
        AuditOperation.evidenceExported.rawValue, AuditOperation.screeningPerformed.rawValue, AuditOperation.hitSearched.rawValue, AuditOperation.subjectRequestSearched.rawValue,
    ]

    public static func isConsultation(_ event: AuditEvent) -> Bool {
        event.outcome == .success && operations.contains(event.operation.rawValue) && event.actor.hasPrefix("user:")
    }

    /// A refusal of something a user asked for: the access policy, the safeguards, a refused send.
    public static func isDenial(_ event: AuditEvent) -> Bool {
        event.outcome == .denied && event.actor.hasPrefix("user:")
    }
}

/// Thresholds of the access-anomaly rules; the defaults suit a unit of a few dozen users.
public struct AccessAnomalyRules: Codable, Sendable, Equatable {
    /// A user is flagged who consulted more than `peerFactor` times the median of their peers…
    public var peerFactor = 3.0
    /// …and at least this many records (so that a quiet week flags nobody).
    public var peerMinimum = 50
    /// Out of hours: from this hour (UTC)…
    public var nightStartsAt = 22
    /// …to this hour (UTC).
    public var nightEndsAt = 6
    /// Saturday and Sunday count as out of hours.
    public var weekendsAreOutOfHours = true
    /// Consultations out of hours by one user in the window that make bulk access out of hours.
    public var outOfHoursMinimum = 20
    /// Queries refused for want of a case link, per user in the window.
    public var noCaseLinkMinimum = 3
    /// Denials per user within any 24 hours.
    public var denialMinimum = 5

    public init() {}
}

/// An alert on anomalous access, with the audit entries behind it.
public struct AccessAlert: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case peerVolume = "peer-volume"
        case outOfHoursBulk = "out-of-hours-bulk"
        case noCaseLink = "no-case-link"
        case repeatedDenials = "repeated-denials"
    }

    public var kind: Kind
    /// `user:<name>`.
    public var actor: String
    public var summary: String
    /// How many events the rule counted.
    public var count: Int
    /// The audit entries behind it (log indexes; queued ones are not yet indexed), first 50.
    public var evidence: [UInt64]
    public var firstAt: Date
    public var lastAt: Date
}

/// Detects anomalous access in audit events. Pure: the events in, the alerts out.
public enum AccessAnomalyDetector {
    public static func detect(_ events: [LoggedEvent], rules: AccessAnomalyRules = AccessAnomalyRules()) -> [AccessAlert] {
        var alerts: [AccessAlert] = []
        let consultations = Dictionary(grouping: events.filter { Consultation.isConsultation($0.event) }, by: \.event.actor)

        // Far more than the peers.
        let counts = consultations.mapValues(\.count)
        for (actor, own) in counts.sorted(by: { $0.key < $1.key }) {
            let peers = counts.filter { $0.key != actor }.map(\.value).sorted()
            guard peers.count >= 2, own >= rules.peerMinimum else { continue }
            let median = peers.count % 2 == 1 ? Double(peers[peers.count / 2]) : Double(peers[peers.count / 2 - 1] + peers[peers.count / 2]) / 2
            guard Double(own) > rules.peerFactor * max(median, 1) else { continue }
            alerts.append(alert(.peerVolume, actor, consultations[actor]!, summary: "\(actor) consulted \(own) records; the median of \(peers.count) peers is \(formatted(median))."))
        }

        // Bulk out of hours.
        for (actor, list) in consultations.sorted(by: { $0.key < $1.key }) {
            let night = list.filter { outOfHours($0.event.time, rules) }
            guard night.count >= rules.outOfHoursMinimum else { continue }
            alerts.append(alert(.outOfHoursBulk, actor, night, summary: "\(actor) consulted \(night.count) records out of hours (\(rules.nightStartsAt):00–\(rules.nightEndsAt):00 UTC\(rules.weekendsAreOutOfHours ? " or at weekends" : ""))."))
        }

        // Queries with no case link.
        let unlinked = Dictionary(grouping: events.filter {
            $0.event.operation == .policyDecision && $0.event.outcome == .denied && ($0.event.details?["reasons"] ?? "").split(separator: ",").contains(Substring(PolicyReason.Code.noCaseLink.rawValue))
        }, by: \.event.actor)
        for (actor, list) in unlinked.sorted(by: { $0.key < $1.key }) where list.count >= rules.noCaseLinkMinimum && actor.hasPrefix("user:") {
            alerts.append(alert(.noCaseLink, actor, list, summary: "\(actor) asked \(list.count) times for personal data without a case link."))
        }

        // Repeated denials within 24 hours.
        let denials = Dictionary(grouping: events.filter { Consultation.isDenial($0.event) }, by: \.event.actor)
        for (actor, list) in denials.sorted(by: { $0.key < $1.key }) {
            let sorted = list.sorted { $0.event.time < $1.event.time }
            var best: ArraySlice<LoggedEvent> = []
            var start = 0
            for end in sorted.indices {
                while sorted[end].event.time.timeIntervalSince(sorted[start].event.time) > 86_400 { start += 1 }
                if end - start + 1 > best.count { best = sorted[start...end] }
            }
            guard best.count >= rules.denialMinimum else { continue }
            alerts.append(alert(.repeatedDenials, actor, Array(best), summary: "\(actor) was refused \(best.count) times within 24 hours."))
        }
        return alerts
    }

    static func alert(_ kind: AccessAlert.Kind, _ actor: String, _ events: [LoggedEvent], summary: String) -> AccessAlert {
        let sorted = events.sorted { $0.event.time < $1.event.time }
        return AccessAlert(
            kind: kind, actor: actor, summary: summary, count: events.count, evidence: Array(sorted.compactMap(\.index).prefix(50)),
            firstAt: sorted.first!.event.time, lastAt: sorted.last!.event.time
        )
    }

    /// Whether `date` is out of office hours under the rules (UTC).
    public static func outOfHours(_ date: Date, _ rules: AccessAnomalyRules) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.hour, .weekday], from: date)
        if rules.weekendsAreOutOfHours, let weekday = parts.weekday, weekday == 1 || weekday == 7 { return true }
        let hour = parts.hour ?? 12
        return rules.nightStartsAt > rules.nightEndsAt
            ? hour >= rules.nightStartsAt || hour < rules.nightEndsAt
            : hour >= rules.nightStartsAt && hour < rules.nightEndsAt
    }

    static func formatted(_ value: Double) -> String {
        if let whole = Int(exactly: value) { return String(whole) }
        return value.isFinite ? "\((value * 10).rounded() / 10)" : "\(value)"
    }
}
