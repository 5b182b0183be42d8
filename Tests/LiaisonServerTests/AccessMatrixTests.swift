import Foundation
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonSafeguards
@testable import LiaisonServer
import LiaisonTestSupport
import Testing

/// Deny by default: every route declares its roles, and the node enforces exactly those.
@Suite("Role × route matrix")
struct AccessMatrixTests {
    /// The intended access of every route, written out independently of the code. Widening a
    /// route's roles in the code (or adding a route without deciding its roles here) fails the test.
    static let expected: [String: AccessRule] = [
        "GET /healthz": .anonymous,
        "GET /readyz": .anonymous,
        "GET /metrics": .anonymous,
        "GET /api/v1/openapi.json": .anonymous,
        "POST /api/v1/auth/token": .anonymous,
        "POST /api/v1/auth/revocation": .anyRole,
        "POST /api/v1/users/:username/revocation": .only(.administrator),
        "GET /api/v1/node": .anyRole,
        "GET /api/v1/users": .only(.administrator),
        "POST /api/v1/users": .only(.administrator),
        "GET /api/v1/partners": .anyRole,
        "POST /api/v1/partners": .only(.administrator),
        "DELETE /api/v1/partners/:agencyCode": .only(.administrator),
        "GET /api/v1/agreements": .anyRole,
        "GET /api/v1/agreements/:id": .anyRole,
        "POST /api/v1/agreements": .only(.administrator),
        "POST /api/v1/agreements/:id/revoke": .only(.administrator),
        "POST /api/v1/messages": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/messages": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/messages/:id": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/attachments": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/messages/:id/attachments/:sha256": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/messages/:id/forward": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/messages/:id/permission-requests": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/messages/:id/onward-use": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/messages/:id/permission-decision": .only(.supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/audit/checkpoint": .only(.oversight, .dataProtectionOfficer, .administrator),
        "POST /api/v1/audit/checkpoint": .only(.oversight, .dataProtectionOfficer, .administrator),
        "GET /api/v1/audit/entries": .only(.oversight, .dataProtectionOfficer, .administrator),
        "GET /api/v1/audit/proofs/inclusion": .only(.oversight, .dataProtectionOfficer, .administrator),
        "GET /api/v1/audit/proofs/consistency": .only(.oversight, .dataProtectionOfficer, .administrator),
        "GET /api/v1/evidence": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/evidence": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/evidence/:id": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "PUT /api/v1/evidence/:id/content": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/evidence/:id/content": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/evidence/:id/events": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/evidence/:id/package": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/evidence/:id/transfer": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/alerts": .only(.oversight, .dataProtectionOfficer, .administrator),
        // The federation listener: callers are partner nodes, authenticated by envelope and receipt signatures.
        "GET /federation/v1/identity": .anonymous,
        "POST /federation/v1/envelopes": .anonymous,
        "POST /federation/v1/envelopes/batch": .anonymous,
        "POST /federation/v1/receipts": .anonymous,
        "POST /federation/v1/witness/add-checkpoint": .anonymous,
        "GET /federation/v1/audit/checkpoint": .anonymous,
        "GET /federation/v1/hits/key": .anonymous,
        "POST /federation/v1/hits/queries": .anonymous,
        "POST /federation/v1/hits/buckets": .anonymous,
        "POST /federation/v1/hits/follow-ups": .anonymous,
        "POST /federation/v1/hits/follow-ups/status": .anonymous,
        "GET /messages": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /messages/new": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /messages": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /messages/:id": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /messages/:id/attachments/:sha256": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /messages/:id/forward": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /messages/:id/permission-requests": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /messages/:id/permission-decision": .only(.supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /evidence": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /evidence": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /evidence/:id": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /evidence/:id/events": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /evidence/:id/package": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /evidence/files": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /evidence/:id/transfer": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /audit": .only(.oversight, .dataProtectionOfficer, .administrator),
        "GET /audit/entries/:index": .only(.oversight, .dataProtectionOfficer, .administrator),
        // Screening: screeners screen and adjudicate; supervisors and administrators keep lists; designation is a legal decision.
        "GET /api/v1/lists": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority, .administrator),
        "POST /api/v1/lists/:name/import": .only(.supervisor, .administrator),
        "GET /api/v1/lists/:name/entries": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority, .administrator),
        "PUT /api/v1/lists/:name/entries/:id": .only(.supervisor, .administrator),
        "DELETE /api/v1/lists/:name/entries/:id": .only(.supervisor, .administrator),
        "POST /api/v1/screening": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/screening/batch": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/screening/results": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/screening/results/:id/adjudication": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/designations": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/designations": .only(.supervisor, .judicialAuthority),
        "POST /api/v1/designations/:id/response": .only(.supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/designations/:id/override": .only(.supervisor, .judicialAuthority),
        "POST /api/v1/designations/:id/withdrawal": .only(.supervisor, .judicialAuthority),
        // Hit/no-hit: case handlers search; supervisors and administrators keep the reference data.
        "GET /api/v1/hits": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority, .administrator),
        "POST /api/v1/hits/:category/import": .only(.supervisor, .administrator),
        "DELETE /api/v1/hits/:category/:reference": .only(.supervisor, .administrator),
        "POST /api/v1/hits/:category/search": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/hits/:category/partner-search": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/hits/follow-ups": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/hits/follow-ups": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/hits/follow-ups/:id": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/hits/follow-ups/:id/decision": .only(.supervisor, .judicialAuthority),
        "GET /hits": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority, .administrator),
        "POST /hits/search": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /hits/import": .only(.supervisor, .administrator),
        "GET /hits/follow-ups": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /hits/follow-ups": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /hits/follow-ups/:id/decision": .only(.supervisor, .judicialAuthority),
        "GET /screening": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /screening": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /screening/results/:id/adjudication": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /screening/lists": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority, .administrator),
        "POST /screening/lists/entries": .only(.supervisor, .administrator),
        "POST /screening/lists/import": .only(.supervisor, .administrator),
        "POST /screening/lists/entries/removal": .only(.supervisor, .administrator),
        "GET /screening/designations": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/approvals": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/approvals/:id": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/approvals/:id/decision": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/safeguards/configuration": .only(.supervisor, .dataProtectionOfficer, .oversight, .administrator),
        "PUT /api/v1/safeguards/configuration": .only(.administrator),
        "GET /approvals": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/subject-requests": .only(.dataProtectionOfficer),
        "POST /api/v1/subject-requests": .only(.dataProtectionOfficer),
        "GET /api/v1/subject-requests/:id": .only(.dataProtectionOfficer),
        "POST /api/v1/subject-requests/:id/search": .only(.dataProtectionOfficer),
        "POST /api/v1/subject-requests/:id/decision": .only(.dataProtectionOfficer),
        "GET /api/v1/subject-requests/:id/answer": .only(.dataProtectionOfficer),
        "GET /subject-requests": .only(.dataProtectionOfficer),
        "POST /subject-requests": .only(.dataProtectionOfficer),
        "GET /subject-requests/:id": .only(.dataProtectionOfficer),
        "POST /subject-requests/:id/search": .only(.dataProtectionOfficer),
        "POST /subject-requests/:id/decision": .only(.dataProtectionOfficer),
        "GET /subject-requests/:id/answer": .only(.dataProtectionOfficer),
        "GET /api/v1/retention": .only(.supervisor, .judicialAuthority, .dataProtectionOfficer, .oversight, .administrator),
        "POST /api/v1/retention/sweep": .only(.dataProtectionOfficer, .administrator),
        "GET /cases": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /cases": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /cases/:reference": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /cases/:reference": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /cases/:reference/close": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /cases/:reference/reopen": .only(.supervisor),
        "GET /jits": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /jits": .only(.supervisor, .judicialAuthority),
        "GET /jits/:id": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /jits/:id/contributions": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /jits/:id/signature": .only(.supervisor, .judicialAuthority),
        "POST /jits/:id/files": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /jits/:id/dossier/:entity": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/jits/:id/files": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/jits/:id/files/:file": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/jits/reminders": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/instrument-forms": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "GET /api/v1/instruments/reminders": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "GET /api/v1/judicial/directory": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator, .administrator),
        "PUT /api/v1/judicial/directory": .only(.administrator),
        "GET /api/v1/instruments/:id/translations/:sha256": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "GET /api/v1/instruments/statistics": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator, .oversight, .dataProtectionOfficer),
        "GET /api/v1/instrument-forms/:form": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "GET /api/v1/instruments": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "POST /api/v1/instruments": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "GET /api/v1/instruments/:id": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "PUT /api/v1/instruments/:id/document": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "POST /api/v1/instruments/:id/steps": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "POST /api/v1/instruments/:id/extensions": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "GET /instruments": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "GET /instruments/statistics": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator, .oversight, .dataProtectionOfficer),
        "GET /instruments/new": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "POST /instruments/new": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "POST /instruments/check": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "GET /instruments/:id": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "GET /instruments/:id/edit": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "GET /instruments/:id/print": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "GET /instruments/:id/pdf": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "POST /instruments/:id/edit": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "POST /instruments/:id/steps": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "POST /instruments/:id/extensions": .only(.judicialAuthority, .liaisonOfficer, .supervisor, .investigator),
        "GET /api/v1/jits/:id/ledger": .only(.supervisor, .judicialAuthority, .oversight, .dataProtectionOfficer),
        "GET /api/v1/jits/:id/entities/:entity/dossier": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/jits/:id/evaluation": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/jits/:id/graph": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/jits/:id/graph/export": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/jits": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/jits": .only(.supervisor, .judicialAuthority),
        "POST /api/v1/jits/sync": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/jits/:id": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/jits/:id/signature": .only(.supervisor, .judicialAuthority),
        "POST /api/v1/jits/:id/contributions": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /federation/v1/jit": .anonymous,
        "GET /api/v1/cases": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/cases": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/cases/:reference": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "PATCH /api/v1/cases/:reference": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/cases/:reference/close": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/cases/:reference/reopen": .only(.supervisor),
        "GET /api/v1/cases/:reference/file": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/cases/:reference/finance/imports": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/cases/:reference/finance/imports/from-message": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/cases/:reference/finance/transactions": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/cases/:reference/finance/trace": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/cases/:reference/finance/scan": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/cases/:reference/finance/alerts": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /api/v1/cases/:reference/finance/alerts/:alert/decision": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /cases/:reference/finance": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /cases/:reference/finance/import": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /cases/:reference/finance/import-attachment": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /cases/:reference/finance/trace": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /cases/:reference/finance/scan": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /cases/:reference/finance/alerts/:alert": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "GET /api/v1/legal-holds": .only(.supervisor, .judicialAuthority, .dataProtectionOfficer, .oversight, .administrator),
        "POST /api/v1/legal-holds": .only(.supervisor, .judicialAuthority),
        "POST /api/v1/legal-holds/:id/release": .only(.supervisor, .judicialAuthority),
        "GET /api/v1/oversight/summary": .only(.oversight, .dataProtectionOfficer),
        "GET /api/v1/oversight/anomalies": .only(.oversight, .dataProtectionOfficer),
        "POST /api/v1/oversight/scan": .only(.oversight, .dataProtectionOfficer),
        "GET /api/v1/reports/transparency": .only(.oversight, .dataProtectionOfficer),
        "GET /oversight": .only(.oversight, .dataProtectionOfficer),
        "GET /retention": .only(.supervisor, .judicialAuthority, .dataProtectionOfficer, .oversight, .administrator),
        "POST /retention/holds": .only(.supervisor, .judicialAuthority),
        "POST /retention/holds/:id/release": .only(.supervisor, .judicialAuthority),
        "POST /oversight/alerts/:id/review": .only(.oversight, .dataProtectionOfficer),
        "POST /api/v1/oversight/alerts/:id/review": .only(.oversight, .dataProtectionOfficer),
        "GET /oversight/transparency": .only(.oversight, .dataProtectionOfficer),
        "GET /approvals/:id": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /approvals/:id/decision": .only(.investigator, .analyst, .supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /screening/designations": .only(.supervisor, .judicialAuthority),
        "POST /screening/designations/:id/response": .only(.supervisor, .liaisonOfficer, .judicialAuthority),
        "POST /screening/designations/:id/override": .only(.supervisor, .judicialAuthority),
        "POST /screening/designations/:id/withdrawal": .only(.supervisor, .judicialAuthority),
        "GET /": .anonymous,
        "GET /static/style.css": .anonymous,
        "GET /static/instrument-form.js": .anonymous,
        "GET /login": .anonymous,
        "POST /login": .anonymous,
        "POST /logout": .anyRole,
        "GET /dashboard": .anyRole,
    ]

    @Test("every route's declared roles are exactly the intended ones")
    func declaredRolesMatchIntent() async throws {
        let node = try await TestNode.make { $0.federationPort = 0 }
        let declared = Dictionary(uniqueKeysWithValues: node.app.routes.map { ("\($0.method) \($0.path)", $0.access) })
        #expect(Set(declared.keys) == Set(Self.expected.keys), "routes added or removed without updating the access matrix")
        for (route, rule) in declared {
            #expect(rule == Self.expected[route], "\(route) declares \(rule), intended \(Self.expected[route].map(String.init(describing:)) ?? "nothing")")
        }
        await node.close()
    }

    @Test("the node enforces each route's roles for every role and for anonymous callers", arguments: Backend.available)
    func enforcement(backend: Backend) async throws {
        let node = try await TestNode.make(backend: backend)
        for role in Role.allCases { try await node.addUser(role) }
        try await node.app.application.test(.router) { client in
            var tokens: [Role: String] = [:]
            for role in Role.allCases { tokens[role] = try await client.token(role.rawValue, "correct horse battery") }
            // Federation routes live on the other listener; ExchangeTests cover their signature checks.
            for spec in node.app.routes where spec.surface != .federation {
                let anonymous = try await client.execute(uri: spec.path, method: spec.method)
                switch spec.access {
                case .anonymous:
                    #expect(![401, 403].contains(anonymous.status.code), "\(spec) should be open to anonymous callers")
                default:
                    let expected: Int = spec.surface == .web ? 303 : 401
                    #expect(anonymous.status.code == expected, "\(spec) answered \(anonymous.status.code) to an anonymous caller")
                }
                for role in Role.allCases {
                    let response = try await client.execute(uri: spec.path, method: spec.method, headers: [.authorization: "Bearer \(tokens[role]!)"])
                    if spec.access.admittedRoles.contains(role) {
                        if spec.surface == .web, spec.method != .get, spec.access != .anonymous {
                            // A web form takes only a browser session (its CSRF token); a bearer
                            // token of an admitted role is refused as such, not for its role.
                            #expect(response.status == .forbidden && response.text.contains("browser session"), "\(spec) with a bearer token: \(response.status.code)")
                            continue
                        }
                        #expect(![401, 403].contains(response.status.code), "\(spec) refused \(role.rawValue): \(response.text)")
                        // "Sign out everywhere" ends the token it was called with: a fresh one for the next route.
                        if spec.path == "/api/v1/auth/revocation" { tokens[role] = try await client.token(role.rawValue, "correct horse battery") }
                    } else {
                        #expect(response.status == .forbidden, "\(spec) let \(role.rawValue) through with \(response.status.code)")
                        #expect(response.problem?.reasons == ["role-not-permitted"])
                    }
                }
            }
        }
    }

    @Test("an operation without a declared rule is denied")
    func undeclaredIsDenied() {
        let principal = Principal(userID: "1", username: "root", role: .administrator)
        #expect(!AccessPolicy.decide(principal: principal, rule: nil).isPermit)
    }
}
