import Foundation
import LiaisonCore
import NIOCore

/// A `multipart/form-data` upload (RFC 7578) read as it arrives: the small fields before the file
/// (the CSRF token, a title) are collected, then the file's bytes are handed on as they come, so
/// that a browser can send a 1 GB file to a JIT space without the node holding it in memory.
/// MultipartKit's streaming parser traps on a header byte of 0x80 or above, so the few lines of
/// headers are parsed here; a header that is not ASCII is refused.
///
/// The form puts its fields before the file input (browsers send parts in document order);
/// parts after the file are ignored.
final class StreamingUpload<Base: AsyncSequence & Sendable>: @unchecked Sendable where Base.Element == ByteBuffer {
    /// The fields before the file, by name.
    private(set) var fields: [String: String] = [:]
    private(set) var fileName = ""
    private(set) var mediaType = "application/octet-stream"

    private var iterator: Base.AsyncIterator
    private var pending: [UInt8] = []
    private let delimiter: [UInt8]
    private var finished = false
    /// How far `pending` has been searched for the delimiter without finding it.
    private var searched = 0
    /// Everything before the file (headers and fields) may take at most this many bytes.
    static var maximumFieldBytes: Int { 64 * 1024 }

    /// Reads up to the start of the file's content.
    /// - Throws: ``LiaisonError`` `.invalidForm` for a body that is not such a form.
    init(_ body: Base, boundary: String) async throws {
        iterator = body.makeAsyncIterator()
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The body starts with the first delimiter (without its CRLF).
        pending = Array("\r\n".utf8)
        try await skip(past: delimiter)
        while true {
            try await skip(past: Array("\r\n".utf8))
            let headers = try await readHeaders()
            guard let disposition = headers["content-disposition"], let name = Self.parameter("name", in: disposition) else {
                throw LiaisonError(.invalidForm, "The upload could not be read: a part has no name.")
            }
            if let file = Self.parameter("filename", in: disposition) {
                // Some browsers send the whole path of the file chosen.
                fileName = String(file.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "")
                guard !fileName.isEmpty else { throw LiaisonError(.invalidInput, "file: choose a file to upload.") }
                if let type = headers["content-type"], !type.isEmpty { mediaType = type }
                return
            }
            fields[name] = String(decoding: try await readField(), as: UTF8.self)
            guard fields.count <= 20 else { throw LiaisonError(.invalidForm, "The upload has too many fields.") }
            // After a delimiter: "--" ends the form (no file), CRLF starts the next part.
            try await fill(2)
            if pending.starts(with: Array("--".utf8)) { throw LiaisonError(.invalidInput, "file: choose a file to upload.") }
        }
    }

    /// The file's bytes, as they arrive, up to the delimiter that ends its part.
    var content: AsyncThrowingStream<ByteBuffer, any Error> {
        AsyncThrowingStream(unfolding: {
            while true {
                if self.finished { return nil }
                if let start = self.find(self.delimiter, from: self.searched) {
                    let piece = ByteBuffer(bytes: self.pending[..<start])
                    self.finished = true
                    self.pending = []
                    return piece
                }
                // Only the last bytes could begin a delimiter that more bytes complete.
                self.searched = max(0, self.pending.count - (self.delimiter.count - 1))
                // Hand on all but what could be the start of the delimiter.
                let safe = self.pending.count - (self.delimiter.count - 1)
                if safe > 64 * 1024 {
                    let piece = ByteBuffer(bytes: self.pending[..<safe])
                    self.pending.removeFirst(safe)
                    self.searched = max(0, self.searched - safe)
                    return piece
                }
                guard var more = try await self.iterator.next() else { throw LiaisonError(.invalidForm, "The upload ended before its last boundary.") }
                self.pending.append(contentsOf: more.readBytes(length: more.readableBytes) ?? [])
            }
        })
    }

    /// Where `marker` starts in `pending`, searching from `offset`.
    private func find(_ marker: [UInt8], from offset: Int) -> Int? {
        guard let first = marker.first else { return nil }
        var index = offset
        let last = pending.count - marker.count
        while index <= last {
            guard let candidate = pending[index...last].firstIndex(of: first) else { return nil }
            if pending[candidate..<(candidate + marker.count)].elementsEqual(marker) { return candidate }
            index = candidate + 1
        }
        return nil
    }

    private func fill(_ count: Int) async throws {
        while pending.count < count {
            guard var more = try await iterator.next() else { throw LiaisonError(.invalidForm, "The upload ended before its last boundary.") }
            pending.append(contentsOf: more.readBytes(length: more.readableBytes) ?? [])
            guard pending.count <= Self.maximumFieldBytes + delimiter.count else { throw LiaisonError(.invalidForm, "The upload's fields are too large.") }
        }
    }

    /// Drops everything up to and including `marker`.
    private func skip(past marker: [UInt8]) async throws {
        _ = try await read(upTo: marker)
    }

    /// The bytes before `marker`, which is consumed.
    private func read(upTo marker: [UInt8]) async throws -> [UInt8] {
        while true {
            if let range = pending.firstRange(of: marker) {
                let before = Array(pending[..<range.lowerBound])
                pending.removeFirst(range.upperBound)
                return before
            }
            guard pending.count <= Self.maximumFieldBytes else { throw LiaisonError(.invalidForm, "The upload could not be read: a field is too large or a boundary is missing.") }
            guard var more = try await iterator.next() else { throw LiaisonError(.invalidForm, "The upload ended before its last boundary.") }
            pending.append(contentsOf: more.readBytes(length: more.readableBytes) ?? [])
        }
    }

    private func readField() async throws -> [UInt8] { try await read(upTo: delimiter) }

    /// A part's header lines, names lower-cased.
    private func readHeaders() async throws -> [String: String] {
        let block = try await read(upTo: Array("\r\n\r\n".utf8))
        guard block.allSatisfy({ $0 < 0x80 }) else { throw LiaisonError(.invalidForm, "The upload could not be read: a part's headers are not ASCII.") }
        var headers: [String: String] = [:]
        for line in String(decoding: block, as: UTF8.self).components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw LiaisonError(.invalidForm, "The upload could not be read: a part's header has no colon.") }
            headers[line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return headers
    }

    /// A parameter of a header value (`name="x"`), quotes removed.
    static func parameter(_ name: String, in value: String) -> String? {
        for piece in value.split(separator: ";").dropFirst() {
            let parts = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].lowercased() == name else { continue }
            var text = parts[1]
            if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
            return text
        }
        return nil
    }
}
