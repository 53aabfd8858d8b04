// swift-tools-version: 6.1
import PackageDescription

// Every Swift plugin exports exactly one symbol, the ABI entry point; the
// version script hides everything else (including the plugin kit's symbols),
// so plugins cannot collide with each other or with the host. Linked with lld
// (shipped with the toolchain): gold leaves the hidden Swift symbols in .dynsym
// as LOCAL entries, so `nm -D --defined-only` would list them.
let pluginRoot = Context.packageDirectory
let pluginLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-use-ld=lld", "-Xlinker", "--version-script=\(pluginRoot)/plugin-sdk/exports.map"]),
]

/// A shipped plugin library: `Plugins/<folder>/` becomes `liblaunch-agent-<folder>.so`.
/// `path` and `dependencies` let a plugin keep its sources in a subfolder and link internal targets
/// statically (the AWS plugin: `Plugins/aws/Plugin` + `AWSCore` in `Plugins/aws/Core`).
func plugin(_ folder: String, target: String, path: String? = nil, dependencies: [Target.Dependency] = []) -> (Product, Target) {
    (
        .library(name: "launch-agent-\(folder)", type: .dynamic, targets: [target]),
        .target(
            name: target,
            dependencies: ["LaunchAgentPluginKit"] + dependencies,
            path: path ?? "Plugins/\(folder)",
            linkerSettings: pluginLinkerSettings
        )
    )
}

let plugins = [
    plugin("noop", target: "NoopPlugin"),
    plugin("docker", target: "DockerPlugin"),
    plugin("local", target: "LocalPlugin"),
    plugin("aws", target: "AWSPlugin", path: "Plugins/aws/Plugin", dependencies: ["AWSCore"]),
    plugin("kubernetes", target: "KubernetesPlugin", path: "Plugins/kubernetes/Plugin", dependencies: ["KubeCore"]),
]

let package = Package(
    name: "launch-agent",
    products: [
        .executable(name: "agent", targets: ["agent"]),
        // For plugin authors outside this repository: link the kit statically
        // into a `.dynamic` product of their own (docs/plugin-author-guide.md).
        .library(name: "LaunchAgentPluginKit", type: .static, targets: ["LaunchAgentPluginKit"]),
    ] + plugins.map(\.0),
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The C ABI: plugin-sdk/include/launch_agent_plugin.h is the contract.
        .target(
            name: "LaunchAgentABI",
            path: "plugin-sdk",
            sources: ["abi/abi_probe.c"],
            publicHeadersPath: "include"
        ),
        .systemLibrary(
            name: "CYAML",
            path: "Sources/CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // libcurl, loaded with dlopen on the first HTTP request (Sources/CCurl/include/la_curl.h):
        // headers from libcurl4-openssl-dev, no link-time dependency.
        .target(
            name: "CCurl",
            path: "Sources/CCurl"
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The host: config → plugins → pipeline. Knows no cloud.
        .target(
            name: "AgentCore",
            dependencies: ["CYAML", "CCurl", "CZlib", "LaunchAgentABI"],
            path: "Sources/AgentCore"
        ),
        .executableTarget(
            name: "agent",
            dependencies: [
                "AgentCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/agent"
        ),
        // The Swift kit for plugin authors; linked statically into each plugin,
        // never into the host.
        .target(
            name: "LaunchAgentPluginKit",
            dependencies: ["LaunchAgentABI"],
            path: "plugin-sdk/swift/LaunchAgentPluginKit"
        ),
        // SigV4, the credential chain and STS for the AWS plugin: no host code, no kit, so the tests
        // can use it directly. Linked statically into liblaunch-agent-aws.so.
        .target(
            name: "AWSCore",
            path: "Plugins/aws/Core"
        ),
        .testTarget(
            name: "AWSPluginTests",
            dependencies: ["AWSCore", "AgentCore"],
            path: "Tests/AWSPluginTests",
            exclude: ["Fixtures"]
        ),
        // The Kubernetes client (kubeconfig, exec plugins, in-cluster, typed errors, watches, logs): no host code,
        // no kit, so the tests can use it directly. Parses kubeconfig YAML with the system libyaml the host also
        // links. Linked statically into liblaunch-agent-kubernetes.so.
        .target(
            name: "KubeCore",
            dependencies: ["CYAML"],
            path: "Plugins/kubernetes/Core"
        ),
        .testTarget(
            name: "KubernetesPluginTests",
            dependencies: ["KubeCore", "AgentCore"],
            path: "Tests/KubernetesPluginTests"
        ),
        .testTarget(
            name: "AgentCoreTests",
            dependencies: ["AgentCore", "LaunchAgentABI"],
            path: "Tests/AgentCoreTests",
            exclude: ["Fixtures", "Services/services_test_server.py"]
        ),
    ] + plugins.map(\.1)
)
