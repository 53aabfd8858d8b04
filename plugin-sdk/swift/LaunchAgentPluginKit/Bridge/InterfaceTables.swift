internal import LaunchAgentABI

/// The static per-kind interface tables `get_interface` returns: C functions that unwrap the instance, parse
/// the request into the kit's type, call the Swift method and emit its result.
enum InterfaceTables {
    static func table(for kind: ComponentKind) -> UnsafeRawPointer {
        switch kind {
        case .builder: return UnsafeRawPointer(builder)
        case .environment: return UnsafeRawPointer(environment)
        case .registry: return UnsafeRawPointer(registry)
        case .contextStore: return UnsafeRawPointer(contextStore)
        case .runner: return UnsafeRawPointer(runner)
        case .queue: return UnsafeRawPointer(queue)
        }
    }

    private static func immortal<T>(_ value: T) -> UnsafePointer<T> {
        let slot = UnsafeMutablePointer<T>.allocate(capacity: 1)
        slot.initialize(to: value)
        return UnsafePointer(slot)
    }

    nonisolated(unsafe) static let builder: UnsafePointer<la_builder_v1> = {
        var table = la_builder_v1()
        table.struct_size = structSize(la_builder_v1.self)
        table.verify = { instance, call, request in
            perform(instance, call, request, "builder.verify") { instance, _, _, call in
                guard case .builder(let builder) = instance.component else { throw wrongKind(instance, "builder.verify") }
                return try builder.verify(call).json
            }
        }
        table.build = { instance, call, request in
            perform(instance, call, request, "builder.build") { instance, reader, raw, call in
                guard case .builder(let builder) = instance.component else { throw wrongKind(instance, "builder.build") }
                return try builder.build(BuildRequest(reading: &reader, raw: raw), call).json
            }
        }
        return immortal(table)
    }()

    nonisolated(unsafe) static let environment: UnsafePointer<la_environment_v1> = {
        var table = la_environment_v1()
        table.struct_size = structSize(la_environment_v1.self)
        table.verify = { instance, call, request in
            perform(instance, call, request, "environment.verify") { instance, _, _, call in
                guard case .environment(let environment) = instance.component else { throw wrongKind(instance, "environment.verify") }
                return try environment.verify(call).json
            }
        }
        table.policy = { instance, call, request in
            perform(instance, call, request, "environment.policy") { instance, reader, raw, call in
                guard case .environment(let environment) = instance.component else { throw wrongKind(instance, "environment.policy") }
                return try environment.policy(PolicyRequest(reading: &reader, raw: raw), call).json
            }
        }
        table.hints = { instance, call, request in
            perform(instance, call, request, "environment.hints") { instance, reader, raw, call in
                guard case .environment(let environment) = instance.component else { throw wrongKind(instance, "environment.hints") }
                return try environment.hints(HintsRequest(reading: &reader, raw: raw), call).json
            }
        }
        return immortal(table)
    }()

    nonisolated(unsafe) static let registry: UnsafePointer<la_registry_v1> = {
        var table = la_registry_v1()
        table.struct_size = structSize(la_registry_v1.self)
        table.verify = { instance, call, request in
            perform(instance, call, request, "registry.verify") { instance, _, _, call in
                guard case .registry(let registry) = instance.component else { throw wrongKind(instance, "registry.verify") }
                return try registry.verify(call).json
            }
        }
        table.resolve = { instance, call, request in
            perform(instance, call, request, "registry.resolve") { instance, reader, raw, call in
                guard case .registry(let registry) = instance.component else { throw wrongKind(instance, "registry.resolve") }
                return try registry.resolve(ResolveRequest(reading: &reader, raw: raw), call).json
            }
        }
        table.credentials = { instance, call, request in
            perform(instance, call, request, "registry.credentials") { instance, reader, raw, call in
                guard case .registry(let registry) = instance.component else { throw wrongKind(instance, "registry.credentials") }
                let credentials = try registry.credentials(CredentialsRequest(reading: &reader, raw: raw), call)
                // The password leaves the plugin only after the host knows to redact it.
                guard let secrets = try? instance.host.secrets() else {
                    throw PluginError(.unsupported, "this host offers no secrets service, so registry credentials cannot be handed over safely")
                }
                secrets.register(credentials.password)
                return credentials.json
            }
        }
        return immortal(table)
    }()

    nonisolated(unsafe) static let contextStore: UnsafePointer<la_context_store_v1> = {
        var table = la_context_store_v1()
        table.struct_size = structSize(la_context_store_v1.self)
        table.verify = { instance, call, request in
            perform(instance, call, request, "context-store.verify") { instance, _, _, call in
                guard case .contextStore(let store) = instance.component else { throw wrongKind(instance, "context-store.verify") }
                return try store.verify(call).json
            }
        }
        table.exists = { instance, call, request in
            perform(instance, call, request, "context-store.exists") { instance, reader, raw, call in
                guard case .contextStore(let store) = instance.component else { throw wrongKind(instance, "context-store.exists") }
                let stored = try store.exists(ContextQuery(reading: &reader, raw: raw), call)
                return ["exists": .bool(stored != nil), "uri": JSONValue(stored?.uri)]
            }
        }
        table.upload = { instance, call, request in
            perform(instance, call, request, "context-store.upload") { instance, reader, raw, call in
                guard case .contextStore(let store) = instance.component else { throw wrongKind(instance, "context-store.upload") }
                return ["uri": .string(try store.upload(ContextUpload(reading: &reader, raw: raw), call).uri)]
            }
        }
        return immortal(table)
    }()

    nonisolated(unsafe) static let runner: UnsafePointer<la_runner_v1> = {
        var table = la_runner_v1()
        table.struct_size = structSize(la_runner_v1.self)
        table.verify = { instance, call, request in
            perform(instance, call, request, "runner.verify") { instance, _, _, call in
                guard case .runner(let runner) = instance.component else { throw wrongKind(instance, "runner.verify") }
                return try runner.verify(call).json
            }
        }
        table.launch = { instance, call, request in
            perform(instance, call, request, "runner.launch") { instance, reader, raw, call in
                guard case .runner(let runner) = instance.component else { throw wrongKind(instance, "runner.launch") }
                return try runner.launch(LaunchRequest(reading: &reader, raw: raw), call).json
            }
        }
        table.watch = { instance, call, request in
            perform(instance, call, request, "runner.watch") { instance, reader, raw, call in
                guard case .runner(let runner) = instance.component else { throw wrongKind(instance, "runner.watch") }
                return try runner.watch(WatchRequest(reading: &reader, raw: raw), call).json
            }
        }
        table.cancel = { instance, call, request in
            perform(instance, call, request, "runner.cancel") { instance, reader, raw, call in
                guard case .runner(let runner) = instance.component else { throw wrongKind(instance, "runner.cancel") }
                try runner.cancel(CancelRequest(reading: &reader, raw: raw), call)
                return [:]
            }
        }
        return immortal(table)
    }()

    nonisolated(unsafe) static let queue: UnsafePointer<la_queue_v1> = {
        var table = la_queue_v1()
        table.struct_size = structSize(la_queue_v1.self)
        table.pop = { instance, call, request in
            perform(instance, call, request, "queue.pop") { instance, reader, raw, call in
                guard case .queue(let queue) = instance.component else { throw wrongKind(instance, "queue.pop") }
                return ["job": try queue.pop(PopRequest(reading: &reader, raw: raw), call)?.json ?? .null]
            }
        }
        table.ack = { instance, call, request in
            perform(instance, call, request, "queue.ack") { instance, reader, raw, call in
                guard case .queue(let queue) = instance.component else { throw wrongKind(instance, "queue.ack") }
                try queue.ack(AckRequest(reading: &reader, raw: raw), call)
                return [:]
            }
        }
        table.fail = { instance, call, request in
            perform(instance, call, request, "queue.fail") { instance, reader, raw, call in
                guard case .queue(let queue) = instance.component else { throw wrongKind(instance, "queue.fail") }
                try queue.fail(FailRequest(reading: &reader, raw: raw), call)
                return [:]
            }
        }
        table.finish = { instance, call, request in
            perform(instance, call, request, "queue.finish") { instance, reader, raw, call in
                guard case .queue(let queue) = instance.component else { throw wrongKind(instance, "queue.finish") }
                try queue.finish(FinishRequest(reading: &reader, raw: raw), call)
                return [:]
            }
        }
        return immortal(table)
    }()
}
