import Testing
@testable import AgentCore

extension ConfigTests {
    @Suite struct PluginSections {
        let path = configFixturePath("kaniko-aws.yaml")

        func builder() throws -> PluginSection {
            try #require(try AgentConfig.load(path: path, environment: [:]).pluginSection(kind: "builder"))
        }

        func at(_ pointer: String, _ section: PluginSection) -> String {
            section.diagnostic(forCreatePointer: pointer, message: "bad value").description
        }

        @Test func configDropsHostKeysAndKeepsPluginKeys() throws {
            let section = try builder()
            #expect(section.kind == "builder")
            #expect(section.name == "kaniko")
            #expect(section.config["type"] == nil)
            #expect(section.config["destination"] == nil)
            #expect(section.config["build-job-name"] == .string("wandb-image-build"))
            #expect(section.config["kaniko-config"]?["spec"]?["template"] != nil)
        }

        @Test func settingsCarryHostKeysAndTheWholeEnvironment() throws {
            #expect(try builder().settings.serialized == """
                {"build_context_store":"s3://ml-contexts/launch",\
                "destination":"123456789012.dkr.ecr.us-east-1.amazonaws.com/ml",\
                "environment":{"region":"us-east-1","type":"aws"},\
                "platform":"linux/amd64,linux/arm64"}
                """)
        }

        @Test func environmentSectionKeepsRegionForThePlugin() throws {
            let config = try AgentConfig.load(path: path, environment: [:])
            let env = try #require(config.pluginSection(kind: "environment"))
            #expect(env.config.serialized == #"{"region":"us-east-1"}"#)
            #expect(config.pluginSections.map(\.kind) == ["builder", "environment"])
        }

        @Test func pointerIntoAListReachesTheItem() throws {
            #expect(try at("/config/kaniko-config/spec/template/spec/containers/0/args/1", builder()) ==
                "\(path):21:15: error: builder 'kaniko': bad value")
        }

        @Test func missingKeyPointsAtTheMappingThatLacksIt() throws {
            let section = try builder()
            #expect(at("/config/kaniko-config/spec/backoffLimit", section) == "\(path):15:5: error: builder 'kaniko': bad value")
            #expect(at("/config/kaniko-config/spec/template/spec/containers/0/image", section) ==
                "\(path):19:13: error: builder 'kaniko': bad value")
            #expect(at("/config/kaniko-config/spec/template/spec/containers/7", section) ==
                "\(path):18:11: error: builder 'kaniko': bad value")
            #expect(at("/config/missing", section) == "\(path):8:1: error: builder 'kaniko': bad value")
        }

        @Test func settingsPointersReachTheHostKeys() throws {
            let section = try builder()
            #expect(at("/settings/destination", section) == "\(path):10:16: error: builder 'kaniko': bad value")
            #expect(at("/settings/platform", section) == "\(path):11:13: error: builder 'kaniko': bad value")
            #expect(at("/settings/build_context_store", section) == "\(path):12:24: error: builder 'kaniko': bad value")
            #expect(at("/settings/environment/region", section) == "\(path):7:11: error: builder 'kaniko': bad value")
            #expect(at("/settings/environment", section) == "\(path):5:1: error: builder 'kaniko': bad value")
        }

        @Test func pointerEscapesAndIndicesFollowRFC6901() throws {
            let yaml = """
                builder:
                  type: custom
                  labels:
                    "a/b": 1
                    "m~n": [x, y]
                """
            let section = try #require(try AgentConfig.parse(yaml: yaml, file: "c.yaml").pluginSection(kind: "builder"))
            #expect(section.mark(forConfigPointer: "/labels/a~1b") == YAMLMark(line: 4, column: 12))
            #expect(section.mark(forConfigPointer: "/labels/m~0n/1") == YAMLMark(line: 5, column: 16))
            #expect(section.mark(forConfigPointer: "/labels/m~0n/01") == YAMLMark(line: 5, column: 5))
            #expect(section.mark(forConfigPointer: "/labels/m~01") == YAMLMark(line: 3, column: 3))
        }

        @Test func noPointerMeansTheSectionKey() throws {
            #expect(try builder().diagnostic(forCreatePointer: nil, message: "cannot reach the cluster").description ==
                "\(path):8:1: error: builder 'kaniko': cannot reach the cluster")
        }

        @Test func defaultSectionHasNoLocationButGetsSettings() throws {
            let config = try AgentConfig.parse(yaml: "environment: {type: aws, region: eu-west-1}\n", file: "c.yaml")
            let section = config.defaultPluginSection(kind: "builder", name: "docker")
            #expect(section.config == .object([:]))
            #expect(section.settings.serialized == #"{"environment":{"region":"eu-west-1","type":"aws"}}"#)
            #expect(section.diagnostic(forCreatePointer: "/config/x", message: "no docker CLI").description ==
                "error: builder 'docker': no docker CLI")
            #expect(section.mark(forCreatePointer: "/settings/environment/region") == YAMLMark(line: 1, column: 34))
        }

        @Test func pluginMessagesAreScrubbedOfSecretValues() throws {
            let yaml = """
                builder:
                  type: kaniko
                  registry-password: hunter2-long
                """
            let section = try #require(try AgentConfig.parse(yaml: yaml, file: "c.yaml").pluginSection(kind: "builder"))
            #expect(section.diagnostic(forCreatePointer: "/config/registry-password",
                                       message: "login failed with password hunter2-long").description ==
                "c.yaml:3:22: error: builder 'kaniko': login failed with password <redacted>")
        }

        @Test func configPointerIntoTheWholeDocument() throws {
            let config = try AgentConfig.load(path: path, environment: [:])
            #expect(config.diagnostic(atPointer: "/builder/destination", "region differs from environment.region").description ==
                "\(path):10:16: error: region differs from environment.region")
        }
    }
}
