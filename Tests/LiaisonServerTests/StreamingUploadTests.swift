import Foundation
import LiaisonCore
@testable import LiaisonServer
import NIOCore
import Testing

/// The browser's file upload read as it arrives: fields before the file, the file's bytes exactly,
/// whatever the sizes of the pieces the body arrives in (a delimiter split across pieces, bytes
/// that look like the start of a delimiter inside the file).
@Suite("Streaming multipart uploads")
struct StreamingUploadTests {
    static func form(boundary: String, file: [UInt8], fields: [(String, String)] = [("csrf", "token-1"), ("title", "Port log")], fileName: String = "log.bin") -> [UInt8] {
        var body: [UInt8] = Array("preamble to ignore\r\n".utf8)
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: application/pdf\r\n\r\n".utf8)
        body += file
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return body
    }

    static func read(_ body: [UInt8], boundary: String, piece: Int) async throws -> (StreamingUpload<AsyncStream<ByteBuffer>>, [UInt8]) {
        let pieces = stride(from: 0, to: body.count, by: piece).map { ByteBuffer(bytes: body[$0..<min($0 + piece, body.count)]) }
        let stream = AsyncStream<ByteBuffer> { continuation in
            for item in pieces { continuation.yield(item) }
            continuation.finish()
        }
        let upload = try await StreamingUpload(stream, boundary: boundary)
        var content: [UInt8] = []
        for try await var chunk in upload.content { content += chunk.readBytes(length: chunk.readableBytes) ?? [] }
        return (upload, content)
    }

    @Test("fields and file content come out exactly, for pieces of any size, with delimiter look-alikes inside the file")
    func exact() async throws {
        let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
        var generator = SystemRandomNumberGenerator()
        var file = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        // Near-delimiters: a CR LF and dashes followed by most of the boundary.
        file.replaceSubrange(1000..<1000, with: Array("\r\n--\(boundary.dropLast())X".utf8))
        file.replaceSubrange(150_000..<150_000, with: Array("\r\n-".utf8))
        let body = Self.form(boundary: boundary, file: file)
        for piece in [1, 7, 41, 4096, 65_537, body.count] {
            let (upload, content) = try await Self.read(body, boundary: boundary, piece: piece)
            #expect(upload.fields == ["csrf": "token-1", "title": "Port log"])
            #expect(upload.fileName == "log.bin" && upload.mediaType == "application/pdf")
            #expect(content == file, "pieces of \(piece) bytes")
        }
        let (windows, _) = try await Self.read(Self.form(boundary: boundary, file: [1, 2], fileName: #"C:\Users\me\report.pdf"#), boundary: boundary, piece: 5)
        #expect(windows.fileName == "report.pdf")
    }

    @Test("a form without a file, a truncated body, non-ASCII part headers and oversized fields are refused with a clear error")
    func refused() async throws {
        let boundary = "b0undary"
        let noFile = Array("--b0undary\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nx\r\n--b0undary--\r\n".utf8)
        await #expect(throws: LiaisonError.self) { _ = try await Self.read(noFile, boundary: boundary, piece: 3) }
        let truncated = Array(Self.form(boundary: boundary, file: Array(repeating: 9, count: 1000)).dropLast(20))
        await #expect(throws: LiaisonError.self) { _ = try await Self.read(truncated, boundary: boundary, piece: 100) }
        let nonASCII = Array("--b0undary\r\nContent-Disposition: form-data; name=\"f\u{e9}\"; filename=\"a\"\r\n\r\nx\r\n--b0undary--\r\n".utf8)
        await #expect(throws: LiaisonError.self) { _ = try await Self.read(nonASCII, boundary: boundary, piece: 10) }
        let huge = Self.form(boundary: boundary, file: [1], fields: [("csrf", String(repeating: "a", count: 200_000))])
        await #expect(throws: LiaisonError.self) { _ = try await Self.read(huge, boundary: boundary, piece: 4096) }
        let emptyName = Self.form(boundary: boundary, file: [], fileName: "")
        await #expect(throws: LiaisonError.self) { _ = try await Self.read(emptyName, boundary: boundary, piece: 4096) }
    }
}
