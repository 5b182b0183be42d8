import ArgumentParser
import AsyncHTTPClient
import Foundation
import LiaisonCore
import NIOCore
import NIOHTTP1

/// Options for commands that talk to a running node's API.
struct NodeAPIOptions: ParsableArguments {
    @Option(help: "The node's API base URL.") var url = "http://127.0.0.1:8080"
    @Option(help: "Username to sign in with.") var username: String
    @Flag(help: "Read the password from the first line of standard input (else from LIAISON_PASSWORD).") var passwordStdin = false

    /// Signs in, runs `body` with the signed-in client, and always closes the client.
    func withNode<T>(_ body: (NodeAPI) async throws -> T) async throws -> T {
        let node = try await signIn()
        do {
            let result = try await body(node)
            try await node.close()
            return result
        } catch {
            try? await node.close()
            throw error
        }
    }

    /// Signs in and returns a client and a bearer token.
    private func signIn() async throws -> NodeAPI {
        let password: String
        if passwordStdin {
            password = try readPasswordFromStandardInput()
        } else if let fromEnvironment = ProcessInfo.processInfo.environment["LIAISON_PASSWORD"] {
            password = fromEnvironment
        } else {
            throw LiaisonError(.invalidInput, "give the password with --password-stdin or in LIAISON_PASSWORD")
        }
        let api = NodeAPI(base: url.hasSuffix("/") ? String(url.dropLast()) : url)
        let body = String(decoding: try JSON.encoder.encode(["username": username, "password": password]), as: UTF8.self)
        do {
            let reply = try await api.call("/api/v1/auth/token", method: .POST, body: body)
            guard let token = (try? JSONSerialization.jsonObject(with: reply) as? [String: Any])?["token"] as? String else {
                throw LiaisonError(.unauthenticated, "the node did not return a token")
            }
            api.token = token
            return api
        } catch {
            try? await api.close()
            throw error
        }
    }
}

/// A small client for the node's own API; problems become one readable line.
final class NodeAPI: @unchecked Sendable {
    let base: String
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    var token: String?

    init(base: String) { self.base = base }

    /// - Parameter timeout: how long the node may take (a trace or a scan over millions of
    ///   transactions takes minutes).
    func call(_ path: String, method: HTTPMethod = .GET, body: String? = nil, timeout: TimeAmount = .seconds(30)) async throws -> Data {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        return try await execute(request, timeout: timeout)
    }

    /// Sends a file as the body of `path`, read from disk a piece at a time (a 1 GB file never
    /// sits in memory).
    func upload(_ path: String, file: String, mediaType: String) async throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: file) else { throw LiaisonError(.invalidInput, "--file: cannot read \(file)") }
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? nil
        // Read as the upload sends: one MiB in memory at a time.
        let pieces = AsyncStream<ByteBuffer>(unfolding: {
            guard let data = try? handle.read(upToCount: 1 << 20), !data.isEmpty else {
                try? handle.close()
                return nil
            }
            return ByteBuffer(bytes: data)
        })
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Content-Type", value: mediaType)
        request.body = .stream(pieces, length: size.map { .known(Int64(clamping: $0)) } ?? .unknown)
        return try await execute(request, timeout: .hours(2))
    }

    /// Writes the body of `path` to `output` as it arrives.
    /// - Returns: the bytes written and the response's `Repr-Digest`.
    func download(_ path: String, to output: String) async throws -> (bytes: Int, digest: String?) {
        var request = HTTPClientRequest(url: base + path)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .hours(2))
        } catch {
            throw LiaisonError(.unavailable, "cannot reach the node at \(base): \(error); is 'liaison serve' running there?")
        }
        guard (200..<300).contains(response.status.code) else {
            let bytes = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
            let problem = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any]
            throw LiaisonError(.invalidInput, "the node refused (\(response.status.code)): \(problem?["detail"] as? String ?? String(decoding: bytes, as: UTF8.self))",
                               errors: problem?["errors"] as? [String])
        }
        guard FileManager.default.createFile(atPath: output, contents: nil), let handle = FileHandle(forWritingAtPath: output) else {
            throw LiaisonError(.invalidInput, "--output: cannot write \(output)")
        }
        var written = 0
        do {
            for try await piece in response.body {
                try handle.write(contentsOf: piece.readableBytesView)
                written += piece.readableBytes
            }
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: output)
            throw LiaisonError(.unavailable, "the download stopped before the end (\(error)); nothing was kept.")
        }
        return (written, response.headers.first(name: "Repr-Digest"))
    }

    private func execute(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> Data {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw LiaisonError(.unavailable, "cannot reach the node at \(base): \(error); is 'liaison serve' running there?")
        }
        let bytes = Data((try await response.body.collect(upTo: 100 << 20)).readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            let problem = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any]
            throw LiaisonError(.invalidInput, "the node refused (\(response.status.code)): \(problem?["detail"] as? String ?? String(decoding: bytes, as: UTF8.self))",
                               errors: problem?["errors"] as? [String])
        }
        return bytes
    }

    func close() async throws { try await client.shutdown() }
}

struct MessageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "message", abstract: "Send and read messages through a running node.", subcommands: [Send.self, List.self, Show.self])

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a message to partner agencies.")
        @OptionGroup var api: NodeAPIOptions
        @Option(name: .customLong("to"), help: "Recipient agency code (repeat for several).") var recipients: [String] = []
        @Option(help: "Subject.") var subject: String
        @Option(help: "Body text, or @FILE to read it from a file.") var body: String
        @Option(help: "Purpose (must be one the agreement covers).") var purpose: String
        @Option(help: "Legal basis.") var legalBasis: String
        @Option(help: "Handling code: H0, H1, H2 or H3.") var handlingCode: String = "H0"
        @Option(help: "Restriction text for H3.") var restriction: String?
        @Option(help: "Evaluation: source A/B/C/X and information 1-4, e.g. B2.") var evaluation: String = "X4"
        @Option(help: "Case reference (required unless the safeguards configuration says otherwise: no access without a case link).") var caseRef: String?
        @Option(help: "Id of the message this replies to.") var inReplyTo: String?
        @Option(help: "FollowTheMoney entities as JSON lines, each with dataSubjectCategory and nature.") var entities: String?

        func run() async throws {
            try await reportingOperatorErrors {
                guard let code = HandlingCode(rawValue: handlingCode.uppercased()) else {
                    throw LiaisonError(.invalidInput, "--handling-code must be H0, H1, H2 or H3")
                }
                guard evaluation.count == 2, let source = Evaluation.Source(rawValue: String(evaluation.prefix(1)).uppercased()),
                    let digit = Int(evaluation.suffix(1)), let information = Evaluation.Information(rawValue: digit)  // checked: parses text: nil when not a number
                else {
                    throw LiaisonError(.invalidInput, "--evaluation must be a source A/B/C/X and an information code 1-4, e.g. B2")
                }
                var text = body
                if body.hasPrefix("@") {
                    guard let data = FileManager.default.contents(atPath: String(body.dropFirst())) else {
                        throw LiaisonError(.invalidInput, "cannot read the body file \(body.dropFirst())")
                    }
                    text = String(decoding: data, as: UTF8.self)
                }
                var parsedEntities: [MessageEntity] = []
                if let entities {
                    guard let data = FileManager.default.contents(atPath: entities) else { throw LiaisonError(.invalidInput, "cannot read \(entities)") }
                    for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.allSatisfy(\.isWhitespace) {
                        do {
                            parsedEntities.append(try JSON.decoder.decode(MessageEntity.self, from: Data(line.utf8)))
                        } catch let error as DecodingError {
                            throw LiaisonError(.invalidInput, "\(entities) line \(number + 1): \(describeDecoding(error))")
                        }
                    }
                }
                let request: [String: Any?] = [
                    "to": recipients, "subject": subject, "body": text, "purpose": purpose, "legalBasis": legalBasis,
                    "handlingCode": code.rawValue, "handlingRestriction": restriction,
                    "evaluation": ["source": source.rawValue, "information": information.rawValue],
                    "caseRef": caseRef, "inReplyTo": inReplyTo,
                ]
                var json = try JSONSerialization.jsonObject(with: JSONSerialization.data(withJSONObject: request.compactMapValues { $0 })) as! [String: Any]
                json["entities"] = try JSONSerialization.jsonObject(with: JSON.encoder.encode(parsedEntities))
                let payload = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
                let reply = try await api.withNode { node in try await node.call("/api/v1/messages", method: .POST, body: payload) }
                let created = try JSONSerialization.jsonObject(with: reply) as? [String: Any]
                print("Queued message \(created?["id"] as? String ?? "?") to \(recipients.joined(separator: ", "))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the inbox or the outbox.")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "inbox or outbox.") var box = "inbox"

        func run() async throws {
            try await reportingOperatorErrors {
                let reply = try await api.withNode { node in try await node.call("/api/v1/messages?box=\(box)") }
                for message in (try JSONSerialization.jsonObject(with: reply) as? [[String: Any]]) ?? [] {
                    let states = (message["deliveries"] as? [[String: Any]])?.map { "\($0["recipient"] ?? ""):\($0["state"] ?? "")" }.joined(separator: ",")
                    let who = box == "outbox" ? (message["to"] as? [String] ?? []).joined(separator: ",") : message["originator"] as? String ?? ""
                    print([message["id"] as? String ?? "", message["createdAt"] as? String ?? "", who, message["subject"] as? String ?? "", states ?? (message["readAt"] == nil ? "unread" : "read")].joined(separator: "\t"))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a message as JSON (opening an inbox message sends a read receipt).")
        @OptionGroup var api: NodeAPIOptions
        @Option(help: "The message id.") var id: String

        func run() async throws {
            try await reportingOperatorErrors {
                let reply = try await api.withNode { node in try await node.call("/api/v1/messages/\(id)") }
                let object = try JSONSerialization.jsonObject(with: reply)
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
            }
        }
    }
}
