import FoundationEssentials

/// One job from claim to end: source → context and tag → registry check →
/// build and push → launch → watch. Every failure ends the job with a stage
/// (agent, build, run) and a reason; nothing escapes to stop the agent.
struct JobPipeline {
    let runtime: AgentRuntime
    let record: JobRecord
    let log: JobLog
    /// Set when the agent is stopping: plugin calls see it as cancellation.
    let stopping: CallCancellation

    /// Why a stage failed, for the job record.
    struct Failure: Error {
        let stage: FailureStage
        let reason: String
    }

    /// Runs the job to an end state (or, when the agent stops, hands it back).
    func run() {
        log.write("agent", "job \(record.id) claimed by agent \(runtime.agentID) (attempt \(record.attempts))")
        do {
            let spec: JobSpec
            do { spec = try record.jobSpec() } catch { throw Failure(stage: .agent, reason: "invalid job spec: \(error.description)") }
            registerSecrets(spec)
            let source = try checkout(spec)
            let image = try buildIfNeeded(spec, source: source)
            try launchAndWatch(spec, source: source, image: image, handle: nil)
        } catch let failure as Failure {
            finish { $0.fail(failure.stage, failure.reason) }
            log.write(failure.stage.rawValue, "failed: \(failure.reason)")
        } catch let handback as HandBack {
            handBack(handback)
        } catch {
            finish { $0.fail(.agent, "\(error)") }
        }
    }

    /// Follows a job that was already launched (after an agent restart).
    func reattach() {
        guard let handle = record.runnerHandle, let spec = try? record.jobSpec() else {
            finish { $0.fail(.agent, "cannot re-attach: the record has no runner handle or spec") }
            return
        }
        log.write("agent", "agent \(runtime.agentID) re-attaches to the running job")
        do {
            try launchAndWatch(spec, source: nil, image: record.image, handle: handle)
        } catch let failure as Failure {
            finish { $0.fail(failure.stage, failure.reason) }
            log.write(failure.stage.rawValue, "failed: \(failure.reason)")
        } catch let handback as HandBack {
            handBack(handback)
        } catch {
            finish { $0.fail(.agent, "\(error)") }
        }
    }

    // MARK: - Source

    private func checkout(_ spec: JobSpec) throws -> String? {
        switch spec.source {
        case .path(let dir): return dir
        case .dockerImage: return nil
        case .git(let url, let ref):
            let dir = runtime.queue.stateDirectory + "/checkouts/" + record.id
            _ = try? ProcessRunner.capture(argv: ["rm", "-rf", "--", dir])
            let started = Date()
            try git(["clone", "--quiet", "-c", "protocol.ext.allow=never", "--", url, dir], what: "git clone \(url)")
            if let ref { try git(["-C", dir, "checkout", "--quiet", "--detach", ref], what: "git checkout \(ref)") }
            noteDuration("checkout", since: started)
            return dir
        }
    }

    private func git(_ args: [String], what: String) throws {
        do {
            let out = try ProcessRunner.capture(argv: ["git"] + args, env: ["GIT_TERMINAL_PROMPT": "0"],
                                                timeout: .seconds(600), cancel: { stopping.isCancelled })
            guard out.status == .exited(0) else {
                let why = String(decoding: out.stderr, as: UTF8.self).split(whereSeparator: \.isNewline).last.map(String.init) ?? "\(out.status)"
                throw Failure(stage: .agent, reason: "\(what) failed: \(why)")
            }
        } catch let error as ProcessError {
            throw Failure(stage: .agent, reason: "\(what) failed: \(error)")
        }
    }

    // MARK: - Build

    /// The image the job runs, building it when the registry lacks it.
    private func buildIfNeeded(_ spec: JobSpec, source: String?) throws -> String? {
        if case .dockerImage(let image) = spec.source { return image }
        guard let source else { return nil }
        guard let builderSection = runtime.builderSection, builderSection.name != "noop" else {
            log.write("build", "no build: \(runtime.builderChoice)")
            return nil
        }
        guard let destination = runtime.config.builder.destination else {
            log.write("build", "no build: builder.destination is not set, so there is nowhere to push; the job runs from its source")
            return nil
        }
        update { $0.status = .building }
        let started = Date()
        let platforms = spec.platforms.isEmpty ? runtime.config.builder.platforms : spec.platforms
        let prepared = try prepareContext(spec, source: source, platforms: platforms)
        defer { prepared.removeStaging() }
        let image: ImageReference
        do { image = try ImageReference.image(destination: destination, tag: prepared.tag) } catch {
            throw Failure(stage: .build, reason: "builder.destination \(destination): \(error)")
        }
        let imageText = image.description
        update { $0.image = imageText }
        log.write("build", "context \(prepared.fileCount) files, \(prepared.byteCount) bytes; tag \(prepared.tag) → \(imageText)")

        var built = false
        while !built {
            if let reason = try existing(image, platforms: platforms) {
                update {
                    $0.buildSkipped = true
                    $0.buildSkipReason = reason
                }
                log.write("build", "build skipped: \(reason)")
                noteDuration("build", since: started)
                return imageText
            }
            built = try runtime.builds.exclusive(imageText) {
                try build(prepared, image: image, platforms: platforms, spec: spec)
            }
        }
        noteDuration("build", since: started)
        return imageText
    }

    private func prepareContext(_ spec: JobSpec, source: String, platforms: [String]) throws -> PreparedContext {
        var dockerfile = spec.effectiveDockerfile
        var generated: GeneratedDockerfile?
        if dockerfile == nil {
            if FileManager.default.fileExists(atPath: source + "/Dockerfile") {
                dockerfile = "Dockerfile"
            } else {
                generated = GeneratedDockerfile(entryPoint: spec.effectiveEntryPoint ?? [],
                                                pythonVersion: spec.python?.version, baseImage: spec.python?.baseImage)
            }
        }
        let registry = runtime.registry, auth = runtime.registryAuth
        do {
            return try BuildContext.prepare(
                source: source, dockerfile: dockerfile, generated: generated, buildArgs: spec.buildArgs, platforms: platforms,
                resolveBase: { ref in
                    let image = try ImageReference.parse(ref)
                    return try registry.resolveDigest(image, credentials: try auth.credentials(for: image.registry))
                })
        } catch {
            throw Failure(stage: .build, reason: "preparing the build context: \(error)")
        }
    }

    /// Why the build can be skipped, or nil when it must run. Fails closed:
    /// a registry error fails the job rather than guessing.
    private func existing(_ image: ImageReference, platforms: [String]) throws -> String? {
        let wanted: [Platform]
        do { wanted = try platforms.map { p throws(ImageReferenceError) in try Platform(parsing: p) } } catch {
            throw Failure(stage: .build, reason: "builder.platform: \(error)")
        }
        let credentials: RegistryCredentials?
        do { credentials = try runtime.registryAuth.credentials(for: image.registry, cancellation: stopping) } catch {
            throw Failure(stage: .build, reason: "could not get credentials for \(image.registry): \(error)")
        }
        do {
            let result = try runtime.registry.manifestExists(image, credentials: credentials, platforms: wanted)
            if result.exists { return "\(image) already exists in the registry (\(result.digest ?? "digest unknown"))" }
            log.write("build", "\(image) not in the registry: \(result.reason ?? "missing")")
            return nil
        } catch {
            throw Failure(stage: .build, reason: "could not check whether \(image) exists: \(error)")
        }
    }

    private func build(_ prepared: PreparedContext, image: ImageReference, platforms: [String], spec: JobSpec) throws {
        let builder: ComponentInstance?
        do { builder = try runtime.makeBuilder() } catch { throw Failure(stage: .build, reason: error.description) }
        guard let builder else { throw Failure(stage: .build, reason: runtime.builderChoice) }
        var request: [String: JSONValue] = [
            "job_id": .string(record.id),
            "context_dir": .string(prepared.directory),
            "dockerfile": .string(prepared.dockerfile),
            "image": .string(image.description),
            "platforms": .array(platforms.map(JSONValue.string)),
            "build_args": .object(spec.buildArgs.mapValues(JSONValue.string)),
            "context_uri": .null,
            "registry_auth": .null,
        ]
        do {
            request["registry_auth"] = try registryAuth(image.registry)
            if let hints = try runtime.environmentHints(consumer: "builder", name: builder.component.name) {
                request["environment_hints"] = hints
            }
            if let store = runtime.contextStoreSection {
                let uri = try ContextUpload(runtime: runtime, section: store, jobID: record.id, log: log, cancellation: stopping).run(prepared)
                request["context_uri"] = .string(uri)
            }
        } catch {
            if stopping.isCancelled { throw HandBack(reason: "the agent stopped during the build") }
            throw Failure(stage: .build, reason: "\(error)")
        }
        log.write("build", "building \(image) with \(builder.label)")
        do {
            let result = try builder.call("build", request: .object(request), cancellation: stopping, onLog: log.sink("build"),
                                          onProgress: { fraction, message in
                                              if message == "pushing" { _ = try? runtime.queue.update(record.id) { $0.status = .pushing } }
                                          })
            log.write("build", "pushed \(result["image"]?.stringValue ?? image.description) \(result["digest"]?.stringValue ?? "")")
        } catch {
            if stopping.isCancelled { throw HandBack(reason: "the agent stopped during the build") }
            throw Failure(stage: .build, reason: error.description)
        }
    }

    /// `registry_auth` for a builder or runner: `{"server", "username", "password"}` or null.
    private func registryAuth(_ registry: String) throws -> JSONValue {
        guard let found = try runtime.registryCredentials(for: registry, cancellation: stopping),
              let user = found.username, let password = found.password else { return .null }
        return .object(["server": .string(registry), "username": .string(user), "password": .string(password)])
    }

    // MARK: - Run

    private func launchAndWatch(_ spec: JobSpec, source: String?, image: String?, handle existing: JSONValue?) throws {
        let runner: ComponentInstance
        do { runner = try runtime.makeRunner(spec.resource) } catch { throw Failure(stage: .run, reason: error.description) }
        var handle: JSONValue
        let started = Date()
        if let existing {
            handle = existing
        } else {
            var request: [String: JSONValue] = [
                "job_id": .string(record.id),
                "image": image.map(JSONValue.string) ?? .null,
                "entry_point": .array((spec.effectiveEntryPoint ?? []).map(JSONValue.string)),
                "args": .array(spec.effectiveArgs.map(JSONValue.string)),
                "env": .object(spec.env.mapValues(JSONValue.string)),
                "resource_args": spec.runnerArgs ?? .object([:]),
            ]
            if let source { request["workdir"] = .string(source) }
            do {
                request["registry_auth"] = try image.map { try registryAuth(ImageReference.parse($0).registry) } ?? .null
                if let hints = try runtime.environmentHints(consumer: "runner", name: spec.resource) { request["environment_hints"] = hints }
            } catch {
                throw Failure(stage: .run, reason: "\(error)")
            }
            do {
                let result = try runner.callRetrying("launch", request: .object(request), timeoutSeconds: 600, onLog: log.sink("run"))
                handle = result["handle"] ?? .null
            } catch {
                throw Failure(stage: .run, reason: error.description)
            }
            // Status and handle in one write: a crash between two writes would lose the handle.
            update {
                $0.status = .running
                $0.runnerHandle = handle
            }
        }
        let outcome = try watch(runner, spec: spec, handle: handle)
        noteDuration("run", since: started)
        let state = outcome["state"]?.stringValue ?? "lost"
        let exitCode = outcome["exit_code"]?.intValue.map(Int32.init)
        let reason = outcome["reason"]?.stringValue
        log.write("run", "ended: \(state)\(exitCode.map { " (exit code \($0))" } ?? "")\(reason.map { ": \($0)" } ?? "")")
        finish { r in
            r.exitCode = exitCode
            switch state {
            case "finished": r.status = .finished
            case "cancelled": r.status = .cancelled
            default: r.fail(.run, reason ?? state)
            }
        }
    }

    /// Watches until the job ends; meanwhile a cancel request from
    /// `agent jobs cancel` is passed to the runner.
    private func watch(_ runner: ComponentInstance, spec: JobSpec, handle: JSONValue) throws -> JSONValue {
        let done = CallCancellation()
        let queue = runtime.queue, id = record.id, runtime = self.runtime, log = self.log
        Thread.detach {
            var asked = false
            while !done.isCancelled {
                if !asked, (try? queue.show(id))?.cancelRequested == true {
                    asked = true
                    log.write("run", "cancel requested")
                    _ = try? runtime.makeRunner(spec.resource).callRetrying("cancel", request: .object(["handle": handle]), timeoutSeconds: 120,
                                                                            onLog: log.sink("run"))
                }
                var ts = timespec(tv_sec: 1, tv_nsec: 0)
                nanosleep(&ts, nil)
            }
        }
        defer { done.cancel() }
        do {
            // watch may be called again for the same handle: a dropped connection to the cluster is retried.
            return try runner.callRetrying("watch", request: .object(["handle": handle]), attempts: 6, timeoutSeconds: 365 * 24 * 3600,
                                           cancellation: stopping, onLog: log.sink("run"))
        } catch {
            if stopping.isCancelled { throw HandBack(reason: "the agent stopped while the job runs; the next agent re-attaches") }
            throw Failure(stage: .run, reason: error.description)
        }
    }

    // MARK: - Records

    /// The agent is stopping: leave the job for the next agent.
    struct HandBack: Error { let reason: String }

    private func handBack(_ handBack: HandBack) {
        log.write("agent", handBack.reason)
        _ = try? runtime.queue.update(record.id) { r in
            if r.runnerHandle == nil { r.status = .queued }
        }
        runtime.queue.release(record.id)
    }

    private func update(_ mutate: (inout JobRecord) -> Void) {
        do { try runtime.queue.update(record.id, mutate) } catch {
            AgentLog.shared.error("job \(record.id): cannot update its record: \(error)")
        }
    }

    private func finish(_ mutate: (inout JobRecord) -> Void) {
        update { r in
            mutate(&r)
            r.finishedAt = Date()
        }
        runtime.queue.release(record.id)
    }

    private func noteDuration(_ stage: String, since start: Date) {
        let seconds = Date().timeIntervalSince(start)
        update { $0.durations[stage] = seconds }
    }

    private func registerSecrets(_ spec: JobSpec) {
        for (key, value) in spec.env where SecretNames.isSecret(key) { Redactor.shared.register(value) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
