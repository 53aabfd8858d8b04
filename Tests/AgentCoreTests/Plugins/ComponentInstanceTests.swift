import Testing
@testable import AgentCore

/// What the host makes of a component's answers, good and bad.
@Suite struct ComponentInstanceTests {
    let dir = TestSupport.makeTempDir("la-instance")

    func instance(_ variant: String, config: JSONValue = .object(["config": .object([:])])) throws -> ComponentInstance {
        let path = TestSupport.buildFixture(variant, in: dir, as: "lib\(variant.lowercased()).so")
        let lib = PluginLoader(options: .init(directories: [dir])).load(path: path)
        let component = try #require(lib.components.first)
        return try ComponentInstance(library: lib, component: component, config: config)
    }

    @Test func resultChunksAreConcatenatedAndParsed() throws {
        let builder = try instance("GOOD")
        let result = try builder.call("build", request: .object(["image": .string("r/x:1")]))
        #expect(result == .object(["echo": .object(["image": .string("r/x:1")]), "pushed": .bool(false)]))
    }

    @Test func configErrorCarriesThePluginsPointer() throws {
        let path = TestSupport.buildFixture("GOOD", in: dir, as: "libgood.so")
        let lib = PluginLoader(options: .init(directories: [dir])).load(path: path)
        let config: JSONValue = .object(["config": .object(["flavour": .string("x")])])
        #expect {
            _ = try ComponentInstance(library: lib, component: lib.components[0], config: config)
        } throws: { error in
            guard let e = error as? PluginCallError else { return false }
            return e.status == -10 && e.pointer == "/config/flavour"
                && e.message == "unknown key 'flavour'; did you mean 'flavor'?"
                && e.description.hasPrefix("builder 'fixture' (dev.test.fixture 1.2.3, libgood.so) create: ")
        }
    }

    @Test func nonJSONResultIsReportedAsAPluginBug() throws {
        let builder = try instance("GARBAGE")
        #expect {
            _ = try builder.call("build", request: .object([:]))
        } throws: { error in
            guard let e = error as? PluginCallError else { return false }
            return e.kind == .garbage && e.message.hasPrefix("returned a result that is not a JSON object (invalid JSON at byte 0")
        }
    }

    @Test func unknownStatusCodeBecomesInternal() throws {
        let builder = try instance("GARBAGE")
        #expect {
            _ = try builder.call("verify", request: .object([:]))
        } throws: { error in
            guard let e = error as? PluginCallError else { return false }
            return e.status == -9 && e.message == "failed with LA_ERR_INTERNAL and no message"
        }
    }

    @Test func missingInterfaceIsUnsupported() throws {
        let builder = try instance("GOOD")
        #expect {
            _ = try builder.call("launch", request: .object([:]))
        } throws: { error in
            (error as? PluginCallError)?.kind == .unsupported
        }
    }
}
