/// `agent verify`: asks every component the config uses whether it can work
/// here, and checks the destination registry, before any job depends on it.
public enum Verifier {
    /// One line of the checklist.
    public struct Check: Sendable, Equatable {
        public var component: String
        public var name: String
        public var ok: Bool
        public var detail: String
        public var fix: String?
    }

    public static func run(_ runtime: AgentRuntime, runners: [String]) -> [Check] {
        var checks: [Check] = []
        var sections = [runtime.environmentSection, runtime.registrySection, runtime.contextStoreSection].compactMap { $0 }
        if let builder = runtime.builderSection { sections.insert(builder, at: 0) }
        checks.append(Check(component: "agent", name: "builder choice", ok: runtime.builderSection != nil, detail: runtime.builderChoice,
                            fix: runtime.builderSection == nil ? "install liblaunch-agent-noop.so or set builder.type" : nil))
        for section in sections {
            let label = "\(section.kind) '\(section.name)'"
            do {
                let instance = try ComponentFactory.create(section, from: runtime.plugins)
                checks += report(label, try instance.call("verify", request: .object([:]), timeoutSeconds: 120))
            } catch let error as ConfigError {
                checks.append(Check(component: label, name: "config", ok: false, detail: error.description, fix: "agent config validate"))
            } catch {
                checks.append(Check(component: label, name: "verify", ok: false, detail: "\(error)", fix: nil))
            }
        }
        for name in runners {
            let label = "runner '\(name)'"
            do {
                checks += report(label, try runtime.makeRunner(name).call("verify", request: .object([:]), timeoutSeconds: 120))
            } catch {
                checks.append(Check(component: label, name: "verify", ok: false, detail: "\(error)", fix: nil))
            }
        }
        if let destination = runtime.config.builder.destination { checks.append(registryCheck(runtime, destination)) }
        return checks
    }

    /// A tag that cannot exist: 404 proves the registry answers and lets us
    /// read the repository; 401/403 and network errors say what is wrong.
    static func registryCheck(_ runtime: AgentRuntime, _ destination: String) -> Check {
        let label = "registry"
        do {
            let probe = try ImageReference.image(destination: destination, tag: "launch-agent-verify-probe")
            let credentials = try runtime.registryAuth.credentials(for: probe.registry)
            let result = try runtime.registry.manifestExists(probe, credentials: credentials)
            return Check(component: label, name: "destination", ok: true,
                         detail: "\(probe.registry) answers and lets the agent read \(probe.repository)\(result.exists ? "" : " (probe tag absent, as expected)")")
        } catch let error as ImageReferenceError {
            return Check(component: label, name: "destination", ok: false, detail: "builder.destination: \(error)", fix: "fix builder.destination")
        } catch {
            return Check(component: label, name: "destination", ok: false, detail: "\(error)",
                         fix: "check the registry's address and the credentials in the docker config (docs/registries.md)")
        }
    }

    private static func report(_ component: String, _ result: JSONValue) -> [Check] {
        let items = result["checks"]?.arrayValue ?? []
        if items.isEmpty { return [Check(component: component, name: "verify", ok: true, detail: "no checks reported")] }
        return items.map { c in
            Check(component: component, name: c["name"]?.stringValue ?? "check", ok: c["ok"]?.boolValue ?? false,
                  detail: c["detail"]?.stringValue ?? "", fix: c["fix"]?.stringValue)
        }
    }
}
