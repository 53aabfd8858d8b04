import Testing
@testable import AgentCore

extension ConfigTests {
    @Suite struct DidYouMean {
        @Test(arguments: [
            ("max_job", "max_jobs"), ("queue", "queues"), ("build_context_store", "build-context-store"),
            ("Max-Jobs", "max_jobs"), ("tpye", "type"), ("kanikoo", "kaniko"), ("ecr", "acr"),
        ])
        func nearMissesAreSuggested(word: String, expected: String) {
            let candidates = AgentConfig.topLevelKeys + BuilderConfig.hostKeys + ["kaniko", "acr"]
            #expect(Suggestions.closest(to: word, among: candidates) == expected)
        }

        @Test(arguments: ["project", "gcp", "x", "completely-different"])
        func farWordsAreNotSuggested(word: String) {
            #expect(Suggestions.closest(to: word, among: AgentConfig.topLevelKeys + ["aws", "acr"]) == nil)
        }

        @Test func transpositionCountsAsOneEdit() {
            #expect(Suggestions.distance("tpye", "type") == 1)
            #expect(Suggestions.distance("kitten", "sitting") == 3)
        }

        @Test(arguments: ["password", "api_key", "secret-key", "WANDB_API_KEY", "auth", "access-key-id", "token"])
        func secretLookingKeys(key: String) {
            #expect(SecretNames.isSecret(key))
        }

        @Test(arguments: ["destination", "kaniko-config", "keyboard", "monkey", "region", "build-context-store"])
        func ordinaryKeys(key: String) {
            #expect(!SecretNames.isSecret(key))
        }
    }
}
