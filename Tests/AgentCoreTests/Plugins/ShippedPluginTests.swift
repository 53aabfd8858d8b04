import Testing
@testable import AgentCore
import Synchronization

/// The libraries we ship and the SDK examples, as the host loads them.
@Suite struct ShippedPluginTests {
    let dir = TestSupport.makeTempDir("la-shipped")
    var repo: String { TestSupport.repoRoot }

    /// Every Swift plugin this package builds, in release, exports exactly
    /// one symbol: internal `@c` entries vanish in release, and kit symbols
    /// must not leak into the dynamic symbol table.
    @Test func releaseSwiftPluginsExportOnlyTheEntry() throws {
        let release = repo + "/.build/release"
        let libs = PluginLoader.candidates(in: release).filter { $0.hasSuffix(".so") && $0.contains("liblaunch-agent-") }
        try #require(!libs.isEmpty, "no release plugins in \(release): run 'swift build -c release' first (scripts/test.sh does)")
        for lib in libs {
            let r = TestSupport.shell("nm -D --defined-only '\(lib)' | awk '{print $3}'")
            #expect(r.status == 0)
            #expect(r.output == "launch_agent_plugin_entry_v1\n", "\(lib) exports more than its entry")
        }
    }

    /// All Swift plugins in one process, each created and verified: two
    /// copies of the kit (one per library) must not interfere.
    @Test func allShippedPluginsLoadTogetherAndVerify() throws {
        let set = PluginLoader(options: .init(directories: [TestSupport.buildDir])).loadAll()
        let shipped = set.libraries.filter { $0.fileName.hasPrefix("liblaunch-agent-") }
        try #require(!shipped.isEmpty)
        for lib in shipped {
            #expect(lib.status == .ok, "\(lib.fileName): \(lib.status.reason ?? "")")
            for c in lib.components where c.kind == "builder" {
                let created = Result { () throws(PluginCallError) in
                    try ComponentInstance(library: lib, component: c, config: .object([
                        "component": .object(["kind": .string(c.kind), "name": .string(c.name)]),
                        "config": .object([:]), "settings": .object([:]),
                    ]))
                }
                // interfaces.md §13.4: a component that needs a setting (kaniko: a context store) may refuse an
                // empty config, with LA_ERR_CONFIG pointing at /config.
                if case .failure(let e) = created, e.status == -10, e.pointer == "/config" { continue }
                let instance = try created.get()
                let report = try instance.call("verify", request: .object([:]))
                #expect(report["checks"]?.arrayValue?.isEmpty == false)
            }
        }
    }

    @Test func noopRefusesToBuildWithAnExplanation() throws {
        let set = PluginLoader(options: .init(directories: [TestSupport.buildDir])).loadAll()
        let (lib, component) = try #require(set.component(kind: "builder", name: "noop"))
        let noop = try ComponentInstance(library: lib, component: component, config: .object(["config": .object([:]), "settings": .object([:])]))
        #expect {
            _ = try noop.call("build", request: .object([
                "job_id": "j1", "image": "r/x:1", "context_dir": "/tmp", "dockerfile": "Dockerfile", "platforms": .array([]),
            ]))
        } throws: { error in
            guard let e = error as? PluginCallError else { return false }
            return e.status == -2 && e.message == "the noop builder does not build images: set builder.type to docker or kaniko, or submit jobs that name a docker_image"
        }
    }

    /// The pure C example: no Swift runtime, and its build runs through the
    /// host's process service with output streamed into the job log.
    @Test func cExampleLoadsWithoutSwiftAndBuildsThroughTheProcessService() throws {
        let lib = dir + "/libecho.so"
        let cc = TestSupport.shell("cc -std=c11 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden -I '\(repo)/plugin-sdk/include' -o '\(lib)' '\(repo)/plugin-sdk/examples/c/echo_builder.c'")
        try #require(cc.status == 0, "\(cc.output)")
        let needed = TestSupport.shell("readelf -d '\(lib)' | grep NEEDED")
        #expect(!needed.output.contains("libswift"))
        #expect(needed.output.contains("libc.so.6"))
        try expectEchoBuilder(at: lib, named: "echo-c")
    }

    /// The Rust example, built with rustc alone (no crates).
    @Test func rustExampleLoadsAndBuilds() throws {
        let lib = dir + "/libexample_rust.so"
        let rustc = TestSupport.shell("rustc --edition 2021 --crate-type cdylib -O -o '\(lib)' '\(repo)/plugin-sdk/examples/rust/lib.rs'")
        try #require(rustc.status == 0, "\(rustc.output)")
        #expect(!TestSupport.shell("readelf -d '\(lib)'").output.contains("libswift"))
        try expectEchoBuilder(at: lib, named: "echo-rust")
    }

    private func expectEchoBuilder(at path: String, named name: String) throws {
        let lib = PluginLoader(options: .init(directories: [dir])).load(path: path)
        #expect(lib.status == .ok, "\(lib.status.reason ?? "")")
        let component = try #require(lib.components.first { $0.name == name })
        let instance = try ComponentInstance(library: lib, component: component, config: .object([
            "config": .object(["message": "built by"]), "settings": .object([:]),
        ]))
        let lines = LineCollector()
        let result = try instance.call("build", request: .object([
            "job_id": "j1", "image": "registry.test/team/app:3f2a", "context_dir": .string(dir), "dockerfile": "Dockerfile",
        ]),
                                       onLog: { _, line in lines.append(line) })
        #expect(result == .object(["image": "registry.test/team/app:3f2a", "digest": .null, "pushed": false]))
        #expect(lines.all.contains("built by registry.test/team/app:3f2a"))
    }
}

/// Collects log lines from plugin threads.
final class LineCollector: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ s: String) { lines.withLock { $0.append(s) } }
    var all: [String] { lines.withLock { $0 } }
}
