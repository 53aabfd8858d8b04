import LaunchAgentABI
import Testing
@testable import AgentCore

/// `la_process_v1` called through its function pointer, as a plugin would.
@Suite struct ServicesProcessTableTests {
    func expectInvalid(_ json: String, naming field: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let call = ServicesTestCall()
        var exitStatus: Int32 = 12345
        let status = servicesCallProcess(json, call: call, sink: ServicesProcessSink(), exitStatus: &exitStatus)
        #expect(status == LA_ERR_INVALID_ARGUMENT, sourceLocation: sourceLocation)
        #expect(call.lastError?.code == LA_ERR_INVALID_ARGUMENT, sourceLocation: sourceLocation)
        let message = call.lastError?.message ?? ""
        #expect(message.contains(field), "message \"\(message)\" does not name \(field)", sourceLocation: sourceLocation)
        #expect(exitStatus == 12345, sourceLocation: sourceLocation)
    }

    @Test func rejectsInvalidRequestJSONNamingTheField() {
        expectInvalid("{", naming: "not valid JSON")
        expectInvalid(#""echo""#, naming: "must be a JSON object")
        expectInvalid("{}", naming: "\"argv\"")
        expectInvalid(#"{"argv":[]}"#, naming: "\"argv\"")
        expectInvalid(#"{"argv":"echo hi"}"#, naming: "\"argv\"")
        expectInvalid(#"{"argv":["echo",3]}"#, naming: "\"argv[1]\"")
        expectInvalid(#"{"argv":[""]}"#, naming: "\"argv[0]\"")
        expectInvalid(#"{"argv":["env"],"env":["A=1"]}"#, naming: "\"env\"")
        expectInvalid(#"{"argv":["env"],"env":{"A":1}}"#, naming: "\"env.A\"")
        expectInvalid(#"{"argv":["env"],"env":{"A=B":"1"}}"#, naming: "\"env\"")
        expectInvalid(#"{"argv":["env"],"inherit_env":"no"}"#, naming: "\"inherit_env\"")
        expectInvalid(#"{"argv":["env"],"cwd":7}"#, naming: "\"cwd\"")
        expectInvalid(#"{"argv":["env"],"timeout_ms":"10"}"#, naming: "\"timeout_ms\"")
        expectInvalid(#"{"argv":["env"],"kill_grace_ms":-1}"#, naming: "\"kill_grace_ms\"")
        expectInvalid(#"{"argv":["env"],"timeout":1}"#, naming: "\"timeout\"")
    }

    @Test func runsAndStreamsBothOutputs() {
        let call = ServicesTestCall()
        let sink = ServicesProcessSink()
        var exitStatus: Int32 = -100
        let json = #"{"argv":["sh","-c","cat; echo to-err >&2; exit 4"],"env":{"X":"1"},"inherit_env":true,"timeout_ms":20000,"kill_grace_ms":1000}"#
        let status = servicesCallProcess(json, stdin: Array("from stdin\n".utf8), call: call, sink: sink, exitStatus: &exitStatus)
        #expect(status == LA_OK)
        #expect(call.errors.isEmpty)
        #expect(exitStatus == 4)
        #expect(sink.stdout == Array("from stdin\n".utf8))
        #expect(sink.stderr == Array("to-err\n".utf8))
    }

    @Test func envWithoutInheritanceAndCwd() {
        let sink = ServicesProcessSink()
        var exitStatus: Int32 = -100
        let json = #"{"argv":["/usr/bin/env"],"env":{"ONLY":"this"},"inherit_env":false,"cwd":"/"}"#
        #expect(servicesCallProcess(json, call: ServicesTestCall(), sink: sink, exitStatus: &exitStatus) == LA_OK)
        #expect(String(decoding: sink.stdout, as: UTF8.self) == "ONLY=this\n")
        #expect(exitStatus == 0)
    }

    @Test func signalExitIsNegated() {
        var exitStatus: Int32 = 0
        let status = servicesCallProcess(#"{"argv":["sh","-c","kill -KILL $$"]}"#, call: ServicesTestCall(), sink: nil, exitStatus: &exitStatus)
        #expect(status == LA_OK)
        #expect(exitStatus == -9)
    }

    @Test func missingProgramIsLA_ERR_NOT_FOUND() {
        let call = ServicesTestCall()
        var exitStatus: Int32 = 0
        let status = servicesCallProcess(#"{"argv":["la-definitely-missing-tool","push"],"env":{"PATH":"/bin"}}"#,
                                         call: call, sink: nil, exitStatus: &exitStatus)
        #expect(status == LA_ERR_NOT_FOUND)
        #expect(call.lastError?.code == LA_ERR_NOT_FOUND)
        #expect(call.lastError?.message == "la-definitely-missing-tool: not found in PATH (/bin)")
    }

    @Test func timeoutIsLA_ERR_TIMEOUT() {
        let call = ServicesTestCall()
        var exitStatus: Int32 = 0
        let start = ContinuousClock.now
        let status = servicesCallProcess(#"{"argv":["sleep","60"],"timeout_ms":200,"kill_grace_ms":500}"#,
                                         call: call, sink: nil, exitStatus: &exitStatus)
        #expect(status == LA_ERR_TIMEOUT)
        #expect(call.lastError?.code == LA_ERR_TIMEOUT)
        #expect(exitStatus == -15)
        #expect(servicesElapsed(since: start) < .seconds(3))
    }

    @Test func isCancelledStopsTheProgram() {
        let call = ServicesTestCall()
        var exitStatus: Int32 = 0
        let start = ContinuousClock.now
        let canceller = ServicesDelayedCancel(call, after: .milliseconds(300))
        let status = servicesCallProcess(#"{"argv":["sleep","60"]}"#, call: call, sink: nil, exitStatus: &exitStatus)
        canceller.join()
        #expect(status == LA_ERR_CANCELLED)
        #expect(call.lastError?.code == LA_ERR_CANCELLED)
        #expect(servicesElapsed(since: start) < .seconds(3))
    }

    @Test func errorMessagesAreRedacted() {
        let secret = servicesUniqueSecret("tool")
        Redactor.shared.register(secret)
        let call = ServicesTestCall()
        var exitStatus: Int32 = 0
        _ = servicesCallProcess(#"{"argv":["\#(secret)"],"env":{"PATH":"/bin"}}"#, call: call, sink: nil, exitStatus: &exitStatus)
        #expect(call.lastError?.code == LA_ERR_NOT_FOUND)
        #expect(call.lastError?.message.contains(secret) == false)
        #expect(call.lastError?.message.contains("[REDACTED]") == true)
    }
}

/// The sink half of `la_process_v1`: errors through `on_error`, and stopping
/// the child from `on_stdout`/`on_stderr`.
@Suite struct ServicesProcessSinkTests {
    @Test func onErrorReceivesTheFailureAndTheCallStaysClean() {
        let call = ServicesTestCall()
        let sink = ServicesProcessSink(onError: true)
        var exitStatus: Int32 = 0
        let status = servicesCallProcess(#"{"argv":["la-definitely-missing-tool","push"],"env":{"PATH":"/bin"}}"#,
                                         call: call, sink: sink, exitStatus: &exitStatus)
        #expect(status == LA_ERR_NOT_FOUND)
        #expect(sink.errors == [ServicesSinkError(code: LA_ERR_NOT_FOUND, message: "la-definitely-missing-tool: not found in PATH (/bin)", details: "")])
        #expect(call.errors.isEmpty, "the service touched the plugin's call: \(call.errors)")

        let invalid = ServicesProcessSink(onError: true)
        #expect(servicesCallProcess(#"{"argv":[]}"#, call: call, sink: invalid, exitStatus: &exitStatus) == LA_ERR_INVALID_ARGUMENT)
        #expect(invalid.errors.map(\.code) == [LA_ERR_INVALID_ARGUMENT])
        #expect(invalid.errors.first?.message.contains("\"argv\"") == true)
        #expect(invalid.errors.first?.details == "")

        let timedOut = ServicesProcessSink(onError: true)
        #expect(servicesCallProcess(#"{"argv":["sleep","60"],"timeout_ms":200,"kill_grace_ms":500}"#,
                                    call: call, sink: timedOut, exitStatus: &exitStatus) == LA_ERR_TIMEOUT)
        #expect(timedOut.errors.map(\.code) == [LA_ERR_TIMEOUT])
        #expect(timedOut.errors.map(\.details) == [""])
        #expect(exitStatus == -15)
        #expect(call.errors.isEmpty)

        // A program that exits non-zero ran: no error anywhere.
        let failing = ServicesProcessSink(onError: true)
        #expect(servicesCallProcess(#"{"argv":["sh","-c","exit 3"]}"#, call: call, sink: failing, exitStatus: &exitStatus) == LA_OK)
        #expect(exitStatus == 3)
        #expect(failing.errors.isEmpty)
    }

    @Test func onErrorCarriesRetryableForASpawnTheSystemRefused() throws {
        // One argument over the kernel's per-string limit (128 KiB): execve
        // fails with E2BIG, which the runner reports as "could not start".
        let json = #"{"argv":["true","\#(String(repeating: "x", count: 200_000))"]}"#
        let sink = ServicesProcessSink(onError: true)
        let quiet = ServicesTestCall()
        var exitStatus: Int32 = 0
        #expect(servicesCallProcess(json, call: quiet, sink: sink, exitStatus: &exitStatus) == LA_ERR_IO)
        try #require(sink.errors.count == 1)
        #expect(sink.errors[0].code == LA_ERR_IO)
        #expect(sink.errors[0].message.hasPrefix("true: could not start"), "\(sink.errors[0].message)")
        #expect(sink.errors[0].details == #"{"retryable":true}"#)
        #expect(quiet.errors.isEmpty)

        // Without on_error, set_error gets the very same code, message and details.
        let call = ServicesTestCall()
        #expect(servicesCallProcess(json, call: call, sink: ServicesProcessSink(), exitStatus: &exitStatus) == LA_ERR_IO)
        let recorded = try #require(call.lastError)
        #expect(ServicesSinkError(code: recorded.code, message: recorded.message, details: recorded.details) == sink.errors[0])
    }

    @Test func onErrorMessagesAreRedacted() {
        let secret = servicesUniqueSecret("tool")
        Redactor.shared.register(secret)
        let sink = ServicesProcessSink(onError: true)
        var exitStatus: Int32 = 0
        _ = servicesCallProcess(#"{"argv":["\#(secret)"],"env":{"PATH":"/bin"}}"#, call: ServicesTestCall(), sink: sink, exitStatus: &exitStatus)
        #expect(sink.errors.count == 1)
        #expect(sink.errors.first?.message.contains(secret) == false)
        #expect(sink.errors.first?.message.contains("[REDACTED]") == true)
    }

    @Test func withoutOnErrorTheFailureGoesToTheCall() {
        let offset = MemoryLayout<la_process_sink_v1>.offset(of: \la_process_sink_v1.on_error)!
        for sink in [ServicesProcessSink(onError: false), ServicesProcessSink(onError: true, structSize: offset)] {
            let call = ServicesTestCall()
            var exitStatus: Int32 = 0
            let status = servicesCallProcess(#"{"argv":["la-definitely-missing-tool"],"env":{"PATH":"/bin"}}"#,
                                             call: call, sink: sink, exitStatus: &exitStatus)
            #expect(status == LA_ERR_NOT_FOUND)
            #expect(sink.errors.isEmpty)
            #expect(call.errors.count == 1)
            #expect(call.lastError?.message == "la-definitely-missing-tool: not found in PATH (/bin)")
        }
    }

    @Test func stopFromOnStdoutKillsYesQuickly() {
        let call = ServicesTestCall()
        let sink = ServicesProcessSink(onError: true)
        sink.stopAfterStdoutBytes = 1
        var exitStatus: Int32 = 0
        let start = ContinuousClock.now
        let status = servicesCallProcess(#"{"argv":["yes"]}"#, call: call, sink: sink, exitStatus: &exitStatus)
        #expect(status == LA_ERR_CANCELLED)
        #expect(servicesElapsed(since: start) < .seconds(3))
        #expect(exitStatus == -15)  // SIGTERM, well before the default 10 s grace
        #expect(sink.stdoutCalls == 1, "output was delivered after the sink said stop")
        #expect(sink.errors == [ServicesSinkError(code: LA_ERR_CANCELLED, message: "stopped by the plugin's sink", details: "")])
        #expect(call.errors.isEmpty)
    }

    @Test func stopEscalatesToSIGKILLAfterTheGrace() {
        // The shell and its children ignore SIGTERM; kill_grace_ms later the group gets SIGKILL.
        let call = ServicesTestCall()
        let sink = ServicesProcessSink()  // no on_error: the stop is recorded on the call
        sink.stopAfterStdoutBytes = 1
        var exitStatus: Int32 = 0
        let start = ContinuousClock.now
        let json = #"{"argv":["sh","-c","trap '' TERM; while :; do echo tick; sleep 0.05; done"],"kill_grace_ms":300}"#
        let status = servicesCallProcess(json, call: call, sink: sink, exitStatus: &exitStatus)
        #expect(status == LA_ERR_CANCELLED)
        #expect(exitStatus == -9)
        #expect(servicesElapsed(since: start) >= .milliseconds(300))
        #expect(servicesElapsed(since: start) < .seconds(3))
        #expect(sink.stdoutCalls == 1)
        #expect(call.lastError?.code == LA_ERR_CANCELLED)
        #expect(call.lastError?.message == "stopped by the plugin's sink")
    }

    @Test func stopFromOnStderr() {
        let sink = ServicesProcessSink(onError: true)
        sink.stopAtStderr = true
        var exitStatus: Int32 = 0
        let start = ContinuousClock.now
        let status = servicesCallProcess(#"{"argv":["sh","-c","echo oops >&2; sleep 60"]}"#, call: ServicesTestCall(), sink: sink, exitStatus: &exitStatus)
        #expect(status == LA_ERR_CANCELLED)
        #expect(servicesElapsed(since: start) < .seconds(3))
        #expect(String(decoding: sink.stderr, as: UTF8.self) == "oops\n")
        #expect(sink.errors.map(\.code) == [LA_ERR_CANCELLED])
    }
}

@Suite struct ServicesHostServicesTests {
    @Test func offersTheThreeTablesByID() throws {
        #expect(HostServices.httpID == LA_SERVICE_HTTP)
        #expect(HostServices.processID == LA_SERVICE_PROCESS)
        #expect(HostServices.secretsID == LA_SERVICE_SECRETS)
        let http = try #require(HostServices.service(forID: "launch-agent.http/1"))
        let process = try #require(HostServices.service(forID: "launch-agent.process/1"))
        let secrets = try #require(HostServices.service(forID: "launch-agent.secrets/1"))
        #expect(http.assumingMemoryBound(to: la_http_v1.self).pointee.struct_size == UInt32(MemoryLayout<la_http_v1>.size))
        #expect(process.assumingMemoryBound(to: la_process_v1.self).pointee.struct_size == UInt32(MemoryLayout<la_process_v1>.size))
        #expect(secrets.assumingMemoryBound(to: la_secrets_v1.self).pointee.struct_size == UInt32(MemoryLayout<la_secrets_v1>.size))
        #expect(http.assumingMemoryBound(to: la_http_v1.self).pointee.request != nil)
        #expect(process.assumingMemoryBound(to: la_process_v1.self).pointee.run != nil)
        // Stable: the same pointer every time.
        #expect(HostServices.service(forID: "launch-agent.http/1") == http)
        #expect(HostServices.service(forID: "launch-agent.process/1") == process)
    }

    @Test func unknownIDsGetNil() {
        #expect(HostServices.service(forID: "launch-agent.http/2") == nil)
        #expect(HostServices.service(forID: "launch-agent.log/1") == nil)
        #expect(HostServices.service(forID: "") == nil)
    }
}
