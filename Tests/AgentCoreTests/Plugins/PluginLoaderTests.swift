import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

/// Each rejection the loader promises, with the message users will read.
@Suite struct PluginLoaderTests {
    let dir = TestSupport.makeTempDir("la-loader")
    var loader: PluginLoader { PluginLoader(options: .init(directories: [dir], initTimeoutSeconds: 2)) }

    func load(_ variant: String, as name: String? = nil) -> PluginLibrary {
        let path = TestSupport.buildFixture(variant, in: dir, as: name ?? "lib\(variant.lowercased()).so")
        return loader.load(path: path)
    }

    @Test func pluginBuiltAgainstFrozenABI10HeaderLoads() {
        let lib = load("GOOD")
        #expect(lib.status == .ok)
        #expect(lib.descriptor?.id == "dev.test.fixture")
        #expect(lib.descriptor?.version == "1.2.3")
        #expect(lib.descriptor?.abi == "1.0")
        #expect(lib.components.map { "\($0.kind)/\($0.name)" } == ["builder/fixture"])
    }

    @Test func textFileIsNotAnELFSharedObject() {
        let path = dir + "/libnotes.so"
        TestSupport.write("hello, this is text\n", to: path)
        #expect(loader.load(path: path).status == .rejected(
            "not an ELF shared object (it looks like text, starting \"hello, this is t\"); plugins are .so libraries"))
    }

    @Test func emptyFileIsNotAnELFSharedObject() {
        let path = dir + "/libempty.so"
        TestSupport.write("", to: path)
        #expect(loader.load(path: path).status == .rejected(
            "not an ELF shared object (the file is empty); plugins are .so libraries"))
    }

    @Test func executableIsNotASharedObject() {
        let src = dir + "/main.c", exe = dir + "/libexe.so"
        TestSupport.write("int main(void) { return 0; }\n", to: src)
        #expect(TestSupport.shell("cc -no-pie -o '\(exe)' '\(src)'").status == 0)
        #expect(loader.load(path: exe).status == .rejected(
            "not an ELF shared object (ELF type executable); build the plugin with -shared"))
    }

    @Test func systemLibraryWithoutEntryIsNotAPlugin() {
        let lib = loader.load(path: "/usr/lib/x86_64-linux-gnu/libyaml-0.so.2")
        #expect(lib.status == .rejected("not a launch-agent plugin: it does not export launch_agent_plugin_entry_v1"))
    }

    @Test func libraryWithoutEntryIsNotAPlugin() {
        #expect(load("NO_ENTRY").status == .rejected("not a launch-agent plugin: it does not export launch_agent_plugin_entry_v1"))
    }

    @Test func pluginForAnotherABIMajorNamesBothVersions() {
        #expect(load("V2_ONLY").status == .rejected(
            "built for plugin ABI 2 (exports launch_agent_plugin_entry_v2); this agent supports ABI 1.0: install the plugin's ABI 1 build or a newer agent"))
    }

    @Test func descriptorClaimingAnotherMajorIsRejected() {
        #expect(load("MAJOR_LIES").status == .rejected(
            "its descriptor says plugin ABI 2.0 but it exports the ABI 1 entry point; this agent supports ABI 1.0: rebuild the plugin"))
    }

    @Test func pluginNeedingNewerHostMinorIsRejected() {
        #expect(load("NEEDS_NEWER").status == .rejected(
            "it needs an agent with plugin ABI 1.7 or newer; this agent has ABI 1.0: upgrade the agent"))
    }

    @Test func descriptorSmallerThanABI10IsRejected() {
        #expect(load("SMALL").status == .rejected(
            "its descriptor is 40 bytes, smaller than the ABI 1.0 la_plugin_v1 (96 bytes): it was not built with launch_agent_plugin.h"))
    }

    @Test func unresolvedSymbolIsReportedWithTheLinkerMessage() {
        let lib = load("UNRESOLVED")
        #expect(lib.status.label == "rejected")
        #expect(lib.status.reason?.hasPrefix("could not be loaded by the dynamic linker: ") == true)
        #expect(lib.status.reason?.contains("undefined symbol: la_fixture_symbol_that_no_library_defines") == true)
    }

    @Test func initFailureCarriesThePluginsMessage() {
        #expect(load("INIT_FAILS").status == .failedInit("license file /etc/fixture/license is missing"))
    }

    @Test func initThatHangsIsAbandonedAfterTheTimeout() {
        #expect(load("INIT_HANGS").status == .failedInit("init did not return within 2 s"))
    }

    @Test func duplicateComponentLosesToTheFirstLibraryFound() {
        _ = TestSupport.buildFixture("GOOD", in: dir, as: "liba-first.so")
        _ = TestSupport.buildFixture("GOOD_TWIN", in: dir, as: "libb-second.so")
        let set = loader.loadAll()
        #expect(set.libraries.map(\.fileName) == ["liba-first.so", "libb-second.so"])
        #expect(set.libraries[0].status == .ok)
        #expect(set.libraries[1].status == .rejected(
            "builder 'fixture' is already provided by \(dir)/liba-first.so (dev.test.fixture 1.2.3), which was found first; remove one of the two libraries"))
        #expect(set.component(kind: "builder", name: "fixture")?.library.fileName == "liba-first.so")
    }

    @Test func sameLibraryTwiceIsADuplicate() {
        _ = TestSupport.buildFixture("GOOD", in: dir, as: "liba.so")
        _ = TestSupport.buildFixture("GOOD", in: dir, as: "libb.so")
        let set = loader.loadAll()
        #expect(set.libraries[1].status == .rejected(
            "duplicate library: plugin dev.test.fixture 1.2.3 is already loaded from \(dir)/liba.so (version 1.2.3); remove one of the copies"))
    }

    @Test func worldWritableLibraryIsRefusedUnlessAllowed() {
        let path = TestSupport.buildFixture("GOOD", in: dir, as: "libopen.so")
        chmod(path, 0o777)
        #expect(loader.load(path: path).status == .rejected(
            "refusing to load a world-writable library: anyone could replace its code; run 'chmod o-w \(path)' or pass --allow-insecure-plugins"))
        let permissive = PluginLoader(options: .init(directories: [dir], allowInsecurePermissions: true))
        #expect(permissive.load(path: path).status == .ok)
    }

    @Test func worldWritableDirectoryIsSkipped() {
        _ = TestSupport.buildFixture("GOOD", in: dir, as: "libgood.so")
        chmod(dir, 0o777)
        let set = loader.loadAll()
        #expect(set.libraries.isEmpty)
        #expect(set.directoryProblems == [
            "\(dir): refusing to load plugins from a world-writable directory: anyone could plant a library there; run 'chmod o-w \(dir)' or pass --allow-insecure-plugins",
        ])
    }

    @Test func badLibrariesDoNotStopTheOthers() {
        TestSupport.write("junk", to: dir + "/liba-junk.so")
        _ = TestSupport.buildFixture("INIT_FAILS", in: dir, as: "libb-init.so")
        _ = TestSupport.buildFixture("GOOD", in: dir, as: "libc-good.so")
        let set = loader.loadAll()
        #expect(set.libraries.map(\.status.label) == ["rejected", "failed-init", "ok"])
        #expect(set.installed == ["builder": ["fixture"]])
    }

    @Test func searchOrderIsFlagThenEnvironmentThenExecutableDirectory() {
        #expect(PluginLoader.searchDirectories(flag: ["/a", "/b"], environment: ["LAUNCH_AGENT_PLUGINS_DIR": "/env"], executablePath: "/usr/bin/agent") == ["/a", "/b"])
        #expect(PluginLoader.searchDirectories(flag: [], environment: ["LAUNCH_AGENT_PLUGINS_DIR": "/e1:/e2"], executablePath: "/usr/bin/agent") == ["/e1", "/e2"])
        #expect(PluginLoader.searchDirectories(flag: [], environment: [:], executablePath: "/opt/la/bin/agent") == ["/opt/la/bin"])
    }
}
