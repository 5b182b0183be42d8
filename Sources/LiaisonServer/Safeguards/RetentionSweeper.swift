package import Foundation
package import LiaisonCore
package import LiaisonCrypto
package import LiaisonSafeguards
package import LiaisonStore
package import Logging
package import ServiceLifecycle

/// What is due for deletion or anonymisation, and what legal holds keep.
package struct RetentionReport: Codable, Sendable {
    package struct Item: Codable, Sendable {
        package var kind: String
        /// `erase` (the sweep erases it) or `review` (a person decides: dispose, or keep under a hold).
        var action: String
        package var id: String
        package var subject: String
        package var caseRef: String?
        package var deleteAt: Date
        /// Due now (past its date) rather than within the look-ahead.
        package var overdue: Bool
        /// The legal hold that suspends deletion, if any.
        package var heldBy: String?
        /// Partners that will be told to erase their copies.
        package var recipients: [String]
    }

    package var generatedAt: Date
    var withinDays: Int
    package var items: [Item]
    /// Screening results that will be anonymised at the next sweep.
    package var screeningResultsDue: Int
    package var holds: [LegalHold]
}

/// What a sweep did.
struct SweepResult: Codable, Sendable {
    var erased: [String]
    var held: [String]
    var notified: [String]
    var noticeFailures: [String]
    var screeningResultsAnonymised: Int
    var decidedRecordsAnonymised: Int = 0
}

/// The retention rules carried out: erases messages whose period ended (and tells the partners
/// that received them), anonymises old screening results, and respects legal holds.
package struct RetentionSweeper: Sendable {
    let store: RetentionStore
    let messages: MessageService
    let safeguards: SafeguardsService
    let trail: AuditTrail
    let clock: any WallClock
    /// The node's cases: a hold names one that exists.
    let cases: CaseService

    /// Records due now and within `days`, with the hold that keeps each.
    package func report(withinDays days: Int) async throws -> RetentionReport {
        try await Self.report(store: store, rules: try await safeguards.configuration().retention, withinDays: days, at: clock.now())
    }

    static func report(store: RetentionStore, rules: RetentionRules, withinDays days: Int, at now: Date) async throws -> RetentionReport {
        let holds = try await store.holds(at: now)
        let horizon = now.addingTimeInterval(TimeInterval(days) * 86_400)
        let items = try await store.messagesDue(before: horizon, legacyDays: rules.messageDays).map { candidate in
            RetentionReport.Item(
                kind: "message", action: "erase", id: candidate.messageID, subject: candidate.subject, caseRef: candidate.caseRef, deleteAt: candidate.deleteAt,
                overdue: candidate.deleteAt <= now,
                heldBy: LegalHold.holding(holds, caseRef: candidate.caseRef, subject: "message:\(candidate.messageID)", at: now)?.id,
                recipients: candidate.recipients
            )
        }
        var evidence: [RetentionReport.Item] = []
        for item in try await store.evidenceRegistered(before: horizon.addingTimeInterval(-TimeInterval(rules.evidenceReviewDays) * 86_400)) {
            // Returned or destroyed items are disposed of: nothing left to review.
            let events = try await store.evidence.events(item.id)
            if let last = events.last, let signed = try? JSON.decoder.decode(SignedCustodyEvent.self, from: last.signedJSON),
               let event = try? JSON.decoder.decode(CustodyEvent.self, from: signed.eventBytes), [.returned, .destroyed].contains(event.action) {
                continue
            }
            let reviewAt = item.registeredAt.addingTimeInterval(TimeInterval(rules.evidenceReviewDays) * 86_400)
            evidence.append(RetentionReport.Item(
                kind: "evidence", action: "review", id: item.id, subject: item.description, caseRef: item.caseRef, deleteAt: reviewAt, overdue: reviewAt <= now,
                heldBy: LegalHold.holding(holds, caseRef: item.caseRef, subject: "evidence:\(item.id)", at: now)?.id, recipients: []
            ))
        }
        let screening = try await store.screeningDue(before: horizon.addingTimeInterval(-TimeInterval(rules.screeningDays) * 86_400))
        return RetentionReport(generatedAt: now, withinDays: days, items: (items + evidence).sorted { $0.deleteAt < $1.deleteAt }, screeningResultsDue: screening, holds: holds)
    }

    /// Erases what is due and not held; anonymises old screening results.
    func sweep() async throws -> SweepResult {
        let now = clock.now()
        let rules = try await safeguards.configuration().retention
        let holds = try await store.holds(at: now)
        var result = SweepResult(erased: [], held: [], notified: [], noticeFailures: [], screeningResultsAnonymised: 0)
        for candidate in try await store.messagesDue(before: now, legacyDays: rules.messageDays) {
            let subject = "message:\(candidate.messageID)"
            if LegalHold.holding(holds, caseRef: candidate.caseRef, subject: subject, at: now) != nil {
                result.held.append(candidate.messageID)
                continue
            }
            let reason = "The retention period ended on \(candidate.deleteAt.formatted(.iso8601)) (Directive 2016/680 Art. 5)."
            let erasure = try await erase(message: candidate.messageID, reason: reason, actor: "system", at: now)
            if erasure.erased { result.erased.append(candidate.messageID) }
            result.notified += erasure.notified
            result.noticeFailures += erasure.failures
        }
        let cutoff = now.addingTimeInterval(-TimeInterval(rules.screeningDays) * 86_400)
        result.screeningResultsAnonymised = try await store.anonymiseScreening(before: cutoff, audit: { count in
            AuditEvent(time: now, operation: .recordsAnonymised, actor: "system", subject: "screening-results",
                       details: ["count": "\(count)", "before": cutoff.formatted(.iso8601), "reason": "retention period of \(rules.screeningDays) days"])
        }, at: now)
        let decidedCutoff = now.addingTimeInterval(-TimeInterval(rules.decidedRecordDays) * 86_400)
        result.decidedRecordsAnonymised = try await store.anonymiseDecided(before: decidedCutoff, audit: { count in
            AuditEvent(time: now, operation: .recordsAnonymised, actor: "system", subject: "decided-approvals-and-subject-requests",
                       details: ["count": "\(count)", "before": decidedCutoff.formatted(.iso8601), "reason": "retention period of \(rules.decidedRecordDays) days after the decision"])
        }, at: now)
        await trail.wakeup.signal()
        return result
    }

    /// Erases one message of this node, first telling the partners it was delivered to (Directive
    /// 2016/680 Art. 7(3)) with an erasure notice; logs `retention.erase` with the reason.
    /// - Returns: whether it was erased, whom the notice went to, and the notices that failed.
    func erase(message id: String, reason: String, actor: String, details extra: [String: String] = [:], at now: Date) async throws -> (erased: Bool, notified: [String], failures: [String]) {
        guard let record = try await messages.messages.message(id) else { return (false, [], []) }
        var details = extra.merging(["reason": reason, "box": record.box.rawValue]) { $1 }
        if let caseRef = record.message.caseRef { details["caseRef"] = caseRef }
        var notified: [String] = [], failures: [String] = []
        let recipients = record.box == .outbox && record.message.erasure == nil ? try await store.deliveredRecipients(of: id) : []
        for recipient in recipients {
            let notice = MessageRequest(
                to: [recipient], subject: "Erasure notice: \(record.message.subject)",
                body: "\(messages.ownAgencyCode) erased message \(id). \(reason) Please erase your copy.",
                entities: nil, purpose: record.message.purpose, legalBasis: record.message.legalBasis, handlingCode: .h0, handlingRestriction: nil,
                evaluation: Evaluation(source: .a, information: .one), caseRef: record.message.caseRef, inReplyTo: id, retainUntil: nil
            )
            do {
                _ = try await messages.send(notice, actor: actor, principal: nil, erasure: ErasureNotice(about: id, reason: reason)).sentRecord()
                notified.append(recipient)
            } catch {
                let (_, code) = MessageService.classify(error)
                failures.append("\(recipient): \(code)")
                details["noticeFailed.\(recipient)"] = code
            }
        }
        if !notified.isEmpty { details["notified"] = notified.joined(separator: ",") }
        let event = AuditEvent(
            time: now, operation: .recordErased, actor: actor, subject: "message:\(id)", purpose: record.message.purpose,
            recipients: notified.isEmpty ? nil : notified, details: details
        )
        let erased = try await store.erase(message: id, audit: [event], at: now)
        return (erased, notified, failures)
    }

    /// Places a legal hold.
    /// - Throws: ``LiaisonError`` 400 naming the bad field.
    func placeHold(caseRef: String?, subject: String?, reason: String, until: Date, actor: String, role: Role?) async throws -> LegalHold {
        let now = clock.now()
        let hold = LegalHold(
            id: UUIDv7.make(at: now).uuidString.lowercased(), caseRef: caseRef?.trimmingCharacters(in: .whitespaces), subject: subject,
            reason: reason.trimmingCharacters(in: .whitespacesAndNewlines), until: until, createdBy: actor, createdAt: now
        )
        try hold.validate(at: now)
        if let caseRef = hold.caseRef { try await cases.requireKnown(caseRef) }
        var details = ["reason": hold.reason, "until": until.formatted(.iso8601), "change": "placed"]
        if let caseRef = hold.caseRef { details["caseRef"] = caseRef }
        if let subject = hold.subject { details["record"] = subject }
        try await store.place(hold, audit: trail.event(.legalHoldChanged, actor: actor, role: role?.rawValue, subject: "legal-hold:\(hold.id)", details: details), at: now)
        await trail.wakeup.signal()
        return hold
    }

    func releaseHold(_ id: String, actor: String, role: Role?) async throws -> LegalHold {
        let hold = try await store.release(id, by: actor, audit: trail.event(.legalHoldChanged, actor: actor, role: role?.rawValue, subject: "legal-hold:\(id)", details: ["change": "released"]), at: clock.now())
        await trail.wakeup.signal()
        return hold
    }
}
