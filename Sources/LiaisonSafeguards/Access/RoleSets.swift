import LiaisonCore

/// Every set of roles that a route admits, in one table: who works with case content, who manages
/// reference data, who decides, who oversees. A route names one of these (or `.anonymous`,
/// `.anyRole`); `AccessMatrixTests` walks every registered route against them, and
/// `docs/access.md` is this table in words.
extension AccessRule {
    /// The roles that handle case content: messages, attachments, evidence, hit/no-hit searches and
    /// follow-ups, screening, the approvals they asked for.
    public static let caseHandlers: AccessRule = .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority)
    /// Who decides on a partner's request to use a message further (onward transfer).
    public static let permissionDeciders: AccessRule = .only(.supervisor, .liaisonOfficer, .judicialAuthority)
    /// Who decides what needs a judicial or supervisory decision: legal holds, hit follow-ups,
    /// designations on the national list.
    public static let judicialDeciders: AccessRule = .only(.supervisor, .judicialAuthority)
    /// Who reads a JIT space's ledger of uploads and downloads (the traceability record of Reg. (EU) 2023/969): the
    /// parties' leaders, oversight and the data-protection officer.
    public static let jitLedgerReaders: AccessRule = .only(.supervisor, .judicialAuthority, .oversight, .dataProtectionOfficer)
    /// Who works with judicial-cooperation instruments: judicial authorities issue, validate and
    /// decide; the central authority's desk (liaison officers) transmits and tracks; supervisors
    /// read the register; investigators draft the EIOs a judicial authority then validates.
    public static let instrumentHandlers: AccessRule = .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator)
    /// Who reads the statistics of judicial cooperation (computed from the audit log, no content):
    /// those who handle instruments, oversight and the data-protection officer.
    public static let instrumentStatisticsReaders: AccessRule = .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator, .oversight, .dataProtectionOfficer)
    /// Supervisors alone: reopening a closed case.
    public static let supervisors: AccessRule = .only(.supervisor)
    /// Who manages reference data: hit/no-hit reference files and screening lists.
    public static let referenceDataManagers: AccessRule = .only(.supervisor, .administrator)
    /// Who reads the audit log, its proofs and the alerts: statistics about access, never content.
    public static let auditReaders: AccessRule = .only(.oversight, .dataProtectionOfficer, .administrator)
    /// The oversight console and the transparency report.
    public static let overseers: AccessRule = .only(.oversight, .dataProtectionOfficer)
    /// Data-subject requests (Directive 2016/680 Arts. 14-16) are the data-protection officer's.
    public static let subjectRequestOfficers: AccessRule = .only(.dataProtectionOfficer)
    /// Who sees what retention will erase and what is held: it names records and cases, not content.
    public static let retentionReaders: AccessRule = .only(.supervisor, .judicialAuthority, .dataProtectionOfficer, .oversight, .administrator)
    /// Who runs a retention sweep on demand.
    public static let retentionSweepers: AccessRule = .only(.dataProtectionOfficer, .administrator)
    /// Who reads the safeguards' configuration.
    public static let safeguardsReaders: AccessRule = .only(.supervisor, .dataProtectionOfficer, .oversight, .administrator)
    /// The node's administrators: users, partners, agreements, the safeguards' configuration.
    public static let administrators: AccessRule = .only(.administrator)
}
