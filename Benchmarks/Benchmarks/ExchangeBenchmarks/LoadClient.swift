import NIOCore
import NIOPosix

/// The benchmark's API clients: a lean HTTP/1.1 load generator, as `wrk` is one, so that the
/// figure measures the node and not a client library in the same process. Each client is one
/// keep-alive connection that writes a prepared request, reads the answer's status line and
/// `Content-Length` body, and sends the next request, all on its connection's event loop.
///
/// AsyncHTTPClient (which the node itself uses to reach its partners) spends about as much CPU
/// on a request as the node's HTTP server does; the trace prints both clients' cost.
enum LoadClient {
    /// Sends `count` copies of `request` over one new connection to 127.0.0.1:`port`, one at a
    /// time; fails on the first answer whose status is not `expecting`.
    static func send(_ request: ByteBuffer, count: Int, to port: Int, expecting status: Int) async throws {
        guard count > 0 else { return }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: "127.0.0.1", port: port)
            .get()
        let done = channel.eventLoop.makePromise(of: Void.self)
        let handler = Handler(request: request, remaining: count, expecting: status, done: done)
        do {
            try await channel.pipeline.addHandler(handler).get()
            channel.writeAndFlush(request, promise: nil)
            try await done.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        try await channel.close()
    }

    /// Reads one answer at a time: the head up to its blank line, then `Content-Length` bytes.
    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let request: ByteBuffer
        var remaining: Int
        let expecting: Int
        let done: EventLoopPromise<Void>
        var received = ByteBuffer()
        var finished = false

        init(request: ByteBuffer, remaining: Int, expecting: Int, done: EventLoopPromise<Void>) {
            self.request = request
            self.remaining = remaining
            self.expecting = expecting
            self.done = done
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            received.writeBuffer(&bytes)
            while let (status, length) = Self.answer(in: received) {
                guard status == expecting else {
                    finish(.failure(LoadError(message: "answered \(status) instead of \(expecting): \(String(buffer: received))")))
                    return
                }
                received.moveReaderIndex(forwardBy: length)
                received.discardReadBytes()
                remaining -= 1
                if remaining == 0 {
                    finish(.success(()))
                    return
                }
                context.writeAndFlush(wrapOutboundOut(request), promise: nil)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            finish(.failure(LoadError(message: "the node closed the connection with \(remaining) requests to go")))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            finish(.failure(error))
            context.close(promise: nil)
        }

        /// Completes the run once: the connection closing after the last answer (or after an
        /// error) reports nothing more.
        private func finish(_ outcome: Result<Void, any Error>) {
            guard !finished else { return }
            finished = true
            done.completeWith(outcome)
        }

        /// The status and whole length of the complete answer at the start of `buffer`, if it has
        /// arrived: the head up to its blank line, read byte by byte (the status line's code and
        /// the `Content-Length` header), then the body's length.
        static func answer(in buffer: ByteBuffer) -> (status: Int, length: Int)? {
            buffer.withUnsafeReadableBytes { bytes -> (status: Int, length: Int)? in
                let (cr, lf, colon, space) = (UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: ":"), UInt8(ascii: " "))
                // "HTTP/1.1 201 Created\r\n": the code is the three digits after the first space.
                guard bytes.count >= 12 else { return nil }
                var status = 0
                for byte in bytes[9..<12] { status = status * 10 + Int(byte &- UInt8(ascii: "0")) }
                var bodyLength = 0
                var lineStart = 0
                var index = 0
                while index + 1 < bytes.count {
                    guard bytes[index] == cr, bytes[index + 1] == lf else {
                        index += 1
                        continue
                    }
                    if index == lineStart {
                        let end = index + 2 + bodyLength
                        return end <= bytes.count ? (status, end) : nil
                    }
                    if index - lineStart > 15, Self.isContentLength(bytes[lineStart..<lineStart + 14]), bytes[lineStart + 14] == colon {
                        bodyLength = 0
                        for byte in bytes[(lineStart + 15)..<index] where byte != space { bodyLength = bodyLength * 10 + Int(byte &- UInt8(ascii: "0")) }
                    }
                    index += 2
                    lineStart = index
                }
                return nil
            }
        }

        private static let contentLength = Array("content-length".utf8)

        /// Whether a header name is `Content-Length`, in any case.
        private static func isContentLength(_ name: Slice<UnsafeRawBufferPointer>) -> Bool {
            zip(name, contentLength).allSatisfy { $0 | 0x20 == $1 }
        }
    }

    struct LoadError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

extension LoadClient {
    /// A POST of a JSON body with a bearer token, as bytes to send as they are.
    static func post(_ path: String, json: String, token: String, port: Int) -> ByteBuffer {
        ByteBuffer(string: "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nAuthorization: Bearer \(token)\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)")
    }

    /// A GET with a bearer token.
    static func get(_ path: String, token: String, port: Int) -> ByteBuffer {
        ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(token)\r\n\r\n")
    }
}
