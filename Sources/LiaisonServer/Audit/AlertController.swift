import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import LiaisonCore
import LiaisonCrypto
import LiaisonSafeguards
import LiaisonStore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Alerts for the oversight roles.
struct AlertController {
    let store: WitnessStore

    struct AlertView: Encodable {
        var id: String
        var raisedAt: Date
        var kind: String
        var source: String
        var detail: String
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v1/alerts", access: AccessRule.auditReaders, surface: .api) { _, _ in
            try JSONBody.response(try await store.alerts().map { AlertView(id: $0.id, raisedAt: $0.raisedAt, kind: $0.kind, source: $0.source, detail: $0.detail) })
        }
    }
}
