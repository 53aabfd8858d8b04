import FoundationEssentials
import Testing
@testable import AgentCore

/// Every config suite nests in here, so `swift test --filter Config` runs them all.
@Suite struct ConfigTests {}

/// The printed error for `yaml`, or "no error".
func configErrorText(_ yaml: String, environment: [String: String] = [:],
                     installed: [String: [String]]? = nil, file: String = "launch-config.yaml") -> String {
    do {
        _ = try AgentConfig.parse(yaml: yaml, file: file, environment: environment, installed: installed)
        return "no error"
    } catch {
        return error.description
    }
}

/// The printed YAML parse error for `yaml`, or "no error".
func yamlErrorText(_ yaml: String) -> String {
    do {
        _ = try YAMLParser.parse(yaml, file: "launch-config.yaml")
        return "no error"
    } catch {
        return error.description
    }
}

/// A fresh directory under the system temp dir, removed by the caller.
func makeConfigTempDirectory() throws -> String {
    let path = "/tmp/agent-config-tests-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A checked-in fixture under Fixtures/config.
func configFixturePath(_ name: String, from file: String = #filePath) -> String {
    let testsDir = file.split(separator: "/", omittingEmptySubsequences: false).dropLast(2).joined(separator: "/")
    return testsDir + "/Fixtures/config/" + name
}
