import Dispatch
import LaunchAgentABI
import Testing
@testable import AgentCore

@Suite struct ServicesRedactorTests {
    @Test func replacesEveryOccurrence() {
        let r = Redactor()
        r.register("hunter2-password")
        #expect(r.redact("a hunter2-password b hunter2-password") == "a [REDACTED] b [REDACTED]")
        #expect(r.redact("nothing here") == "nothing here")
    }

    @Test func ignoresValuesShorterThanFourBytes() {
        let r = Redactor()
        r.register("abc")
        r.register("")
        #expect(r.count == 0)
        #expect(r.redact("abc abc") == "abc abc")
        r.register("abcd")
        #expect(r.redact("abcd") == "[REDACTED]")
    }

    @Test func longestSecretWinsAndNothingLeaks() {
        let r = Redactor()
        r.register("token")
        r.register("token-extended-value")
        // Replacing "token" first would leave "-extended-value" behind.
        #expect(r.redact("x token-extended-value y") == "x [REDACTED] y")
        // Overlapping secrets: no tail of either survives.
        r.register("abcdef")
        r.register("defghi")
        #expect(r.redact("<abcdefghi>") == "<[REDACTED]>")
    }

    @Test func aShortSecretCannotMatchInsideThePlaceholder() {
        let r = Redactor()
        r.register("DACT")
        r.register("my-long-secret")
        #expect(r.redact("my-long-secret and DACT") == "[REDACTED] and [REDACTED]")
    }

    @Test func matchesBytesNextToMultiByteCharacters() {
        let r = Redactor()
        r.register("sécret-clé")
        #expect(r.redact("→sécret-clé←") == "→[REDACTED]←")
    }

    @Test func duplicatesAreStoredOnce() {
        let r = Redactor()
        r.register("same-value")
        r.register("same-value")
        #expect(r.count == 1)
    }

    @Test func concurrentRegisterAndRedact() {
        let r = Redactor()
        DispatchQueue.concurrentPerform(iterations: 200) { i in
            r.register("secret-number-\(i)")
            _ = r.redact("line with secret-number-\(i / 2)")
        }
        #expect(r.count == 200)
        #expect(r.redact("secret-number-199") == "[REDACTED]")
    }

    @Test func pluginTableRegistersIntoTheSharedRedactor() throws {
        let raw = try #require(HostServices.service(forID: "launch-agent.secrets/1"))
        let table = raw.assumingMemoryBound(to: la_secrets_v1.self).pointee
        #expect(table.struct_size == UInt32(MemoryLayout<la_secrets_v1>.size))
        let secret = servicesUniqueSecret("plugin-token")
        let before = Redactor.shared.redact("value=\(secret)")
        #expect(before.contains(secret))
        servicesWithStrs(Array(secret.utf8), []) { value, _ in table.register_secret!(nil, value) }
        #expect(Redactor.shared.redact("value=\(secret)") == "value=[REDACTED]")
        // Short values are ignored through the table too.
        servicesWithStrs(Array("xyz".utf8), []) { value, _ in table.register_secret!(nil, value) }
        servicesWithStrs([], []) { value, _ in table.register_secret!(nil, value) }
        #expect(Redactor.shared.redact("a xyz b") == "a xyz b")
    }
}
