import Testing
@testable import AgentCore

extension ConfigTests {
    @Suite struct BuilderBlock {
        @Test func snakeCaseBuilderKeyIsAnErrorWithTheHyphenatedSpelling() {
            #expect(configErrorText("""
                builder:
                  type: kaniko
                  build_context_store: s3://bucket/ctx
                """) == """
                launch-config.yaml:3:3: error: unknown builder key 'build_context_store'
                launch-config.yaml:3:3: note: did you mean 'build-context-store'?
                launch-config.yaml:3:3: note: builder keys are spelt with hyphens; W&B silently ignored the snake_case spelling
                """)
        }

        @Test func misspeltHostKeyIsAnError() {
            #expect(configErrorText("builder:\n  type: docker\n  destinaton: r.example.com/ml\n") == """
                launch-config.yaml:3:3: error: unknown builder key 'destinaton'
                launch-config.yaml:3:3: note: did you mean 'destination'?
                """)
        }

        @Test func pluginKeysAreLeftToThePlugin() throws {
            let config = try AgentConfig.parse(yaml: """
                builder:
                  type: kaniko
                  build-job-name: b
                  kaniko-image: gcr.io/kaniko-project/executor:v1.23.2
                  made-up-plugin-key: {x: 1}
                """, file: "c.yaml")
            #expect(config.builder.type == "kaniko")
        }

        @Test func builderWithKeysButNoTypeIsAnErrorAtTheBuilderKey() {
            #expect(configErrorText("entity: e\nbuilder:\n  destination: r.example.com/ml\n",
                                    installed: ["builder": ["noop", "docker"]]) == """
                launch-config.yaml:2:1: error: builder.type is required when builder has other keys
                launch-config.yaml:2:1: note: installed builders: docker, noop
                """)
        }

        @Test func emptyTypeIsOneError() {
            #expect(configErrorText("builder:\n  type: \"\"\n  destination: r.example.com/ml\n") ==
                "launch-config.yaml:2:9: error: builder.type must not be empty")
        }

        @Test(arguments: ["builder:\n", "builder: {}\n", "builder: ~\n", "builder:\n  type:\n", ""])
        func emptyOrMissingBuilderMeansDefaultSelection(text: String) throws {
            let config = try AgentConfig.parse(yaml: text, file: "c.yaml")
            #expect(config.builder.type == nil)
            #expect(config.pluginSection(kind: "builder") == nil)
        }

        @Test func builderMustBeAMapping() {
            #expect(configErrorText("builder: docker\n") == """
                launch-config.yaml:1:10: error: builder must be a mapping, got a string
                launch-config.yaml:1:10: note: write it as a mapping, e.g. 'builder: {type: docker}'
                """)
        }

        @Test(arguments: [
            ("s3://bucket", BuildContextStore.Service.s3, "bucket", ""),
            ("gs://b/some/prefix/", .gcs, "b", "some/prefix"),
            ("https://acct1.blob.core.windows.net/ctx/launch", .azureBlob, "acct1/ctx", "launch"),
        ])
        func contextStoreURIsAreParsed(uri: String, service: BuildContextStore.Service, bucket: String, prefix: String) throws {
            let store = try #require(BuildContextStore(uri: uri))
            #expect(store.service == service)
            #expect(store.bucket == bucket)
            #expect(store.prefix == prefix)
        }

        @Test(arguments: ["http://x/y", "ftp:/x/y", "Ftp://x", "s3://", "https://example.com/c", "https://acct.blob.core.windows.net/", "bucket"])
        func otherContextStoreURIsAreRejected(uri: String) {
            #expect(BuildContextStore(uri: uri) == nil)
        }

        @Test func unsupportedContextStoreSchemeIsAnError() {
            #expect(configErrorText("builder:\n  type: kaniko\n  build-context-store: http://files/ctx\n") == """
                launch-config.yaml:3:24: error: builder.build-context-store must be an s3://, gs:// or Azure Blob URI (or another context store's SCHEME://BUCKET), got a 'http://' URI
                launch-config.yaml:3:24: note: use s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX
                """)
        }

        @Test func platformTakesACommaListOrAYAMLList() throws {
            let a = try AgentConfig.parse(yaml: "builder: {type: docker, platform: 'linux/amd64, linux/arm64'}", file: "c.yaml")
            let b = try AgentConfig.parse(yaml: "builder: {type: docker, platform: [linux/amd64, linux/arm64]}", file: "c.yaml")
            #expect(a.builder.platforms == ["linux/amd64", "linux/arm64"])
            #expect(b.builder.platforms == a.builder.platforms)
        }

        @Test func unsupportedPlatformSuggestsTheDockerName() {
            #expect(configErrorText("builder:\n  type: docker\n  platform: linux/x86_64\n") == """
                launch-config.yaml:3:13: error: unsupported builder.platform 'linux/x86_64'
                launch-config.yaml:3:13: note: did you mean 'linux/amd64'?
                launch-config.yaml:3:13: note: supported platforms: linux/amd64, linux/arm64, linux/arm/v7, linux/386, linux/ppc64le, linux/s390x, linux/riscv64
                """)
        }

        @Test func destinationMustNotCarryATag() {
            #expect(configErrorText("builder:\n  type: docker\n  destination: localhost:5000/ml:v1\n") == """
                launch-config.yaml:3:16: error: builder.destination must not include a tag or digest
                launch-config.yaml:3:16: note: the agent tags every image with the hash of its sources; drop the ':tag' or '@digest' part
                """)
            #expect(configErrorText("builder:\n  type: docker\n  destination: localhost:5000/ml\n") == "no error")
        }

        @Test func builderURIPointsAtDestination() {
            #expect(configErrorText("builder:\n  type: docker\n  uri: us-docker.pkg.dev/p/r/i\n") == """
                launch-config.yaml:3:3: error: unknown builder key 'uri'
                launch-config.yaml:3:3: note: did you mean 'destination'? the image repository goes in builder.destination (W&B ignored builder.uri)
                """)
        }
    }
}
