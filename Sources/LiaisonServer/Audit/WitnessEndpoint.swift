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

/// The witness endpoints on the federation listener.
struct WitnessEndpoint {
    let witness: Witness
    let audit: AuditStore

    func register(on routes: RouteTable) {
        // Partners fetch this node's newest checkpoint, cosignatures included. A checkpoint
        // discloses only the log's size and root, so the listener serves it without credentials.
        routes.on(.get, "/federation/v1/audit/checkpoint", access: .anonymous, surface: .federation) { _, _ in
            guard let latest = try await audit.latestCheckpoint() else {
                throw LiaisonError(.notFound, "No checkpoint has been signed yet.")
            }
            return AuditController.note(latest)
        }
        // Callers are partner nodes; the checkpoint's signature by the pinned key authenticates them.
        routes.on(.post, "/federation/v1/witness/add-checkpoint", access: .anonymous, surface: .federation) { request, _ in
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: 64 * 1024)
            } catch {
                throw LiaisonError(.bodyTooLarge, "An add-checkpoint request is at most 64 KiB.")
            }
            let body = String(buffer: buffer)
            let parsed: AddCheckpointRequest
            do {
                parsed = try AddCheckpointRequest(body: body)
            } catch {
                throw LiaisonError(.invalidInput, "\(error)")
            }
            switch try await witness.add(parsed) {
            case .cosigned(let signature):
                return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: signature.line)))
            case .conflict(let size):
                return Response(status: .conflict, headers: [.contentType: "text/x.tlog.size"], body: .init(byteBuffer: ByteBuffer(string: "\(size)\n")))
            case .inconsistent(let detail):
                throw LiaisonError(.splitView, detail)
            }
        }
    }
}
