import CryptoExtras
import Foundation
import LiaisonCore
import LiaisonCrypto
import Testing

@Suite("Blinded hit/no-hit lookups (VOPRF, RFC 9497)")
struct BlindedLookupTests {
    @Test("a blinded identifier opens its entry when held, finds nothing when not; another key's evaluation is refused")
    func roundTrip() throws {
        let key = P384._VOPRF.PrivateKey()
        let keys = (0..<3000).map { (key: "+4930\(1_000_000 + $0)", reference: "PH-\($0)") }
        let table = try BlindedLookup.table(keys: keys, key: key)
        let bits = BlindedLookup.bucketBits(forEntries: table.count)
        #expect(bits == 1)

        var requester = try BlindedLookup.Requester(publicKey: key.publicKey.rawRepresentation)
        let elements = [try requester.blind("+49301000042"), try requester.blind("+49309999999")]
        // The queried node sees only blinded elements: the same identifier blinds differently each time.
        var again = try BlindedLookup.Requester(publicKey: key.publicKey.rawRepresentation)
        #expect(try again.blind("+49301000042") != elements[0])

        let outputs = try requester.finalize(try BlindedLookup.evaluate(elements, key: key))
        let found = outputs.map { output in
            BlindedLookup.open(BlindedLookup.entries(in: BlindedLookup.bucket(of: BlindedLookup.tag(output), bits: bits), bits: bits, of: table), with: output)
        }
        #expect(found == ["PH-42", nil])

        let impostor = P384._VOPRF.PrivateKey()
        #expect(throws: LiaisonError.self) { try requester.finalize(try BlindedLookup.evaluate(elements, key: impostor)) }
        #expect(throws: LiaisonError.self) { try BlindedLookup.evaluate(["bm90IGEgcG9pbnQ="], key: key) }
    }

    @Test("buckets partition the table", arguments: [0, 1, 3])
    func buckets(bits: Int) throws {
        let key = P384._VOPRF.PrivateKey()
        let table = try BlindedLookup.table(keys: (0..<200).map { ("id-\($0)", "R\($0)") }, key: key)
        let total = (0..<(1 << bits)).reduce(0) { $0 + BlindedLookup.entries(in: UInt64($1), bits: bits, of: table).count }
        #expect(total == 200)
    }
}
