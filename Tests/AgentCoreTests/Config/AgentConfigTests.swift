import FoundationEssentials
import Testing
@testable import AgentCore

extension ConfigTests {
    @Suite struct AgentConfigLoading {
        @Test func noDefaultFileMeansDefaultsAndNoFile() throws {
            let home = try makeConfigTempDirectory()
            defer { try? FileManager.default.removeItem(atPath: home) }
            let config = try AgentConfig.load(path: nil, environment: ["HOME": home])
            #expect(config.file == nil)
            #expect(config.queues == [])
            #expect(config.entity == nil)
            #expect(config.maxJobs == .atMost(1))
            #expect(config.maxSchedulers == .atMost(1))
            #expect(config.secureMode == false)
            #expect(config.verbosity == 0)
            #expect(config.stoppedRunTimeout == 60)
            #expect(config.builder == BuilderConfig())
            #expect(config.environmentType == nil)
            #expect(config.registryType == nil)
            #expect(config.warnings.isEmpty)
        }

        @Test func defaultFileIsReadFromHome() throws {
            let home = try makeConfigTempDirectory()
            defer { try? FileManager.default.removeItem(atPath: home) }
            try FileManager.default.createDirectory(atPath: home + "/.config/wandb", withIntermediateDirectories: true)
            let path = home + "/.config/wandb/launch-config.yaml"
            #expect(FileManager.default.createFile(atPath: path, contents: Data("max_jobs: 3\n".utf8)))
            let config = try AgentConfig.load(path: nil, environment: ["HOME": home])
            #expect(config.file == path)
            #expect(config.maxJobs == .atMost(3))
        }

        @Test func missingExplicitFileIsAnError() {
            #expect(throws: ConfigError([ConfigDiagnostic(at: nil, "config file not found: /nonexistent/launch.yaml")])) {
                try AgentConfig.load(path: "/nonexistent/launch.yaml", environment: [:])
            }
            do {
                _ = try AgentConfig.load(path: "/nonexistent/launch.yaml", environment: [:])
            } catch {
                #expect(error.description == "error: config file not found: /nonexistent/launch.yaml")
            }
        }

        @Test func emptyFileIsAnEmptyConfig() throws {
            let dir = try makeConfigTempDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let path = dir + "/launch-config.yaml"
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            let config = try AgentConfig.load(path: path, environment: [:])
            #expect(config.file == path)
            #expect(config.maxJobs == .atMost(1))
            #expect(config.pluginSections.isEmpty)
        }

        @Test func fixtureLoadsEveryKey() throws {
            let path = configFixturePath("kaniko-aws.yaml")
            let config = try AgentConfig.load(path: path, environment: [:])
            #expect(config.file == path)
            #expect(config.queues == ["gpu", "cpu"])
            #expect(config.entity == "ml-team")
            #expect(config.maxJobs == .atMost(4))
            #expect(config.environmentType == "aws")
            #expect(config.builder.type == "kaniko")
            #expect(config.builder.destination == "123456789012.dkr.ecr.us-east-1.amazonaws.com/ml")
            #expect(config.builder.platforms == ["linux/amd64", "linux/arm64"])
            #expect(config.builder.buildContextStore?.componentName == "s3")
            #expect(config.builder.buildContextStore?.bucket == "ml-contexts")
            #expect(config.builder.buildContextStore?.prefix == "launch")
        }

        @Test func scalarKeysAreTyped() throws {
            let config = try AgentConfig.parse(yaml: """
                max_jobs: -1
                max_schedulers: 0
                secure_mode: true
                verbosity: 2
                stopped_run_timeout: 2.5
                entity: 1.10
                """, file: "c.yaml")
            #expect(config.maxJobs == .unlimited)
            #expect(config.maxSchedulers == .atMost(0))
            #expect(config.secureMode)
            #expect(config.verbosity == 2)
            #expect(config.stoppedRunTimeout == 2.5)
            #expect(config.entity == "1.10")
        }

        @Test func unknownTopLevelKeySuggestsTheNearestKey() {
            #expect(configErrorText("max_job: 2\n") == """
                launch-config.yaml:1:1: error: unknown top-level key 'max_job'
                launch-config.yaml:1:1: note: did you mean 'max_jobs'?
                """)
        }

        @Test func unknownTopLevelKeyWithNoNearMissListsTheKeys() {
            #expect(configErrorText("entity: e\nproject: p\n") == """
                launch-config.yaml:2:1: error: unknown top-level key 'project'
                launch-config.yaml:2:1: note: known keys: builder, entity, environment, max_jobs, max_schedulers, queues, registry, secure_mode, stopped_run_timeout, verbosity
                """)
        }

        @Test func quotedWordForAnIntegerIsATypeError() {
            #expect(configErrorText("max_jobs: \"four\"\n") ==
                "launch-config.yaml:1:11: error: max_jobs must be an integer, got a string")
        }

        @Test func quotedNumberForAnIntegerSaysToDropTheQuotes() {
            #expect(configErrorText("max_jobs: \"4\"\n") == """
                launch-config.yaml:1:11: error: max_jobs must be an integer, got a string
                launch-config.yaml:1:11: note: a quoted value is always a string; remove the quotes
                """)
        }

        @Test func queuesMustBeAList() {
            #expect(configErrorText("queues: foo\n") == """
                launch-config.yaml:1:9: error: queues must be a list of strings, got a string
                launch-config.yaml:1:9: note: write a YAML list, e.g. 'queues: [first, second]'
                """)
        }

        @Test func maxJobsBelowMinusOneIsAnError() {
            #expect(configErrorText("max_jobs: -2\n") ==
                "launch-config.yaml:1:11: error: max_jobs must be -1 (unlimited) or 0 or more")
        }

        @Test func yesIsNotABoolean() {
            #expect(configErrorText("secure_mode: yes\n") == """
                launch-config.yaml:1:14: error: secure_mode must be true or false, got a string
                launch-config.yaml:1:14: note: only true and false are booleans (YAML 1.2); yes/no/on/off are strings
                """)
        }

        @Test func everyErrorIsReportedInFileOrder() {
            #expect(configErrorText("""
                verbosity: -1
                queues: [a, [b]]
                max_jobs: 1.5
                secure: true
                """) == """
                launch-config.yaml:1:12: error: verbosity must be 0 or more
                launch-config.yaml:2:13: error: queues[1] must be a string, got a list
                launch-config.yaml:3:11: error: max_jobs must be an integer, got a number
                launch-config.yaml:4:1: error: unknown top-level key 'secure'
                launch-config.yaml:4:1: note: did you mean 'secure_mode'?
                """)
        }

        @Test func documentMustBeAMapping() {
            #expect(configErrorText("- a\n- b\n") ==
                "launch-config.yaml:1:1: error: the config must be a mapping of keys to values, got a list")
        }

        @Test func environmentOverridesTheFile() throws {
            let config = try AgentConfig.parse(yaml: "entity: file\nmax_jobs: 2\n", file: "c.yaml",
                                               environment: ["WANDB_ENTITY": "env", "WANDB_LAUNCH_MAX_JOBS": "-1"])
            #expect(config.entity == "env")
            #expect(config.maxJobs == .unlimited)
        }

        @Test func emptyOverridesAreIgnored() throws {
            let config = try AgentConfig.parse(yaml: "entity: file\n", file: "c.yaml",
                                               environment: ["WANDB_ENTITY": "", "WANDB_LAUNCH_MAX_JOBS": ""])
            #expect(config.entity == "file")
            #expect(config.maxJobs == .atMost(1))
        }

        @Test func invalidMaxJobsOverrideNamesTheVariable() {
            #expect(configErrorText("max_job: 1\n", environment: ["WANDB_LAUNCH_MAX_JOBS": "four"]) == """
                error: environment variable WANDB_LAUNCH_MAX_JOBS must be -1 (unlimited) or an integer 0 or more
                note: unset it to use max_jobs from the config file
                launch-config.yaml:1:1: error: unknown top-level key 'max_job'
                launch-config.yaml:1:1: note: did you mean 'max_jobs'?
                """)
        }

        @Test func registryBlockWorksWithADeprecationWarning() throws {
            let config = try AgentConfig.parse(yaml: "entity: e\nregistry:\n  type: gcr\n  uri: x\n", file: "c.yaml")
            #expect(config.registryType == "artifact-registry")
            #expect(config.warnings.map(\.description) == ["""
                c.yaml:2:1: warning: the 'registry' block is deprecated
                c.yaml:2:1: note: the registry is inferred from builder.destination; remove this block once destination is set
                """])
        }

        @Test func environmentWithoutTypeIsAnError() {
            #expect(configErrorText("environment:\n  region: us-east-1\n") == """
                launch-config.yaml:1:1: error: environment.type is required when environment has other keys
                launch-config.yaml:1:1: note: set environment.type to the environment plugin to use ('agent plugins list' shows them)
                """)
        }

        @Test func secretValuesNeverAppearInMessages() {
            let text = configErrorText("""
                api_token: s3cr3t-value
                max_jobs: "s3cr3t-value"
                entity: [s3cr3t-value]
                queues: s3cr3t-value
                builder:
                  destination: registry.example.com/s3cr3t-value:s3cr3t-value
                  build-context-store: http://s3cr3t-value
                  secret_key: s3cr3t-value
                """)
            #expect(text.contains("error: unknown top-level key 'api_token'"))
            #expect(!text.contains("s3cr3t"))
        }
    }
}
