/// The shape rules for job spec values, as pure functions returning the
/// problem's wording (completing "KEY ..."), or nil when the value is fine.
///
/// Queue submitters are untrusted: values that reach a command line must not
/// be readable as options (a leading `-`), and git is only spoken over https
/// and ssh (W&B needed fixes for both: wandb/wandb#11852, #12221).
enum JobSpecRules {
    static func hasSpaceOrControl(_ s: String) -> Bool {
        s.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
    }

    static func gitURLProblem(_ url: String) -> (message: String, notes: [String])? {
        let use = "use an https:// URL, an ssh:// URL or the scp form 'git@HOST:ORG/REPO.git'"
        if url.isEmpty { return ("must not be empty", [use]) }
        if url.hasPrefix("-") { return ("must not start with '-'", [use]) }
        if hasSpaceOrControl(url) { return ("must not contain spaces or control characters", []) }
        if let schemeEnd = url.firstRange(of: "://") {
            let scheme = url[..<schemeEnd.lowerBound].lowercased()
            let rest = url[schemeEnd.upperBound...]
            let authority = rest.prefix { $0 != "/" }
            switch scheme {
            case "https", "ssh":
                if authority.contains("@") && (scheme == "https" || authority.prefix { $0 != "@" }.contains(":")) {
                    return ("must not contain credentials", [
                        "the queue stores the spec and 'agent jobs show' prints it",
                        "configure a git credential helper or an ssh key for the agent's user instead",
                    ])
                }
                let host = authority.split(separator: "@").last ?? ""
                if host.isEmpty || rest.count <= authority.count + 1 {
                    return ("must name a host and a repository, e.g. 'https://github.com/org/repo.git'", [])
                }
                return nil
            case "http": return ("must not use plain http", [use])
            default: return ("uses the '\(scheme)' protocol, which is not allowed", [use])
            }
        }
        // The scp form: [user@]host:path, with no slash before the colon.
        if url.hasPrefix("ext::") || url.hasPrefix("fd::") { return ("uses a git remote helper, which is not allowed", [use]) }
        guard let colon = url.firstIndex(of: ":") else {
            return ("is not a repository URL", [use + "; a local directory goes in 'path'"])
        }
        let target = url[..<colon], path = url[url.index(after: colon)...]
        let host = target.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        let hostOK = !host.isEmpty && host.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }
        if target.contains("/") || !hostOK || path.isEmpty || target.filter({ $0 == "@" }).count > 1 {
            return ("is not a repository URL", [use])
        }
        return nil
    }

    /// A subset of `git check-ref-format` that also admits commit hashes.
    static func gitRefProblem(_ ref: String) -> String? {
        if ref.isEmpty { return "must not be empty" }
        if ref.hasPrefix("-") { return "must not start with '-'" }
        if hasSpaceOrControl(ref) { return "must not contain spaces or control characters" }
        if ref.contains("..") || ref.contains("@{") || ref.contains(where: { "~^:?*[\\".contains($0) }) {
            return "is not a valid git ref"
        }
        if ref.hasSuffix("/") || ref.hasSuffix(".lock") || ref.hasSuffix(".") { return "is not a valid git ref" }
        return nil
    }

    static func imageProblem(_ image: String) -> String? {
        if image.isEmpty { return "must not be empty" }
        if image.hasPrefix("-") { return "must not start with '-'" }
        if hasSpaceOrControl(image) { return "must not contain spaces or control characters" }
        if image.hasSuffix(":") || image.hasSuffix("/") || image.hasSuffix("@") { return "is not a complete image reference" }
        return nil
    }

    /// A runner component name: lower-case letters, digits and inner hyphens.
    static func isComponentName(_ s: String) -> Bool {
        guard let first = s.first, let last = s.last, first != "-", last != "-" else { return false }
        return s.allSatisfy { ($0.isASCII && $0.isLowercase) || ($0.isASCII && $0.isNumber) || $0 == "-" }
    }

    /// An environment variable or build argument name.
    static func isVariableName(_ s: String) -> Bool {
        guard let first = s.first, !(first.isASCII && first.isNumber) else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// Problems of a path that must stay inside the job's source.
    static func relativePathProblem(_ path: String) -> String? {
        if path.isEmpty { return "must not be empty" }
        if path.hasPrefix("/") { return "must be relative to the job's source, not absolute" }
        if path.split(separator: "/").contains("..") { return "must stay inside the job's source (no '..')" }
        if path.contains("\0") || path.hasPrefix("-") { return "is not a usable path" }
        return nil
    }

    /// `3.11` or `3.11.4`.
    static func isPythonVersion(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return (2...3).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }
}
