#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One security-relevant operation, as the audit log records it.
///
/// Directive (EU) 2016/680 Art. 25(1) requires logs of collection, alteration, consultation,
/// disclosure including transfers, combination and erasure; the logs of consultation and disclosure
/// must show the justification, the date and time, the person who did it and, where possible, the
/// recipients. Those are ``purpose``/``legalBasis``, ``time``, ``actor`` and ``recipients`` here.
public struct AuditEvent: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable, CaseIterable {
        case success, denied, failure
    }

    public var time: Date
    public var operation: AuditOperation
    public var outcome: Outcome
    /// Who acted: `user:<name>`, `node:<agency code>` (a partner), `cli` (an operator at the node's
    /// console) or `system` (the node's own services).
    public var actor: String
    /// The actor's role, for users.
    public var role: String?
    /// What the operation was about: `message:<id>`, `user:<name>`, `agreement:<id>`, …
    public var subject: String?
    /// The justification: the purpose the data were processed for.
    public var purpose: String?
    public var legalBasis: String?
    /// Agency codes the data were disclosed to.
    public var recipients: [String]?
    /// Anything else worth keeping, such as the reason of a refusal.
    public var details: [String: String]?

    public init(
        time: Date, operation: AuditOperation, outcome: Outcome = .success, actor: String, role: String? = nil, subject: String? = nil,
        purpose: String? = nil, legalBasis: String? = nil, recipients: [String]? = nil, details: [String: String]? = nil
    ) {
        self.time = time
        self.operation = operation
        self.outcome = outcome
        self.actor = actor
        self.role = role
        self.subject = subject
        self.purpose = purpose
        self.legalBasis = legalBasis
        self.recipients = recipients
        self.details = details
    }
}

/// What was done. The raw value is what the log stores and what filters name.
public enum AuditOperation: String, Codable, Sendable, CaseIterable {
    // Sign-in (successes and failures alike).
    case login = "auth.login"
    case tokenIssued = "auth.token"
    case logout = "auth.logout"
    /// A request refused by the access policy.
    case accessDenied = "access.denied"
    // Administration.
    case userAdded = "user.add"
    /// A user's tokens and sessions ended (sign out everywhere, or an administrator's revocation).
    case userRevoked = "user.revoke"
    case partnerAdded = "partner.add"
    case partnerRemoved = "partner.remove"
    case agreementAdded = "agreement.add"
    case agreementRevoked = "agreement.revoke"
    case configurationChanged = "configuration.change"
    // Exchange: disclosure, collection, consultation.
    case messageSent = "message.send"
    case messageReceived = "message.receive"
    case messageRefused = "message.refuse"
    case messageRead = "message.read"
    case messageForwarded = "message.forward"
    case attachmentStored = "attachment.store"
    case attachmentRead = "attachment.read"
    case permissionRequested = "permission.request"
    case permissionDecided = "permission.decide"
    case onwardUse = "onward.use"
    /// An agreement or handling-code decision of the safeguards engine.
    case policyDecision = "policy.decision"
    /// A disclosure held back for approval, and the approver's decision on it.
    case approvalRequested = "approval.request"
    case approvalDecided = "approval.decide"
    // Retention (Directive 2016/680 Art. 5) and legal holds.
    case recordErased = "retention.erase"
    case recordsAnonymised = "retention.anonymise"
    case legalHoldChanged = "retention.hold"
    // Cases.
    case caseOpened = "case.open"
    case caseChanged = "case.change"
    case caseClosed = "case.close"
    case caseReopened = "case.reopen"
    case caseRead = "case.read"
    // Joint investigation teams.
    case jitProposed = "jit.propose"
    case jitSigned = "jit.sign"
    case jitContributed = "jit.contribute"
    case jitRefused = "jit.refuse"
    case jitRead = "jit.read"
    case jitDisposed = "jit.dispose"
    // Judicial cooperation: instruments drafted, changed, stepped through their life cycle
    // (details: kind, action, from, to, partner, ground), their clocks extended, and read.
    case instrumentDrafted = "instrument.draft"
    case instrumentChanged = "instrument.change"
    case instrumentStep = "instrument.step"
    case instrumentExtended = "instrument.extend"
    case instrumentRead = "instrument.read"
    /// A statutory deadline passed with its clock still running (escalated to the supervisor and
    /// oversight; details: clock, deadline).
    case instrumentDeadlineMissed = "instrument.deadline-missed"
    /// The directory of competent authorities and calendars replaced by an administrator.
    case instrumentDirectoryReplaced = "instrument.directory"
    // Financial investigation: transactions imported into a case (details: file, format, added),
    // funds traced (origin, direction, method, depth), typology scans run (alerts raised).
    case financeImported = "finance.import"
    case financeTraced = "finance.trace"
    case financeScanned = "finance.scan"
    // Data subjects' rights (Directive 2016/680 Arts. 14–17).
    case subjectRequestReceived = "subject-request.receive"
    case subjectRequestSearched = "subject-request.search"
    case subjectRequestDecided = "subject-request.decide"
    case subjectRequestAnswered = "subject-request.answer"
    // Evidence and its chain of custody.
    case evidenceRegistered = "evidence.register"
    case custodyEvent = "evidence.custody"
    case evidenceRead = "evidence.read"
    case evidenceExported = "evidence.export"
    // Sanctions and watch-list screening.
    case listImported = "list.import"
    case listEdited = "list.edit"
    case screeningPerformed = "screening.screen"
    case screeningAdjudicated = "screening.adjudicate"
    case designationRecorded = "designation.record"
    // Hit/no-hit searches (the Prüm model): reference data, searches (local and from partners,
    // details carry the result), and two-step follow-up requests.
    case hitsImported = "hit.import"
    case hitSearched = "hit.search"
    case followUpRequested = "hit.follow-up.request"
    case followUpDecided = "hit.follow-up.decide"
    // The log itself.
    case auditRead = "audit.read"
    /// A security alert: a partner's split view, or a witness refusing this node's log.
    case alertRaised = "alert.raise"
    /// A person's confirmation or rejection of an alert an algorithm raised (Directive 2016/680 Art. 11).
    case alertReviewed = "alert.review"
}

/// A leaf of the audit log: the event with its position, so that a row moved to another index no
/// longer matches its own bytes. The leaf's exact bytes are its JSON with sorted keys.
public struct AuditLeaf: Codable, Sendable, Equatable {
    public var index: UInt64
    public var event: AuditEvent

    public init(index: UInt64, event: AuditEvent) {
        self.index = index
        self.event = event
    }

    /// The leaf's bytes: canonical JSON (sorted keys, ISO 8601 times to the second).
    public func bytes() throws -> Data { try JSON.canonicalEncoder.encode(self) }

    /// Reads a leaf back from its bytes.
    /// - Throws: ``LiaisonError`` `.invalidInput` when they are not a leaf.
    public init(bytes: Data) throws(LiaisonError) {
        do {
            self = try JSON.decoder.decode(AuditLeaf.self, from: bytes)
        } catch {
            throw LiaisonError(.invalidInput, "not an audit leaf: \(error)")
        }
    }

    /// Encodes an event alone, as the queue holds it: the bytes ``JSON/canonicalEncoder`` writes,
    /// by hand (every operation records events, and the encoder's generic path cost more than
    /// the rest of recording them).
    public static func encode(_ event: AuditEvent) throws -> Data {
        try CanonicalJSONWriter.document(event, as: JSON.canonicalEncoder, dates: [event.time]) { json in
            json.beginObject()
            // Keys in the order of their bytes, as `.sortedKeys` has them; absent optionals omitted.
            json.member("actor", event.actor)
            if let details = event.details {
                json.key("details")
                json.object(details)
            }
            json.member("legalBasis", event.legalBasis)
            json.member("operation", event.operation.rawValue)
            json.member("outcome", event.outcome.rawValue)
            json.member("purpose", event.purpose)
            json.member("recipients", event.recipients)
            json.member("role", event.role)
            json.member("subject", event.subject)
            json.member("time", event.time)
            json.endObject()
        }
    }

    /// Decodes an event from the queue.
    public static func decode(event: Data) throws -> AuditEvent { try JSON.decoder.decode(AuditEvent.self, from: event) }
}
