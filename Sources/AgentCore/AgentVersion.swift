import LaunchAgentABI

/// Versions the agent reports: its own release and the plugin ABI it speaks.
public enum AgentVersion {
    /// The agent's release version (semver).
    public static let current = "0.1.0"
    /// The plugin ABI this host implements (`LA_ABI_MAJOR`.`LA_ABI_MINOR`).
    public static let abiMajor = UInt32(LA_ABI_MAJOR)
    public static let abiMinor = UInt32(LA_ABI_MINOR)
    public static var abi: String { "\(abiMajor).\(abiMinor)" }
}
