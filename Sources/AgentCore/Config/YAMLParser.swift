import CYAML

/// Parses one YAML document into a `YAMLNode` tree with marks, using libyaml's
/// event API.
///
/// Aliases are expanded (up to `maxNodes` nodes in all, so a "billion laughs"
/// file fails fast instead of eating memory), `<<` merge keys are applied as
/// PyYAML does, duplicate keys and a second document are errors, and syntax
/// errors carry libyaml's own problem text at its problem mark.
public enum YAMLParser {
    /// Nodes allowed after alias expansion.
    public static let maxNodes = 100_000
    /// Nesting allowed; everything downstream walks the tree recursively.
    public static let maxDepth = 200

    /// The document in `text`, or nil when there is none (an empty file, only
    /// comments, or a lone `---`). `file` is the name diagnostics print.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> YAMLNode? {
        try parse(bytes: Array(text.utf8), file: file)
    }

    public static func parse(bytes: [UInt8], file: String) throws(ConfigError) -> YAMLNode? {
        if bytes.isEmpty { return nil }
        var builder = YAMLTreeBuilder(file: file, bytes: bytes)
        let result: Result<Void, ConfigError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                return .failure(ConfigError(at: nil, "\(file): could not start the YAML parser (out of memory)"))
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    return .failure(builder.syntaxError(parser))
                }
                defer { yaml_event_delete(&event) }
                do throws(ConfigError) {
                    if try builder.handle(event) { return .success(()) }
                } catch {
                    return .failure(error)
                }
            }
        }
        try result.get()
        return try builder.finish()
    }
}
