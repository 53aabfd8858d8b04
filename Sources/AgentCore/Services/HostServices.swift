import LaunchAgentABI

/// The host services plugins look up by ID through `la_host_v1.get_service`.
///
/// Each table is allocated on first use and never freed, so the pointers
/// returned here are valid for the life of the process, as the header
/// promises plugins.
public enum HostServices {
    /// The IDs offered, as in the header's LA_SERVICE_* macros.
    public static let httpID = "launch-agent.http/1"
    public static let processID = "launch-agent.process/1"
    public static let secretsID = "launch-agent.secrets/1"

    /// The table for `id`, or nil when this host does not offer that service
    /// (a plugin asking for "/2" of a service gets nil, not the "/1" table).
    public static func service(forID id: String) -> UnsafeRawPointer? {
        switch id {
        case httpID: return UnsafeRawPointer(HTTPService.table)
        case processID: return UnsafeRawPointer(ProcessService.table)
        case secretsID: return UnsafeRawPointer(Redactor.secretsTable)
        default: return nil
        }
    }
}
