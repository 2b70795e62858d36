import HummingbirdCore
import NIOCore

/// Reads a request body whole, within `http.max_request_body` bytes and `http.request_timeout`:
/// a client that sends more, or sends it too slowly, gets 413 or 408 and loses the connection,
/// so a trickled body cannot hold a connection open for long.
enum HTTPBodyReader {
    enum Failure: Error {
        case tooLarge, tooSlow, broken
    }

    static func read(_ body: RequestBody, limits: HTTPLimits) async -> Result<ByteBuffer, Failure> {
        await withTaskGroup(of: Result<ByteBuffer, Failure>?.self) { group in
            group.addTask {
                do {
                    return .success(try await body.collect(upTo: limits.maxRequestBody))
                } catch is NIOTooManyBytesError {
                    return .failure(.tooLarge)
                } catch {
                    return Task.isCancelled ? nil : .failure(.broken)
                }
            }
            group.addTask {
                do { try await Task.sleep(for: limits.requestTimeout) } catch { return nil }
                return .failure(.tooSlow)
            }
            defer { group.cancelAll() }
            while let result = await group.next() {
                if let result { return result }
            }
            return .failure(.broken)
        }
    }
}
