import Testing
@testable import AgentCore

/// The `agent` executable as users run it: output, messages, exit codes.
@Suite struct AgentCLITests {
    let dir = TestSupport.makeTempDir("la-cli")

    func agent(_ args: String) -> (status: Int32, output: String) {
        TestSupport.shell("'\(TestSupport.buildDir)/agent' \(args)")
    }

    @Test func versionNamesTheABI() {
        let r = agent("--version")
        #expect(r.status == 0)
        #expect(r.output == "agent \(AgentVersion.current) (plugin ABI 1.0)\n")
    }

    @Test func pluginsListJSONListsEveryComponentWithPathKindNameVersionABIAndStatus() throws {
        let noop = TestSupport.buildDir + "/liblaunch-agent-noop.so"
        #expect(TestSupport.shell("cp '\(noop)' '\(dir)/'").status == 0)
        _ = TestSupport.buildFixture("GOOD", in: dir, as: "libfixture.so")
        TestSupport.write("not a library", to: dir + "/libjunk.so")

        let r = agent("--plugins-dir '\(dir)' plugins list -o json")
        #expect(r.status == 0)
        let json = try JSONValue(parsing: r.output)
        let components = try #require(json["components"]?.arrayValue)
        #expect(components == [
            .object(["library": .string(dir + "/libfixture.so"), "kind": "builder", "name": "fixture",
                     "version": "1.2.3", "abi": "1.0", "status": "ok"]),
            .object(["library": .string(dir + "/liblaunch-agent-noop.so"), "kind": "builder", "name": "noop",
                     "version": "0.1.0", "abi": "1.0", "status": "ok"]),
        ])
        let junk = json["libraries"]?.arrayValue?.first { $0["library"]?.stringValue == dir + "/libjunk.so" }
        #expect(junk?["status"] == "rejected")
    }

    @Test func pluginsListTextShowsRejectionsBesideGoodLibraries() {
        _ = TestSupport.buildFixture("V2_ONLY", in: dir, as: "libnext.so")
        _ = TestSupport.buildFixture("GOOD", in: dir, as: "libfixture.so")
        let r = agent("plugins list --plugins-dir '\(dir)'")
        #expect(r.status == 0)
        #expect(r.output.contains("libfixture.so  builder  fixture  1.2.3    1.0  ok\n"))
        #expect(r.output.contains("libnext.so     -        -        -        -    rejected: built for plugin ABI 2"))
    }

    @Test func inspectOnASystemLibraryIsAOneLineRejection() {
        let lib = "/usr/lib/x86_64-linux-gnu/libyaml-0.so.2"
        let r = agent("plugins inspect \(lib)")
        #expect(r.status == 3)
        #expect(r.output == "\(lib): rejected: not a launch-agent plugin: it does not export launch_agent_plugin_entry_v1\n")
    }

    @Test func inspectOnATextFileIsAOneLineRejection() {
        let file = dir + "/README.txt"
        TestSupport.write("# notes\nnot a plugin\n", to: file)
        let r = agent("plugins inspect '\(file)'")
        #expect(r.status == 3)
        #expect(r.output == "\(file): rejected: not an ELF shared object (it looks like text, starting \"# notes\"); plugins are .so libraries\n")
    }

    @Test func inspectShowsDescriptorAndDependencies() {
        let path = TestSupport.buildFixture("GOOD", in: dir, as: "libfixture.so")
        let r = agent("plugins inspect '\(path)'")
        #expect(r.status == 0)
        #expect(r.output.contains("id:           dev.test.fixture\n"))
        #expect(r.output.contains("ABI:          1.0 (needs agent ABI 1.0+; this agent: 1.0)\n"))
        #expect(r.output.contains("needs:        libc.so.6\n"))
        #expect(r.output.contains("component:    builder 'fixture' — test fixture builder\n"))
    }

    @Test func inspectFindsALibraryByPluginName() {
        _ = TestSupport.buildFixture("INIT_FAILS", in: dir, as: "libfixture.so")
        let r = agent("--plugins-dir '\(dir)' plugins inspect fixture")
        #expect(r.status == 3)
        #expect(r.output.hasPrefix("library:      \(dir)/libfixture.so\nid:           dev.test.fixture\n"))
        #expect(r.output.hasSuffix("status:       failed-init\n\(dir)/libfixture.so: failed-init: license file /etc/fixture/license is missing\n"))
    }

    @Test func configValidatePrintsThePluginsOwnErrorAtItsLine() {
        _ = TestSupport.buildFixture("GOOD", in: dir, as: "libfixture.so")
        let config = dir + "/launch-config.yaml"
        TestSupport.write("max_jobs: 2\nbuilder:\n  type: fixture\n  flavour: vanilla\n", to: config)
        let r = agent("--plugins-dir '\(dir)' --config '\(config)' config validate")
        #expect(r.status == 2)
        #expect(r.output == "\(config):4:12: error: builder 'fixture': unknown key 'flavour'; did you mean 'flavor'?\n")
    }

    @Test func configValidateListsInstalledBuildersForAnUnknownType() {
        _ = TestSupport.buildFixture("GOOD", in: dir, as: "libfixture.so")
        let config = dir + "/launch-config.yaml"
        TestSupport.write("builder:\n  type: fixtrue\n", to: config)
        let r = agent("--plugins-dir '\(dir)' --config '\(config)' config validate")
        #expect(r.status == 3)
        #expect(r.output.hasPrefix("\(config):2:9: error: unknown builder type 'fixtrue'\n\(config):2:9: note: did you mean 'fixture'?\n"))
        #expect(r.output.contains("note: installed builders: fixture\n"))
    }

    @Test func configValidateAcceptsAGoodConfig() {
        _ = TestSupport.buildFixture("GOOD", in: dir, as: "libfixture.so")
        let config = dir + "/launch-config.yaml"
        TestSupport.write("queues: [default]\nbuilder:\n  type: fixture\n", to: config)
        let r = agent("--plugins-dir '\(dir)' --config '\(config)' config validate")
        #expect(r.status == 0)
        #expect(r.output == "\(config): ok (builder 'fixture')\n")
    }

    @Test func configValidateReportsMalformedYAMLWithLibyamlsPosition() {
        let config = dir + "/launch-config.yaml"
        TestSupport.write("builder:\n  type: noop\n  destination: a: b\n", to: config)
        let r = agent("--plugins-dir '\(dir)' --config '\(config)' config validate")
        #expect(r.status == 2)
        #expect(r.output == "\(config):3:17: error: could not parse YAML: mapping values are not allowed in this context\n")
    }

    @Test func missingConfigFileIsAnError() {
        let r = agent("--config /nonexistent/launch-config.yaml config validate")
        #expect(r.status == 2)
        #expect(r.output == "error: config file not found: /nonexistent/launch-config.yaml\n")
    }

    @Test func jobsPruneRemovesEndedJobsAndRejectsABadAge() {
        let state = "--state-dir '\(dir)/state'"
        TestSupport.write("name: t\npath: .\nentry_point: [\"true\"]\n", to: dir + "/job.yaml")
        TestSupport.write("builder:\n  type: noop\n", to: dir + "/config.yaml")
        let id = agent("\(state) submit '\(dir)/job.yaml'").output.trimmed
        let waiting = agent("\(state) --config '\(dir)/config.yaml' run --once")
        #expect(waiting.status == 0, "\(waiting.output)")
        #expect(agent("\(state) jobs prune --older-than 1d").output == "removed 0 ended jobs; kept 1\n")
        #expect(agent("\(state) jobs prune --older-than 0s").output == "removed 1 ended job; kept 0\n")
        #expect(agent("\(state) jobs show \(id)").status != 0)
        let bad = agent("\(state) jobs prune --older-than 7 days")
        #expect(bad.status == 64)
        #expect(bad.output.contains("--older-than"), "\(bad.output)")
    }

    @Test func unknownCommandIsAUsageError() {
        #expect(agent("frobnicate").status == 64)
    }
}
