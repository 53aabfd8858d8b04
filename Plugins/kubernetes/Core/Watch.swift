#if canImport(Glibc)
import Glibc
#endif

/// Watches and pod logs: newline-delimited streams read as they arrive.
extension KubeClient {
    /// One watch connection from `resourceVersion` (nil or "0": the current objects as ADDED first).
    /// `onEvent` returns false to stop. Returns the last resourceVersion seen (to watch on from) when the
    /// server or `onEvent` ends the stream. Throws `.expired` when `resourceVersion` is too old (an `ERROR`
    /// event with a 410 Status, or a 410 answer): re-list, then watch from the list's resourceVersion —
    /// ``listWatch(_:namespace:labelSelector:fieldSelector:timeoutSeconds:isCancelled:onList:onEvent:)`` does that.
    public func watch(_ resource: KubeResource, namespace: String?, labelSelector: String? = nil,
                      fieldSelector: String? = nil, resourceVersion: String?, timeoutSeconds: Int? = nil,
                      onEvent: (KubeWatchEvent) throws -> Bool) throws -> String? {
        let ns = resource.namespaced ? (namespace ?? defaultNamespace) : nil
        var query: [(String, String)] = [("watch", "1"), ("allowWatchBookmarks", "true")]
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
        if let timeoutSeconds { query.append(("timeoutSeconds", String(timeoutSeconds))) }
        var lines = KubeLineBuffer()
        var last = resourceVersion
        var failure: KubeError?
        var errorBody: [UInt8] = []
        var status = 0
        do {
            status = try send(method: "GET", path: resource.path(namespace: ns), query: query, body: nil, contentType: nil,
                              timeoutMilliseconds: timeoutSeconds.map { ($0 + 30) * 1000 },
                              describe: ("watch", resource.plural, ns, nil),
                              onHead: { head in status = head.status }) { chunk in
                if status != 0 && !(200..<300).contains(status) { errorBody.append(contentsOf: chunk); return }
                try lines.feed(chunk) { line in
                    guard let event = try? KubeJSON(parsing: line) else {
                        throw KubeError(.decoding, "the watch of \(resource.plural) sent a line that is not JSON")
                    }
                    if event["kind"]?.stringValue == "Status", event["type"] == nil {
                        // A Status body instead of events: the request failed (head not known yet).
                        errorBody = Array(line.utf8)
                        throw StopStream()
                    }
                    guard let type = event["type"]?.stringValue, let object = event["object"] else {
                        throw KubeError(.decoding, "the watch of \(resource.plural) sent an event without type or object")
                    }
                    if type == "ERROR" {
                        let code = object["code"]?.intValue ?? 500
                        failure = KubeError.fromResponse(status: code, body: Array(object.serializedBytes), verb: "watch",
                                                         resource: resource.plural, namespace: ns, name: nil)
                        throw StopStream()
                    }
                    guard let kind = KubeWatchEvent.Kind(rawValue: type) else { return }
                    if let rv = object["metadata", "resourceVersion"]?.stringValue { last = rv }
                    if kind == .bookmark { return }
                    if try !onEvent(KubeWatchEvent(type: kind, object: object)) { throw StopStream() }
                }
            }
        } catch is StopStream {
            if let failure { throw failure }
            if !errorBody.isEmpty {
                let code = (try? KubeJSON(parsing: errorBody))?["code"]?.intValue ?? 500
                throw KubeError.fromResponse(status: code, body: errorBody, verb: "watch", resource: resource.plural, namespace: ns, name: nil)
            }
            return last
        }
        guard (200..<300).contains(status) else {
            throw KubeError.fromResponse(status: status, body: errorBody.isEmpty ? lines.rest : errorBody, verb: "watch",
                                         resource: resource.plural, namespace: ns, name: nil)
        }
        return last
    }

    /// List, then watch from the list's resourceVersion, for as long as `onList`/`onEvent` return true:
    /// reconnects when the server closes the watch (every `timeoutSeconds`), re-lists when the
    /// resourceVersion expired (410) and hands the fresh state to `onList` again, and retries a dropped
    /// connection up to 5 times in a row (1 s apart). `isCancelled` is checked between connections
    /// (the transport stops a connection in flight).
    public func listWatch(_ resource: KubeResource, namespace: String?, labelSelector: String? = nil,
                          fieldSelector: String? = nil, timeoutSeconds: Int = 60, isCancelled: () -> Bool = { false },
                          onList: (KubeList) throws -> Bool, onEvent: (KubeWatchEvent) throws -> Bool) throws {
        var resourceVersion: String?
        var failures = 0
        while true {
            if isCancelled() { throw KubeError(.cancelled, "cancelled") }
            do {
                if resourceVersion == nil {
                    let list = try self.list(resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
                    if try !onList(list) { return }
                    resourceVersion = list.resourceVersion
                }
                var stopped = false
                let last = try watch(resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                                     resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds) { event in
                    let goOn = try onEvent(event)
                    stopped = !goOn
                    return goOn
                }
                if stopped { return }
                resourceVersion = last ?? resourceVersion
                failures = 0
            } catch let error as KubeError where error.kind == .expired {
                resourceVersion = nil
            } catch let error as KubeError where error.kind == .io && error.retryable && failures < 5 {
                failures += 1
                KubeClock.sleep(seconds: 1)
            }
        }
    }

    /// Reads a pod's log (one container's), line by line; with `follow`, until the container ends.
    /// `sinceSeconds`/`tailLines` as in `kubectl logs`. Throws the API's error (a container that has not
    /// started yet is a 400 `BadRequest`).
    public func logs(pod: String, namespace: String?, container: String? = nil, follow: Bool = false,
                     tailLines: Int? = nil, sinceSeconds: Int? = nil, onLine: (String) throws -> Void) throws {
        let ns = namespace ?? defaultNamespace
        var query: [(String, String)] = []
        if let container { query.append(("container", container)) }
        if follow { query.append(("follow", "true")) }
        if let tailLines { query.append(("tailLines", String(tailLines))) }
        if let sinceSeconds { query.append(("sinceSeconds", String(sinceSeconds))) }
        var lines = KubeLineBuffer()
        var status = 0
        var errorBody: [UInt8] = []
        // Until the status is known, a first line that is a Status object is held back (it is the error).
        var held: String?
        var sawLine = false
        func deliver(_ line: String) throws {
            if !sawLine {
                sawLine = true
                if status == 0, line.hasPrefix("{"), let j = try? KubeJSON(parsing: line), j["kind"]?.stringValue == "Status" {
                    held = line
                    return
                }
            } else if let h = held {
                held = nil
                try onLine(h)
            }
            try onLine(line)
        }
        status = try send(method: "GET", path: KubeResource.pods.path(namespace: ns, name: pod, subresource: "log"),
                          query: query, body: nil, contentType: nil, timeoutMilliseconds: follow ? nil : requestTimeoutMilliseconds,
                          describe: ("get", "pods/log", ns, pod),
                          onHead: { head in status = head.status }) { chunk in
            if status != 0 && !(200..<300).contains(status) { errorBody.append(contentsOf: chunk); return }
            try lines.feed(chunk) { try deliver($0) }
        }
        guard (200..<300).contains(status) else {
            let body = !errorBody.isEmpty ? errorBody : held.map { Array($0.utf8) } ?? lines.rest
            throw KubeError.fromResponse(status: status, body: body, verb: "get", resource: "pods/log", namespace: ns, name: pod)
        }
        if let h = held { try onLine(h) }
        try lines.finish { try deliver($0) }
    }
}

extension KubeClient {
    /// Follows a pod's log from byte `offset` for at most `timeoutMilliseconds`, handing out complete lines.
    /// Returns the offset after the last complete line and whether the log ended (the container stopped);
    /// `ended == false` means the time ran out first — call again with the returned offset to go on.
    ///
    /// This is how a caller keeps control while a container is quiet (a `follow` request blocks without
    /// data, and may even outlive its container when a node is lost): a fresh request re-reads the log from
    /// its start, and the first `offset` bytes are skipped, so no line is handed out twice. A container's log
    /// only grows, so this holds for one container instance (kubelet log rotation aside).
    public func followLogs(pod: String, namespace: String?, container: String? = nil, from offset: Int,
                           timeoutMilliseconds: Int, onLine: (String) throws -> Void) throws -> (offset: Int, ended: Bool) {
        let ns = namespace ?? defaultNamespace
        var query: [(String, String)] = [("follow", "true")]
        if let container { query.append(("container", container)) }
        var position = 0
        var consumed = offset
        var pending: [UInt8] = []
        var status = 0
        var errorBody: [UInt8] = []
        var ended = true
        do {
            status = try send(method: "GET", path: KubeResource.pods.path(namespace: ns, name: pod, subresource: "log"), query: query,
                              body: nil, contentType: nil, timeoutMilliseconds: timeoutMilliseconds,
                              describe: ("get", "pods/log", ns, pod), onHead: { head in status = head.status }) { chunk in
                if status != 0 && !(200..<300).contains(status) { errorBody.append(contentsOf: chunk); return }
                for byte in chunk {
                    position += 1
                    if position <= offset { continue }
                    if byte == 10 {
                        if pending.last == 13 { pending.removeLast() }
                        let line = String(decoding: pending, as: UTF8.self)
                        pending.removeAll(keepingCapacity: true)
                        consumed = position
                        try onLine(line)
                    } else {
                        pending.append(byte)
                    }
                }
            }
        } catch let error as KubeError where error.kind == .io && error.reason == KubeError.timeoutReason {
            ended = false
        }
        if ended {
            if status == 0 || !(200..<300).contains(status) {
                var body = errorBody
                if body.isEmpty { body = pending }
                throw KubeError.fromResponse(status: status, body: body, verb: "get", resource: "pods/log", namespace: ns, name: pod)
            }
            // A Status body arriving before the head (transports that report the head late) is an error too.
            if consumed == offset, pending.first == UInt8(ascii: "{"), let j = try? KubeJSON(parsing: pending),
               j["kind"]?.stringValue == "Status", let code = j["code"]?.intValue, code >= 400 {
                throw KubeError.fromResponse(status: code, body: pending, verb: "get", resource: "pods/log", namespace: ns, name: pod)
            }
            if !pending.isEmpty {
                consumed = position
                try onLine(String(decoding: pending, as: UTF8.self))
            }
        }
        return (consumed, ended)
    }
}

/// Thrown inside a stream handler to end the transfer on purpose.
struct StopStream: Error {}

/// Splits chunks into lines (without `\n`; a trailing `\r` dropped); lines over 1 MiB are cut.
struct KubeLineBuffer {
    private var pending: [UInt8] = []

    /// What has not been handed out yet.
    var rest: [UInt8] { pending }

    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (String) throws -> Void) throws {
        for byte in chunk {
            if byte == 10 {
                try flush(emit)
            } else {
                pending.append(byte)
                if pending.count >= 1 << 20 { try flush(emit) }
            }
        }
    }

    mutating func finish(_ emit: (String) throws -> Void) throws {
        if !pending.isEmpty { try flush(emit) }
    }

    private mutating func flush(_ emit: (String) throws -> Void) throws {
        if pending.last == 13 { pending.removeLast() }
        let line = String(decoding: pending, as: UTF8.self)
        pending.removeAll(keepingCapacity: true)
        try emit(line)
    }
}

extension KubeClock {
    /// Sleeps the calling thread.
    public static func sleep(seconds: Double) {
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
