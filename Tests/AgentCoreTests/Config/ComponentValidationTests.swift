import Testing
@testable import AgentCore

extension ConfigTests {
    @Suite struct ComponentValidation {
        let installed = [
            "builder": ["noop", "docker", "kaniko"],
            "environment": ["aws"],
            "context-store": ["s3"],
        ]

        func text(_ yaml: String, installed: [String: [String]]) throws -> String {
            let config = try AgentConfig.parse(yaml: yaml, file: "launch-config.yaml")
            return config.validateComponents(installed: installed).map(\.description).joined(separator: "\n")
        }

        @Test func unknownBuilderTypeSuggestsAndListsInstalledBuilders() throws {
            #expect(try text("builder:\n  type: kanikoo\n", installed: installed) == """
                launch-config.yaml:2:9: error: unknown builder type 'kanikoo'
                launch-config.yaml:2:9: note: did you mean 'kaniko'?
                launch-config.yaml:2:9: note: installed builders: docker, kaniko, noop
                """)
        }

        @Test func knownButUninstalledTypeNamesItsLibrary() throws {
            #expect(try text("builder:\n  type: kaniko\n", installed: ["builder": ["docker", "noop"]]) == """
                launch-config.yaml:2:9: error: unknown builder type 'kaniko'
                launch-config.yaml:2:9: note: 'kaniko' is provided by liblaunch-agent-kubernetes.so; install it into the plugins directory
                launch-config.yaml:2:9: note: installed builders: docker, noop
                """)
        }

        @Test func kindWithNothingInstalledSaysWhatToInstall() throws {
            #expect(try text("environment:\n  type: gcp\n  region: europe-west4\n", installed: ["builder": ["docker"]]) == """
                launch-config.yaml:2:9: error: unknown environment type 'gcp': no environment plugins are installed
                launch-config.yaml:2:9: note: install the plugin library that provides it (liblaunch-agent-gcp.so) into the plugins directory
                """)
        }

        @Test func installedComponentsPass() throws {
            let yaml = "environment: {type: aws, region: us-east-1}\nbuilder: {type: kaniko, build-context-store: s3://b}\n"
            #expect(try text(yaml, installed: installed) == "")
        }

        @Test func contextStoreNeedsItsComponent() throws {
            #expect(try text("builder:\n  type: kaniko\n  build-context-store: gs://b/ctx\n", installed: installed) == """
                launch-config.yaml:3:24: error: unknown context-store 'gcs' for builder.build-context-store
                launch-config.yaml:3:24: note: 'gcs' is provided by liblaunch-agent-gcp.so; install it into the plugins directory
                launch-config.yaml:3:24: note: installed context stores: s3
                """)
        }

        @Test func onlyMissingComponentsExitWithThree() {
            func exitCode(_ yaml: String) -> Int32? {
                do {
                    _ = try AgentConfig.parse(yaml: yaml, file: "c.yaml", installed: installed)
                    return nil
                } catch {
                    return error.exitCode
                }
            }
            #expect(exitCode("builder: {type: dockr}\n") == 3)
            #expect(exitCode("max_jobs: x\nbuilder: {type: dockr}\n") == 2)
        }

        @Test func loadWithInstalledReportsComponentErrorsWithTheRest() {
            #expect(configErrorText("max_jobs: x\nbuilder:\n  type: dockr\n", installed: installed) == """
                launch-config.yaml:1:11: error: max_jobs must be an integer, got a string
                launch-config.yaml:3:9: error: unknown builder type 'dockr'
                launch-config.yaml:3:9: note: did you mean 'docker'?
                launch-config.yaml:3:9: note: installed builders: docker, kaniko, noop
                """)
        }
    }
}
