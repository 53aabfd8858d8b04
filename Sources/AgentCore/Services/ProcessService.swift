import LaunchAgentABI

/// `la_process_v1` (LA_SERVICE_PROCESS): plugins run programs (docker,
/// kubectl, gcloud) through `ProcessRunner`, so every child is stopped the
/// same way and none inherits the agent's descriptors.
enum ProcessService {
    /// Allocated once and never freed: service tables live for the process.
    nonisolated(unsafe) static let table: UnsafePointer<la_process_v1> = {
        let table = UnsafeMutablePointer<la_process_v1>.allocate(capacity: 1)
        table.initialize(to: la_process_v1())
        table.pointee.struct_size = UInt32(MemoryLayout<la_process_v1>.size)
        table.pointee.run = { _, call, requestJSON, stdinData, sink, exitStatus in
            ProcessService.run(call: ServiceCall(raw: call), requestJSON: requestJSON, stdinData: stdinData, sink: sink, exitStatus: exitStatus)
        }
        return UnsafePointer(table)
    }()

    /// A parsed request: the header's JSON with its defaults applied.
    struct Request {
        var argv: [String]
        var env: [String: String] = [:]
        var inheritEnvironment = true
        var cwd: String?
        var timeout: Duration?
        var killGrace: Duration = .seconds(10)
    }

    /// Serves one `run()`. Every failure, including a malformed request, is
    /// reported through the sink's `on_error` when it has one (else on the
    /// call), once, before the non-zero status is returned; only a spawn the
    /// system refused carries details (`{"retryable":true}`).
    static func run(
        call plainCall: ServiceCall, requestJSON: la_str, stdinData: la_str,
        sink: UnsafePointer<la_process_sink_v1>?, exitStatus: UnsafeMutablePointer<Int32>?
    ) -> la_status {
        var call = plainCall
        call.errorSink = ServiceErrorSink(sink, onError: \la_process_sink_v1.on_error, ctx: \la_process_sink_v1.ctx)
        let request: Request
        do throws(ServiceRequestError) {
            request = try parse(serviceBytes(requestJSON))
        } catch {
            return call.fail(LA_ERR_INVALID_ARGUMENT, error.message)
        }
        let onStdout = sink.flatMap { s in serviceHasField(s, \la_process_sink_v1.on_stdout) ? s.pointee.on_stdout : nil }
        let onStderr = sink.flatMap { s in serviceHasField(s, \la_process_sink_v1.on_stderr) ? s.pointee.on_stderr : nil }
        let ctx = sink.flatMap { s in serviceHasField(s, \la_process_sink_v1.ctx) ? s.pointee.ctx : nil }
        /// Hands a chunk to the plugin; a non-zero return asks the runner to stop the program.
        func deliver(
            _ fn: (@convention(c) (UnsafeMutableRawPointer?, la_str) -> Int32)?, _ chunk: UnsafeRawBufferPointer
        ) throws(ProcessRunner.StopRequest) {
            guard let fn else { return }
            if withServiceStr(bytes: chunk, { fn(ctx, $0) }) != 0 { throw ProcessRunner.StopRequest() }
        }
        do throws(ProcessError) {
            let status = try ProcessRunner.run(
                argv: request.argv, env: request.env, inheritEnvironment: request.inheritEnvironment, cwd: request.cwd,
                stdin: serviceBytes(stdinData), timeout: request.timeout, killGrace: request.killGrace,
                cancel: { call.isCancelled },
                onStdout: { chunk throws(ProcessRunner.StopRequest) in try deliver(onStdout, chunk) },
                onStderr: { chunk throws(ProcessRunner.StopRequest) in try deliver(onStderr, chunk) })
            exitStatus?.pointee = status.code
            return LA_OK
        } catch {
            switch error {
            case .invalidArgument(let m): return call.fail(LA_ERR_INVALID_ARGUMENT, m)
            case .notFound(let m): return call.fail(LA_ERR_NOT_FOUND, m)
            case .spawnFailed(let m): return call.fail(LA_ERR_IO, m, retryable: true)
            case .timedOut(let m, let status):
                exitStatus?.pointee = status.code
                return call.fail(LA_ERR_TIMEOUT, m)
            case .cancelled(let m, let status):
                exitStatus?.pointee = status.code
                return call.fail(LA_ERR_CANCELLED, m)
            case .stopped(_, let status):
                exitStatus?.pointee = status.code
                return call.fail(LA_ERR_CANCELLED, serviceStoppedBySinkMessage)
            }
        }
    }

    static let fields: Set<String> = ["argv", "env", "inherit_env", "cwd", "timeout_ms", "kill_grace_ms"]

    /// The request JSON exactly as the header documents it. `kill_grace_ms`
    /// of 0 means "absent" (10 s), per the ABI's zero-is-default rule.
    static func parse(_ json: [UInt8]) throws(ServiceRequestError) -> Request {
        let f = try ServiceRequestFields(service: "process", json: json, allowed: fields)
        guard let argvValue = f.members["argv"], argvValue != .null else {
            throw f.error("argv", "is required (a list of strings, the program first)")
        }
        guard case .array(let items) = argvValue, !items.isEmpty else {
            throw f.error("argv", "must be a non-empty list of strings, got \(argvValue.typeDescription == "a list" ? "an empty list" : argvValue.typeDescription)")
        }
        var argv: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else { throw f.error("argv[\(i)]", "must be a string, got \(item.typeDescription)") }
            guard !s.utf8.contains(0) else { throw f.error("argv[\(i)]", "contains a NUL byte") }
            argv.append(s)
        }
        guard !argv[0].isEmpty else { throw f.error("argv[0]", "must name a program") }
        var request = Request(argv: argv)

        if let envValue = f.members["env"], envValue != .null {
            guard case .object(let members) = envValue else {
                throw f.error("env", "must be an object of string values, got \(envValue.typeDescription)")
            }
            for (key, value) in members {
                guard case .string(let s) = value else { throw f.error("env.\(key)", "must be a string, got \(value.typeDescription)") }
                guard !key.isEmpty, !key.contains("="), !key.utf8.contains(0) else {
                    throw f.error("env", "has an invalid variable name \"\(key)\" (empty, or contains '=' or NUL)")
                }
                guard !s.utf8.contains(0) else { throw f.error("env.\(key)", "contains a NUL byte") }
                request.env[key] = s
            }
        }
        request.inheritEnvironment = try f.bool("inherit_env") ?? true
        if let cwd = try f.string("cwd"), !cwd.isEmpty { request.cwd = cwd }
        if let ms = try f.nonNegativeInt("timeout_ms"), ms > 0 { request.timeout = .milliseconds(ms) }
        if let ms = try f.nonNegativeInt("kill_grace_ms"), ms > 0 { request.killGrace = .milliseconds(ms) }
        return request
    }
}
