import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonCrypto
@testable import LiaisonServer
import LiaisonStore
import LiaisonTestSupport
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Logging
import Testing

/// The findings of the attacker's review (issue 20): each was a request that stopped the node or
/// told an attacker something. Each test here reproduced its finding before the fix.
@Suite("Hardening: no request stops the node")
struct HardeningTests {
    /// A multipart body is valid only with a boundary of 1–70 RFC 2046 characters.
    @Test(
        "multipart uploads with an empty or invalid boundary are refused with 400 before parsing",
        arguments: ["boundary=", "boundary=\"\"", "boundary= ", "boundary=\"a b \"", "boundary=\(String(repeating: "x", count: 71))", "boundary=é", "boundary=a;boundary=b", "charset=utf-8"]
    )
    func multipartBoundary(parameter: String) async throws {
        let node = try await TestNode.make()
        let names = CookieNames(agencyCode: "XA-POL")
        // A supervisor may post to all three upload forms.
        let supervisor = try await node.addUser(.supervisor)
        try await node.app.application.test(.router) { client in
            let (cookie, _) = try await WebEvidenceAuditTests.signIn(client, supervisor, names: names)
            for path in ["/evidence/files", "/hits/import", "/screening/lists/import"] {
                let response = try await client.execute(
                    uri: path, method: .post, headers: [.cookie: cookie, .contentType: "multipart/form-data; \(parameter)"],
                    body: ByteBuffer(string: "--\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nx\r\n----\r\n")
                )
                #expect(response.status == .badRequest || response.status == .unsupportedMediaType, "\(path) with \(parameter): \(response.status)")
            }
            // The node still answers.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test("RFC 2046 boundaries: quoted and unquoted accepted, empty, long, trailing space and non-ASCII refused")
    func boundaryRule() {
        #expect(FormReader.boundary(ofContentType: "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxk") == "----WebKitFormBoundary7MA4YWxk")
        #expect(FormReader.boundary(ofContentType: "multipart/form-data; charset=utf-8; boundary=\"a'()+_,-./:=? b\"") == "a'()+_,-./:=? b")
        #expect(FormReader.boundary(ofContentType: "multipart/form-data; boundary=") == nil)
        #expect(FormReader.boundary(ofContentType: "multipart/form-data; boundary=\"\"") == nil)
        #expect(FormReader.boundary(ofContentType: "multipart/form-data; boundary=\"abc \"") == nil)
        #expect(FormReader.boundary(ofContentType: "multipart/form-data; boundary=\(String(repeating: "b", count: 70))") != nil)
        #expect(FormReader.boundary(ofContentType: "multipart/form-data; boundary=\(String(repeating: "b", count: 71))") == nil)
        #expect(FormReader.boundary(ofContentType: "multipart/form-data; boundary=\u{0}") == nil)
        #expect(FormReader.boundary(ofContentType: "multipart/form-data") == nil)
    }

    @Test("a bearer token on a web form is refused with 403 before the body is read")
    func bearerOnWebForms() async throws {
        let node = try await TestNode.make()
        let investigator = try await node.addUser(.investigator)
        try await node.app.application.test(.router) { client in
            let token = try await client.token(investigator.username, investigator.password)
            for path in ["/evidence/files", "/hits/import", "/screening/lists/import", "/messages"] {
                let response = try await client.execute(
                    uri: path, method: .post, headers: [.authorization: "Bearer \(token)", .contentType: "multipart/form-data; boundary="],
                    body: ByteBuffer(string: "--")
                )
                #expect(response.status == .forbidden, "\(path): \(response.status)")
            }
        }
    }

    @Test(
        "audit pages and API answer 400 for indexes beyond a signed 64-bit integer, never trap",
        arguments: [
            "/audit/entries/9223372036854775807", "/audit/entries/9223372036854775808", "/audit/entries/18446744073709551615", "/audit/entries/99999999999999999999",
            "/audit?before=9223372036854775808", "/audit?before=18446744073709551615", "/audit?before=-1", "/audit/entries/007",
        ]
    )
    func auditIndexes(path: String) async throws {
        let node = try await TestNode.make()
        let names = CookieNames(agencyCode: "XA-POL")
        let officer = try await node.addUser(.dataProtectionOfficer)
        try await node.app.application.test(.router) { client in
            let (cookie, _) = try await WebEvidenceAuditTests.signIn(client, officer, names: names)
            let page = try await client.execute(uri: path, method: .get, headers: [.cookie: cookie])
            #expect([400, 404].contains(page.status.code), "\(path): \(page.status)")
            let token = try await client.token(officer.username, officer.password)
            for api in ["/api/v1/audit/entries?start=0&end=18446744073709551615", "/api/v1/audit/proofs/inclusion?index=9223372036854775808&size=18446744073709551615",
                        "/api/v1/audit/proofs/consistency?from=9223372036854775807&to=18446744073709551615", "/api/v1/audit/entries?start=9223372036854775807&end=9223372036854775807"] {
                let response = try await client.json(api, token: token)
                #expect(response.status.code < 500, "\(api): \(response.status)")
            }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test("log sizes parse as canonical decimals up to 2^63 − 1 and convert for storage without trapping")
    func checkedLogSizes() throws {
        #expect(CheckedInteger.logSize("0") == 0)
        #expect(CheckedInteger.logSize("9223372036854775807") == UInt64(Int64.max))
        for text in ["9223372036854775808", "18446744073709551615", "99999999999999999999", "", "-1", "+1", "01", " 1", "1 ", "١٢"] {
            #expect(CheckedInteger.logSize(text) == nil, "\(text)")
        }
        #expect(throws: LiaisonError.self) { try CheckedInteger.stored(UInt64.max) }
        #expect(throws: LiaisonError.self) { try CheckedInteger.loaded(-1) }
        #expect(throws: LiaisonError.self) { try Checkpoint(text: "liaison/XB-CUS/audit\n9223372036854775808\n\(Merkle.leafHash(Data()).base64EncodedString())\n") }
        #expect(throws: LiaisonError.self) { try AddCheckpointRequest(body: "old 18446744073709551615\n\nx") }
    }

    @Test("the witness store refuses sizes it cannot store instead of trapping", arguments: Backend.available)
    func witnessStoreSizes(backend: Backend) async throws {
        let node = try await TestNode.make(backend: backend)
        let store = WitnessStore(database: node.app.database)
        await #expect(throws: LiaisonError.self) { try await store.setProgress(witness: "XB-CUS", size: UInt64.max, at: node.clock.now()) }
        await #expect(throws: LiaisonError.self) {
            try await store.saveWitnessed(WitnessedCheckpoint(origin: "liaison/XB-CUS/audit", size: UInt64(Int64.max) + 1, root: Data(count: 32), note: ""), at: node.clock.now())
        }
        #expect(try await store.progress(witness: "XB-CUS") == 0)
        #expect(try await store.witnessed(origin: "liaison/XB-CUS/audit") == nil)
        await node.close()
    }

    @Test("a partner's signed checkpoint of size 2^63 is refused with 400 and the node stays up")
    func hugeCheckpointFromPartner() async throws {
        try await LiveFederation.run { federation in
            let keys = try NodeDirectory(path: federation.nodes[1].directory).load().keys
            let root = Merkle.leafHash(Data()).base64EncodedString()
            for size in ["9223372036854775808", "18446744073709551615"] {
                let text = "liaison/XB-CUS/audit\n\(size)\n\(root)\n"
                let note = SignedNote.format(text: text, signatures: [try SignedNote.sign(text, name: "liaison/XB-CUS/audit", key: keys.signing)])
                let reply = try await federation.postWitness(0, body: "old 0\n\n" + note)
                #expect(reply.status == 400, "\(size): \(reply.status) \(reply.text)")
                #expect(try await federation.postWitness(0, body: "old \(size)\n\n" + note).status == 400)
            }
            #expect(try await federation.call(0, "/healthz", token: .some(nil)).status == 200)
        }
    }

    @Test("the federation listener reads no body from a client without a partner's certificate, or with a stranger's")
    func federationMutualTLS() async throws {
        try await LiveFederation.run { federation in
            var identity = federation.nodes[0].app.identity
            identity.endpoint = "https://127.0.0.1:\(federation.ports[0].federation)"
            let partner = PartnerRecord(identity: identity, addedAt: Date(), addedBy: "test")
            // No client certificate: the public reads work, a post is refused before its body.
            let anonymous = try FederationClients(insecureLoopback: false)
            let (client, endpoint) = try await anonymous.client(for: partner)
            #expect(try await client.execute(HTTPClientRequest(url: endpoint + "/federation/v1/identity"), timeout: .seconds(10)).status == .ok)
            var post = HTTPClientRequest(url: endpoint + "/federation/v1/envelopes/batch")
            post.method = .POST
            post.headers.add(name: "Content-Type", value: "application/json")
            post.body = .bytes(ByteBuffer(repeating: UInt8(ascii: "a"), count: 1 << 20))
            let refused = try await client.execute(post, timeout: .seconds(10))
            #expect(refused.status == .unauthorized)
            #expect(String(buffer: try await refused.body.collect(upTo: 1 << 16)).contains("partner-certificate-required"))
            await anonymous.shutdown()
            // A certificate that is not a partner's: refused before the body is read.
            let strangerKeys = try NodeKeys.generate(
                for: try NodeProfile(agencyCode: "XZ-ZZZ", name: "Stranger", jurisdiction: "XZ", endpoint: "https://127.0.0.1:1"), now: Date()
            )
            let stranger = try FederationClients(
                insecureLoopback: false, tlsCertificatePEM: try strangerKeys.tlsCertificatePEM(), tlsKeyPEM: strangerKeys.tlsKey.pemRepresentation
            )
            let (strangerClient, _) = try await stranger.client(for: partner)
            var strangerPost = HTTPClientRequest(url: endpoint + "/federation/v1/envelopes/batch")
            strangerPost.method = .POST
            strangerPost.body = .bytes(ByteBuffer(repeating: UInt8(ascii: "a"), count: 1 << 20))
            let strangerAnswer = try await strangerClient.execute(strangerPost, timeout: .seconds(10))
            #expect(strangerAnswer.status == .forbidden)
            #expect(String(buffer: try await strangerAnswer.body.collect(upTo: 1 << 16)).contains("not-a-partner"))
            await stranger.shutdown()
            // A partner's certificate: the request is read and answered.
            let answered = try await federation.postFederation(0, "/federation/v1/envelopes/batch", body: "{not json")
            #expect(answered.status == 400)
        }
    }

    @Test("an unknown username locks after the same failures as a real one, so a 429 tells nothing", arguments: Backend.available)
    func unknownUsersLockToo(backend: Backend) async throws {
        let node = try await TestNode.make(backend: backend)
        try await node.addUser(.analyst)
        try await node.app.application.test(.router) { client in
            for name in ["analyst", "nobody"] {
                for _ in 0..<5 {
                    let response = try await client.json("/api/v1/auth/token", method: .post, body: #"{"username":"\#(name)","password":"guess guess guess"}"#)
                    #expect(response.status == .unauthorized)
                }
                let locked = try await client.json("/api/v1/auth/token", method: .post, body: #"{"username":"\#(name)","password":"guess guess guess"}"#)
                #expect(locked.status == .tooManyRequests, "\(name)")
            }
        }
    }

    @Test("failures from one client across many usernames stop that client (password spraying)")
    func sprayingIsLimited() async throws {
        let node = try await TestNode.make { $0.loginThrottle.clientFailures = 8 }
        let user = try await node.addUser(.analyst)
        try await node.app.application.test(.live) { client in
            for index in 0..<8 {
                let response = try await client.json("/api/v1/auth/token", method: .post, body: #"{"username":"user\#(index)","password":"guess guess guess"}"#)
                #expect(response.status == .unauthorized)
            }
            let refused = try await client.json("/api/v1/auth/token", method: .post, body: #"{"username":"analyst","password":"\#(user.password)"}"#)
            #expect(refused.status == .tooManyRequests)
            node.clock.advance(by: 10 * 60 + 1)
            #expect(try await client.json("/api/v1/auth/token", method: .post, body: #"{"username":"analyst","password":"\#(user.password)"}"#).status == .ok)
        }
    }
}

@Suite("Hardening: the staff listener over TLS, idle connections")
struct StaffListenerTests {
    /// Runs one node with its listeners on loopback for `body`, given the staff port.
    static func serve(_ configure: @escaping (inout NodeConfiguration) -> Void, _ body: (Int) async throws -> Void) async throws {
        let ports = Ports()
        let node = try await TestNode.make(ports: ports) {
            $0.federationPort = 0
            configure(&$0)
        }
        let group = ServiceGroup(configuration: .init(services: [node.app.application], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body(await ports.bound().web)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test("with a certificate and key the API and pages are served over HTTPS with HSTS, and plain HTTP gets no answer")
    func staffTLS() async throws {
        let keys = try NodeKeys.generate(for: try NodeProfile(agencyCode: "XA-POL", name: "Test", jurisdiction: "XA", endpoint: "https://127.0.0.1:1"), now: Date())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("staff.crt").path, key = directory.appendingPathComponent("staff.key").path
        try keys.tlsCertificatePEM().write(toFile: certificate, atomically: true, encoding: .utf8)
        try keys.tlsKey.pemRepresentation.write(toFile: key, atomically: true, encoding: .utf8)
        try await Self.serve({ $0.tlsCertificatePath = certificate; $0.tlsKeyPath = key }) { port in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(try keys.tlsCertificatePEM().utf8), format: .pem)])
            tls.certificateVerification = .noHostnameVerification
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
            do {
                let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/login"), timeout: .seconds(10))
                #expect(response.status == .ok)
                #expect(response.headers.first(name: "Strict-Transport-Security") == "max-age=31536000; includeSubDomains")
                await #expect(throws: (any Error).self) {
                    _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5)).body.collect(upTo: 1024)
                }
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    @Test("a certificate without its key is a configuration error")
    func halfConfigured() async throws {
        await #expect(throws: LiaisonError.self) { _ = try await TestNode.make { $0.tlsCertificatePath = "/nonexistent.crt" } }
    }

    @Test("a client that connects and sends nothing is disconnected after the idle timeout")
    func idleConnectionsClose() async throws {
        try await Self.serve({ $0.connectionIdleTimeout = .seconds(1) }) { port in
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
            let started = ContinuousClock.now
            try await eventually("the server closes the idle connection", timeout: .seconds(15)) { !channel.isActive }
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }
}

@Suite("Errors at the edge")
struct ErrorMappingTests {
    @Test("every kind's status has its reason phrase and the code the core maps it to", arguments: LiaisonError.Kind.allCases)
    func statuses(kind: LiaisonError.Kind) {
        #expect(kind.status.code == kind.httpStatus)
        #expect(!kind.status.reasonPhrase.isEmpty)
        let problem = Problem(LiaisonError(.init("x", kind), "detail"))
        #expect(problem.status == kind.httpStatus && problem.title == kind.status.reasonPhrase && problem.type == "/problems/x")
    }
}
