import Foundation

/// An immutable index of listed parties' names for screening.
///
/// Every name is normalised once into token ids. Lookups go through four structures, all flat
/// arrays so that a million names fit in a few hundred megabytes:
/// - the vocabulary (token → id) with each token's weight, an inverse document frequency, so that
///   common and generic tokens ("mohammed", "trading", "al") cannot carry a match alone;
/// - postings (token → names containing it), in compressed-row form;
/// - a one-deletion neighbourhood of every token (the symmetric-delete scheme) and every token's
///   consonant skeleton (``NameNormalizer/skeleton(_:)``), both as sorted hash arrays, to find
///   typos and other romanisations without comparing against the whole vocabulary;
/// - the hashes of adjacent token pairs written together, for queries that glue tokens.
public final class NameIndex: Sendable {
    /// The parties in the order given.
    public let parties: [ListedParty]

    // Names: name → party, tokens (CSR), whether the name carried a legal form.
    let nameParty: [UInt32]
    let nameText: [String]
    let nameTokenStart: [UInt32]
    let nameTokens: [UInt32]
    let nameHasLegalForm: [Bool]
    /// Where each name's first given name is among its tokens: after the surnames of a name
    /// written "SURNAME, Given Middle", else 0 (capped at 255).
    let nameGivenStart: [UInt8]

    // Vocabulary.
    let vocabulary: [String: UInt32]
    let tokenText: [[UInt8]]
    let tokenWeight: [Float]
    let postingStart: [UInt32]
    let postings: [UInt32]

    // Neighbourhoods, sorted by key.
    let deletionKeys: [UInt64]
    let deletionTokens: [UInt32]
    let skeletonKeys: [UInt64]
    let skeletonTokens: [UInt32]
    let glueKeys: [UInt64]
    let glueNames: [UInt32]
    let prefixKeys: [UInt64]
    let prefixTokens: [UInt32]
    /// Every token's consonant skeleton, one flat buffer (token t is
    /// `skeletonBytes[skeletonStart[t]..<skeletonStart[t + 1]]`).
    let skeletonStart: [UInt32]
    let skeletonBytes: [UInt8]

    /// Normalised birth years of each party, for quick comparison.
    let birthYears: [[Int]]

    /// The indexed names of party `party` (names are stored in party order).
    func names(of party: Int) -> Range<Int> {
        Self.range(of: UInt32(party), in: nameParty)
    }

    /// The number of indexed names (primary names and aliases).
    public var nameCount: Int { nameParty.count }
    /// The number of distinct tokens.
    public var vocabularySize: Int { tokenText.count }

    /// Whether the skeletons of `tokens`, written together (a letter doubled across the joint
    /// counts once, as within a skeleton), are `skeleton`.
    func skeletonsJoin(_ tokens: some Collection<UInt32>, equal skeleton: [UInt8]) -> Bool {
        var matched = 0
        var last: UInt8 = 0
        for token in tokens {
            for offset in Int(skeletonStart[Int(token)])..<Int(skeletonStart[Int(token) + 1]) {
                let letter = skeletonBytes[offset]
                if letter == last { continue }
                guard matched < skeleton.count, skeleton[matched] == letter else { return false }
                matched += 1
                last = letter
            }
        }
        return matched == skeleton.count
    }

    /// Builds the index.
    /// - Parameter parties: the list entries; names that normalise to nothing are skipped.
    public init(parties: [ListedParty]) {
        self.parties = parties
        var vocabulary: [String: UInt32] = [:]
        var tokenText: [[UInt8]] = []
        var documentFrequency: [UInt32] = []
        var nameParty: [UInt32] = [], nameText: [String] = [], nameTokenStart: [UInt32] = [0]
        var nameTokens: [UInt32] = [], nameHasLegalForm: [Bool] = [], nameGivenStart: [UInt8] = []
        var glue: [(UInt64, UInt32)] = []
        for (partyIndex, party) in parties.enumerated() {
            var seen = Set<String>()
            for name in party.names {
                let normalized = NameNormalizer.normalize(name)
                guard !normalized.tokens.isEmpty, seen.insert(normalized.text).inserted else { continue }
                let nameID = UInt32(nameParty.count)
                var ids: [UInt32] = []
                for token in normalized.tokens {
                    let id: UInt32
                    if let known = vocabulary[token] {
                        id = known
                    } else {
                        id = UInt32(tokenText.count)
                        vocabulary[token] = id
                        tokenText.append(Array(token.utf8))
                        documentFrequency.append(0)
                    }
                    if !ids.contains(id) { documentFrequency[Int(id)] += 1 }
                    ids.append(id)
                }
                let allTokens = NameNormalizer.mergingSingleLetterLegalForms(
                    Transliteration.latinise(name).split(separator: " ").map(String.init))
                for pair in zip(allTokens, allTokens.dropFirst()) {
                    glue.append((Self.hash(Array((pair.0 + pair.1).utf8)), nameID))
                }
                nameParty.append(UInt32(partyIndex))
                nameText.append(name)
                nameTokens.append(contentsOf: ids)
                nameTokenStart.append(UInt32(nameTokens.count))
                nameHasLegalForm.append(!normalized.legalForms.isEmpty)
                var givenStart = 0
                if let comma = name.firstIndex(of: ",") {
                    givenStart = NameNormalizer.normalize(String(name[..<comma])).tokens.count
                    if givenStart >= normalized.tokens.count { givenStart = 0 }
                }
                nameGivenStart.append(UInt8(min(givenStart, 255)))
            }
        }
        // Weights: inverse document frequency (particles such as "al", "de", "bin" are common, so
        // they weigh little), with initials capped because a letter says little about who someone is.
        let total = Float(max(nameParty.count, 1))
        self.tokenWeight = tokenText.indices.map { id in
            let idf = logf(1 + total / Float(documentFrequency[id]))
            return tokenText[id].count == 1 ? min(idf, 1.5) : idf
        }
        // Postings.
        var start = [UInt32](repeating: 0, count: tokenText.count + 1)
        for token in nameTokens { start[Int(token) + 1] += 1 }
        for index in 1..<start.count { start[index] += start[index - 1] }
        var fill = Array(start.dropLast())
        var postings = [UInt32](repeating: 0, count: nameTokens.count)
        for name in 0..<nameParty.count {
            var previous: Set<UInt32> = []
            for position in Int(nameTokenStart[name])..<Int(nameTokenStart[name + 1]) {
                let token = nameTokens[position]
                guard previous.insert(token).inserted else { continue }
                postings[Int(fill[Int(token)])] = UInt32(name)
                fill[Int(token)] += 1
            }
        }
        // Postings may be shorter than reserved where a name repeats a token; compact.
        var compact: [UInt32] = []
        var compactStart: [UInt32] = [0]
        compact.reserveCapacity(postings.count)
        for token in 0..<tokenText.count {
            compact.append(contentsOf: postings[Int(start[token])..<Int(fill[token])])
            compactStart.append(UInt32(compact.count))
        }
        // Neighbourhoods.
        var deletions: [(UInt64, UInt32)] = []
        var skeletons: [(UInt64, UInt32)] = []
        for (id, text) in tokenText.enumerated() where text.count >= 3 {
            for key in Self.deletionNeighbourhood(text) { deletions.append((key, UInt32(id))) }
        }
        var skeletonStart: [UInt32] = [0]
        var skeletonBytes: [UInt8] = []
        skeletonStart.reserveCapacity(tokenText.count + 1)
        for (id, text) in tokenText.enumerated() {
            let skeleton = NameNormalizer.skeleton(text)
            skeletonBytes.append(contentsOf: skeleton)
            skeletonStart.append(UInt32(skeletonBytes.count))
            guard text.count >= 2 else { continue }
            for reading in NameNormalizer.skeletons(text) where !reading.isEmpty {
                skeletons.append((Self.hash(reading), UInt32(id)))
            }
        }
        self.skeletonStart = skeletonStart
        self.skeletonBytes = skeletonBytes
        var prefixes: [(UInt64, UInt32)] = []
        for (id, text) in tokenText.enumerated() where text.count >= 5 {
            prefixes.append((Self.hash(text.prefix(4)), UInt32(id)))
        }
        prefixes.sort { $0.0 < $1.0 }
        self.prefixKeys = prefixes.map(\.0)
        self.prefixTokens = prefixes.map(\.1)
        deletions.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        skeletons.sort { $0.0 < $1.0 }
        glue.sort { $0.0 < $1.0 }

        self.vocabulary = vocabulary
        self.tokenText = tokenText
        self.postingStart = compactStart
        self.postings = compact
        self.nameParty = nameParty
        self.nameText = nameText
        self.nameTokenStart = nameTokenStart
        self.nameTokens = nameTokens
        self.nameHasLegalForm = nameHasLegalForm
        self.nameGivenStart = nameGivenStart
        self.deletionKeys = deletions.map(\.0)
        self.deletionTokens = deletions.map(\.1)
        self.skeletonKeys = skeletons.map(\.0)
        self.skeletonTokens = skeletons.map(\.1)
        self.glueKeys = glue.map(\.0)
        self.glueNames = glue.map(\.1)
        self.birthYears = parties.map { party in party.birthDates.compactMap { Int($0.prefix(4)) } }
    }

    /// The names of one party's entry indexes, for tests and diagnostics.
    func tokens(ofName name: Int) -> ArraySlice<UInt32> {
        nameTokens[Int(nameTokenStart[name])..<Int(nameTokenStart[name + 1])]
    }

    func postings(of token: UInt32) -> ArraySlice<UInt32> {
        postings[Int(postingStart[Int(token)])..<Int(postingStart[Int(token) + 1])]
    }

    /// The token itself and each string with one byte deleted (symmetric-delete neighbourhood).
    static func deletionNeighbourhood(_ text: [UInt8]) -> [UInt64] {
        var keys = [hash(text)]
        keys.reserveCapacity(text.count + 1)
        var buffer = text
        for position in text.indices {
            buffer.remove(at: position)
            keys.append(hash(buffer))
            buffer.insert(text[position], at: position)
        }
        return keys
    }

    /// FNV-1a, 64 bits.
    @inline(__always)
    static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
        return value
    }

    /// The range of `key` in a sorted key array.
    static func range<Key: Comparable>(of key: Key, in keys: [Key]) -> Range<Int> {
        var low = 0, high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < key { low = middle + 1 } else { high = middle }
        }
        var end = low
        while end < keys.count, keys[end] == key { end += 1 }
        return low..<end
    }
}
