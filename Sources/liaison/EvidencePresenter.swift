import Foundation
import LiaisonCore
import LiaisonMatching
import LiaisonSafeguards
import LiaisonServer
import LiaisonStore


/// `liaison evidence export`: builds an item's package from a node's data directory.
enum EvidenceExport {
    static func package(dataDirectory: String, databaseURL: String?, id: String) async throws -> Data {
        try await NodeServices.with(dataDirectory: dataDirectory, databaseURL: databaseURL) { node in
            let package = try await node.packages.build(id)
            try await node.auditStore.record([AuditEvent(time: node.clock.now(), operation: .evidenceExported, actor: "cli", subject: "evidence:\(id)")], at: node.clock.now())
            return package
        }
    }
}
