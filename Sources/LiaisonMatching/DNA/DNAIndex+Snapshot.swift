import Foundation
public import LiaisonCore

/// A DNA index as bytes, so that a node can load it in seconds instead of reading every profile
/// from its store: the loci, each locus's allele codes, the rows and the references. The groups
/// and postings are rebuilt on load (they take a second per million profiles), so the format
/// does not change with the index's internals.
///
/// Layout (little-endian): the magic `LIAISON-DNA-INDEX/1\n`; a 32-bit length and a JSON header
/// (`version`, `count`, `loci`, `alleles` per locus in tenths of a repeat); the rows, one 16-bit
/// code per locus and profile; the references, each a 32-bit length and its UTF-8 bytes. What
/// guards the bytes (a digest, the store's version) is the caller's: the snapshot says only what
/// it holds.
extension DNAIndex {
    static let snapshotMagic = Array("LIAISON-DNA-INDEX/1\n".utf8)

    /// The index as bytes, labelled with `version` (the store's version of the data it holds).
    public func snapshot(version: String) -> [UInt8] {
        let header = DNAIndexSnapshotHeader(version: version, count: references.count, loci: loci.map(\.name),
                                    alleles: alleleTable.map { $0.dropFirst().map { if case .value(let tenths) = $0 { tenths } else { -1 } } })
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let headerBytes = Array((try? encoder.encode(header)) ?? Data())
        var out: [UInt8] = []
        out.reserveCapacity(Self.snapshotMagic.count + 4 + headerBytes.count + rows.count * 2 + references.count * 24)
        out += Self.snapshotMagic
        Self.append(UInt32(headerBytes.count), to: &out)  // checked: a header of a few kilobytes
        out += headerBytes
        for code in rows { out.append(UInt8(truncatingIfNeeded: code)); out.append(UInt8(truncatingIfNeeded: code >> 8)) }
        for reference in references {
            let bytes = Array(reference.utf8)
            Self.append(UInt32(bytes.count), to: &out)  // checked: a reference is far shorter than 4 GB
            out += bytes
        }
        return out
    }

    /// The version a snapshot was labelled with, read from its header only; nil when the bytes
    /// are not a snapshot.
    public static func snapshotVersion(_ bytes: some RandomAccessCollection<UInt8>) -> String? {
        var reader = SnapshotReader(bytes: Array(bytes.prefix(64 * 1024)))
        return try? reader.header().version
    }

    /// The index a snapshot holds.
    /// - Throws: ``LiaisonError`` `.invalidInput` naming what is wrong when the bytes are not a
    ///   whole, consistent snapshot (truncated, edited, another format).
    public init(snapshot bytes: [UInt8], rules: DNAMatchRules = DNAMatchRules()) throws(LiaisonError) {
        var reader = SnapshotReader(bytes: bytes)
        let header = try reader.header()
        let loci = try header.loci.map { name throws(LiaisonError) in
            guard let locus = STRLocus.named(name) else { throw LiaisonError(.invalidInput, "snapshot: unknown locus \(name)") }
            return locus
        }
        guard header.alleles.count == loci.count, header.count >= 0, header.alleles.allSatisfy({ $0.count < 255 }) else {
            throw LiaisonError(.invalidInput, "snapshot: the header does not describe its loci")
        }
        var builder = Builder(loci: loci, rules: rules, capacity: header.count)
        guard builder.loci == loci else { throw LiaisonError(.invalidInput, "snapshot: loci out of order or repeated") }
        builder.alleleTable = header.alleles.map { [.wildcard] + $0.map { $0 < 0 ? .wildcard : .value($0) } }
        let width = loci.count
        let rows = try reader.codes(header.count * width)
        builder.rows = rows
        var references: [String] = []
        references.reserveCapacity(header.count)
        for _ in 0..<header.count { references.append(try reader.string()) }
        guard reader.atEnd else { throw LiaisonError(.invalidInput, "snapshot: bytes after the last reference") }
        builder.references = references
        // Every code must name an allele of its locus.
        for (offset, code) in rows.enumerated() where code != DNAIndex.untyped {
            let table = builder.alleleTable[offset % width]
            guard Int(code >> 8) < table.count, Int(code & 0xFF) < table.count, code >> 8 <= code & 0xFF else {  // checked: UInt16 widened to Int
                throw LiaisonError(.invalidInput, "snapshot: row \(offset / width) holds a code its locus does not have")
            }
        }
        self = builder.build()
    }

    private static func append(_ value: UInt32, to out: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }  // checked: shift is 0...24
    }
}

private struct DNAIndexSnapshotHeader: Codable {
    var version: String
    var count: Int
    var loci: [String]
    var alleles: [[Int]]
}

/// Reads a snapshot's parts in order, refusing any that runs past the end.
private struct SnapshotReader {
    let bytes: [UInt8]
    var position = 0

    var atEnd: Bool { position == bytes.count }

    mutating func take(_ count: Int) throws(LiaisonError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else { throw LiaisonError(.invalidInput, "snapshot: cut off at byte \(bytes.count)") }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    mutating func uint32() throws(LiaisonError) -> Int {
        let four = try take(4)
        return four.reversed().reduce(0) { $0 << 8 | Int($1) }  // checked: UInt8 widened to Int
    }

    mutating func header() throws(LiaisonError) -> DNAIndexSnapshotHeader {
        guard Array(try take(DNAIndex.snapshotMagic.count)) == DNAIndex.snapshotMagic else {
            throw LiaisonError(.invalidInput, "snapshot: not a Liaison DNA index snapshot")
        }
        let text = Data(try take(try uint32()))
        guard let header = try? JSONDecoder().decode(DNAIndexSnapshotHeader.self, from: text) else {
            throw LiaisonError(.invalidInput, "snapshot: the header cannot be read")
        }
        return header
    }

    mutating func codes(_ count: Int) throws(LiaisonError) -> [UInt16] {
        guard count >= 0, count <= (bytes.count - position) / 2 else { throw LiaisonError(.invalidInput, "snapshot: cut off in the rows") }
        var out = [UInt16](repeating: 0, count: count)
        bytes.withUnsafeBufferPointer { raw in
            for index in 0..<count { out[index] = UInt16(raw[position + 2 * index]) | UInt16(raw[position + 2 * index + 1]) << 8 }  // checked: UInt8 widened to UInt16
        }
        position += 2 * count
        return out
    }

    mutating func string() throws(LiaisonError) -> String {
        String(decoding: try take(try uint32()), as: UTF8.self)
    }
}
