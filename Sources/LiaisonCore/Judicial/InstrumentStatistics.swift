#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Statistics of judicial cooperation computed from the audit log alone (issue 22, deliverable
/// 7): per instrument kind, direction and partner, how many, how long to each step (median and
/// 90th percentile, in days), refusals by ground, deadlines missed; and for European Production
/// and Preservation Orders the figures Reg. (EU) 2023/1543 Art. 28 asks for each year.
public struct InstrumentStatistics: Codable, Sendable, Equatable {
    public struct Durations: Codable, Sendable, Equatable {
        public var count: Int
        public var medianDays: Double?
        public var p90Days: Double?

        public init(count: Int, medianDays: Double? = nil, p90Days: Double? = nil) {
            self.count = count
            self.medianDays = medianDays
            self.p90Days = p90Days
        }
    }

    public struct Row: Codable, Sendable, Equatable {
        public var kind: String
        public var direction: String
        public var partner: String
        /// Instruments transmitted (outgoing) or received (incoming) in the period.
        public var instruments: Int
        public var acknowledged: Int
        public var recognised: Int
        public var refused: Int
        public var executed: Int
        public var withdrawn: Int
        /// From transmission (issuing side) or receipt (executing side) to each step.
        public var toAcknowledgement: Durations
        public var toRecognition: Durations
        public var toExecution: Durations
        public var refusalsByGround: [String: Int]
        public var deadlinesMissed: [String: Int]
    }

    /// Reg. (EU) 2023/1543 Art. 28(1): orders by type, addressee and emergency; complied with or
    /// not; refusals by ground; the average time from issue to the data obtained.
    public struct EEvidence: Codable, Sendable, Equatable {
        public var direction: String
        public var productionOrders: Int
        public var preservationOrders: Int
        public var emergencies: Int
        public var byAddressee: [String: Int]
        public var compliedWith: Int
        public var notCompliedWith: Int
        public var refusalsByGround: [String: Int]
        public var averageDaysToData: Double?

        public init(
            direction: String, productionOrders: Int, preservationOrders: Int, emergencies: Int, byAddressee: [String: Int], compliedWith: Int, notCompliedWith: Int,
            refusalsByGround: [String: Int], averageDaysToData: Double?
        ) {
            self.direction = direction
            self.productionOrders = productionOrders
            self.preservationOrders = preservationOrders
            self.emergencies = emergencies
            self.byAddressee = byAddressee
            self.compliedWith = compliedWith
            self.notCompliedWith = notCompliedWith
            self.refusalsByGround = refusalsByGround
            self.averageDaysToData = averageDaysToData
        }
    }

    public var from: Date
    public var to: Date
    public var rows: [Row]
    public var eEvidence: [EEvidence]

    /// Computes the statistics from audit events (`from` inclusive, `to` exclusive): steps are
    /// dated by the step's own time (`details["at"]`), which for a step the other side took is
    /// earlier than when this node learned of it.
    public static func compute(_ events: [AuditEvent], from: Date, to: Date) -> InstrumentStatistics {
        struct Track {
            var kind = "", direction = "", partner = "", urgent = false
            var start: Date?
            var steps: [String: Date] = [:]
            var ground: String?
            var missed: [String] = []
        }
        var tracks: [String: Track] = [:]
        for event in events {
            guard let details = event.details, let reference = details["reference"] else { continue }
            switch event.operation {
            case .instrumentStep:
                guard let action = details["action"] else { continue }
                let at = details["at"].flatMap { try? Date($0, strategy: .iso8601) } ?? event.time
                var track = tracks[reference] ?? Track()
                track.kind = details["kind"] ?? track.kind
                track.direction = details["direction"] ?? track.direction
                track.partner = details["partner"] ?? track.partner
                if details["urgent"] == "yes" { track.urgent = true }
                if track.steps[action] == nil { track.steps[action] = at }
                if action == "refuse" { track.ground = details["ground"] }
                let starts = track.direction == "outgoing" ? "transmit" : "receive"
                if action == starts { track.start = at }
                tracks[reference] = track
            case .instrumentDeadlineMissed:
                tracks[reference, default: Track()].missed.append(details["clock"] ?? "?")
            default:
                continue
            }
        }
        var rows: [String: Row] = [:]
        var durations: [String: (acknowledgement: [Double], recognition: [Double], execution: [Double])] = [:]
        var eEvidence: [String: EEvidence] = [:]
        var toData: [String: [Double]] = [:]
        for track in tracks.values {
            guard let start = track.start, start >= from, start < to else { continue }
            let key = "\(track.kind)|\(track.direction)|\(track.partner)"
            var row = rows[key] ?? Row(
                kind: track.kind, direction: track.direction, partner: track.partner, instruments: 0, acknowledged: 0, recognised: 0, refused: 0, executed: 0,
                withdrawn: 0, toAcknowledgement: Durations(count: 0), toRecognition: Durations(count: 0), toExecution: Durations(count: 0), refusalsByGround: [:], deadlinesMissed: [:]
            )
            row.instruments += 1
            var spans = durations[key] ?? ([], [], [])
            func days(_ action: String) -> Double? { track.steps[action].map { $0.timeIntervalSince(start) / 86_400 } }
            if let value = days("acknowledge") { row.acknowledged += 1; spans.acknowledgement.append(value) }
            if let value = days("recognise") { row.recognised += 1; spans.recognition.append(value) }
            if let value = days("execute") ?? days("execute-partly") { row.executed += 1; spans.execution.append(value) }
            if track.steps["refuse"] != nil {
                row.refused += 1
                row.refusalsByGround[track.ground ?? "?", default: 0] += 1
            }
            if track.steps["withdraw"] != nil { row.withdrawn += 1 }
            for clock in track.missed { row.deadlinesMissed[clock, default: 0] += 1 }
            rows[key] = row
            durations[key] = spans
            if track.kind == InstrumentKind.productionOrder.rawValue || track.kind == InstrumentKind.preservationOrder.rawValue {
                var figures = eEvidence[track.direction] ?? EEvidence(
                    direction: track.direction, productionOrders: 0, preservationOrders: 0, emergencies: 0, byAddressee: [:], compliedWith: 0, notCompliedWith: 0,
                    refusalsByGround: [:], averageDaysToData: nil
                )
                if track.kind == InstrumentKind.productionOrder.rawValue { figures.productionOrders += 1 } else { figures.preservationOrders += 1 }
                if track.urgent { figures.emergencies += 1 }
                figures.byAddressee[track.partner, default: 0] += 1
                if track.steps["execute"] != nil || track.steps["return-results"] != nil { figures.compliedWith += 1 }
                if track.steps["refuse"] != nil {
                    figures.notCompliedWith += 1
                    figures.refusalsByGround[track.ground ?? "?", default: 0] += 1
                }
                if let data = track.steps["return-results"] { toData[track.direction, default: []].append(data.timeIntervalSince(start) / 86_400) }
                eEvidence[track.direction] = figures
            }
        }
        for (key, spans) in durations {
            rows[key]?.toAcknowledgement = summary(spans.acknowledgement)
            rows[key]?.toRecognition = summary(spans.recognition)
            rows[key]?.toExecution = summary(spans.execution)
        }
        for (direction, values) in toData where !values.isEmpty {
            eEvidence[direction]?.averageDaysToData = rounded(values.reduce(0, +) / Double(values.count))
        }
        return InstrumentStatistics(
            from: from, to: to, rows: rows.values.sorted { ($0.kind, $0.direction, $0.partner) < ($1.kind, $1.direction, $1.partner) },
            eEvidence: eEvidence.values.sorted { $0.direction < $1.direction }
        )
    }

    /// Median and 90th percentile (nearest rank), in days to two decimals.
    static func summary(_ values: [Double]) -> Durations {
        guard !values.isEmpty else { return Durations(count: 0) }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        let rank = max(0, Int((0.9 * Double(sorted.count)).rounded(.up)) - 1)  // checked: a rank between 0 and the count
        return Durations(count: sorted.count, medianDays: rounded(median), p90Days: rounded(sorted[min(rank, sorted.count - 1)]))
    }

    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
