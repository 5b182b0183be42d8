import Foundation
import LiaisonCore
import LiaisonCrypto

/// The chain of custody as a CASE/UCO JSON-LD bundle (https://caseontology.org), the vocabulary of
/// `../shared/data/custody`: the item is a `case-investigation:ProvenanceRecord` whose exhibit
/// number is the item id, the file a `uco-observable:File` with its SHA-256 in a hash facet, and each
/// custody event a `case-investigation:InvestigativeAction` with its performer, location, time and
/// the record as object. Liaison's manifest stays the normative document; this mapping is for tools
/// that read CASE.
enum CASEProvenance {
    static func document(_ manifest: EvidenceManifest) throws -> Data {
        let item = manifest.item
        let record = "kb:provenance-record-\(item.id)"
        var objects: [[String: Any]] = []
        var recordObjects: [[String: Any]] = []
        if let file = item.file {
            let fileID = "kb:file-\(item.id)"
            recordObjects.append(["@id": fileID])
            objects.append([
                "@id": fileID, "@type": "uco-observable:File",
                "uco-core:hasFacet": [[
                    "@id": "kb:file-facet-\(item.id)", "@type": "uco-observable:FileFacet",
                    "uco-observable:fileName": file.name, "uco-observable:sizeInBytes": file.size,
                ], [
                    "@id": "kb:content-facet-\(item.id)", "@type": "uco-observable:ContentDataFacet",
                    "uco-observable:hash": [["@id": "kb:hash-\(item.id)", "@type": "uco-types:Hash", "uco-types:hashMethod": "SHA256", "uco-types:hashValue": ["@type": "xsd:hexBinary", "@value": file.sha256]]],
                ]],
            ])
        }
        objects.append([
            "@id": record, "@type": "case-investigation:ProvenanceRecord", "case-investigation:exhibitNumber": item.id,
            "uco-core:description": item.description, "uco-core:object": recordObjects,
        ])
        for custody in manifest.custody {
            guard let event = try? JSON.decoder.decode(CustodyEvent.self, from: custody.signed.eventBytes) else { continue }
            let id = "\(item.id)-\(event.sequence)"
            objects.append(["@id": "kb:person-\(id)", "@type": "uco-identity:Person", "uco-core:name": event.actor])
            objects.append(["@id": "kb:location-\(id)", "@type": "uco-location:Location", "uco-core:description": event.place])
            objects.append([
                "@id": "kb:investigative-action-\(id)", "@type": "case-investigation:InvestigativeAction",
                "uco-core:name": event.action.rawValue, "uco-core:description": event.purpose,
                "uco-action:startTime": ["@type": "xsd:dateTime", "@value": event.time.formatted(.iso8601)],
                "uco-action:performer": ["@id": "kb:person-\(id)"], "uco-action:location": ["@id": "kb:location-\(id)"],
                "uco-action:object": [["@id": record]], "uco-action:result": [["@id": record]],
            ])
        }
        let bundle: [String: Any] = [
            "@context": [
                "kb": "urn:liaison:evidence:", "case-investigation": "https://ontology.caseontology.org/case/investigation/",
                "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/", "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
                "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/", "uco-location": "https://ontology.unifiedcyberontology.org/uco/location/",
                "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/", "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
                "xsd": "http://www.w3.org/2001/XMLSchema#",
            ],
            "@id": "kb:bundle-\(item.id)", "@type": "uco-core:Bundle",
            "uco-core:description": "Chain of custody of evidence item \(item.id) (case \(item.caseRef)), exported by \(manifest.exportedBy)",
            "uco-core:object": objects,
        ]
        return try JSONSerialization.data(withJSONObject: bundle, options: [.sortedKeys, .prettyPrinted])
    }
}
