/// Cuts a reference file that arrives in chunks (read from disk a few megabytes at a time) into
/// the same pieces as ``ReferenceFile/pieces(of:linesPerPiece:)`` cuts a whole one, so that a file
/// of ten million lines is never held in memory: each piece a complete file of the same format
/// (CSV pieces repeat the header), never cut inside a quoted field, with the offset that turns its
/// line numbers into the file's.
public struct ReferenceFileSplitter: Sendable {
    /// A piece ready to be parsed.
    public struct Piece: Sendable, Equatable {
        /// The piece as a file of its own (the header first, for CSV).
        public var text: String
        /// Added to a line number of `text` (counting from 1, the header included for CSV), the
        /// line of the whole file.
        public var lineOffset: Int
    }

    let linesPerPiece: Int
    /// Bytes read and not yet handed out; `pending[0..<scanned]` have been looked at.
    private var pending: [UInt8] = []
    private var scanned = 0
    /// Where the current piece starts in `pending`.
    private var start = 0
    private var header: [UInt8]?
    /// nil until the first byte that is not white space: JSON lines start with `{`.
    private var json: Bool?
    private var line = 1, startLine = 1, linesInPiece = 0, quotes = 0
    private var handedOut = 0

    public init(linesPerPiece: Int) {
        self.linesPerPiece = max(1, linesPerPiece)
    }

    /// Takes the next chunk of the file and returns the pieces it completes.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Piece] {
        pending.append(contentsOf: bytes)
        var out: [Piece] = []
        if json == nil {
            guard let first = pending.first(where: { !Self.isWhitespace($0) }) else { return out }
            json = first == UInt8(ascii: "{")
        }
        while scanned < pending.count {
            let byte = pending[scanned]
            scanned += 1
            if byte == UInt8(ascii: "\"") { quotes += 1 }
            guard byte == UInt8(ascii: "\n") else { continue }
            line += 1
            guard quotes % 2 == 0 else { continue }
            if json == false && header == nil {
                header = Array(pending[start..<(scanned - 1)])
                start = scanned
                startLine = line
            } else {
                linesInPiece += 1
                if linesInPiece >= linesPerPiece {
                    out.append(piece(upTo: scanned))
                    start = scanned
                    startLine = line
                    linesInPiece = 0
                }
            }
        }
        // Drop what was handed out, keeping the bytes of the piece still being read.
        if start > 1 << 20 || start == pending.count {
            pending.removeFirst(start)
            scanned -= start
            start = 0
        }
        return out
    }

    /// The last piece, once the whole file was fed.
    public mutating func finish() -> [Piece] {
        defer { pending = []; scanned = 0; start = 0 }
        if json == true {
            if start < pending.count || handedOut == 0 { return [piece(upTo: pending.count)] }
        } else if header != nil {
            if start < pending.count || handedOut == 0 { return [piece(upTo: pending.count)] }
        } else {
            // No line break outside quotes at all: one piece, the whole file.
            return [Piece(text: String(decoding: pending, as: UTF8.self), lineOffset: 0)]
        }
        return []
    }

    private mutating func piece(upTo end: Int) -> Piece {
        handedOut += 1
        let body = pending[start..<end]
        if json == true { return Piece(text: String(decoding: body, as: UTF8.self), lineOffset: startLine - 1) }
        var bytes = header ?? []
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(contentsOf: body)
        return Piece(text: String(decoding: bytes, as: UTF8.self), lineOffset: startLine - 2)
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }
}
