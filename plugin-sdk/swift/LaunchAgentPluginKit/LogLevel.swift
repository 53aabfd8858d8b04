/// The severity of a log line (`LA_LOG_*`).
public enum LogLevel: Int32, Sendable, CaseIterable {
    /// `LA_LOG_ERROR`
    case error = 0
    /// `LA_LOG_WARNING`
    case warning = 1
    /// `LA_LOG_INFO`
    case info = 2
    /// `LA_LOG_DEBUG`
    case debug = 3
    /// `LA_LOG_TRACE`
    case trace = 4
}
