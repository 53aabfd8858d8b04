/// An ECR repository named by a destination such as `123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app`.
///
/// Accepted: an optional `https://`; the hosts `<account>.dkr.ecr.<region>.amazonaws.com`,
/// `<account>.dkr.ecr-fips.<region>.amazonaws.com` and `<account>.dkr.ecr.<region>.amazonaws.com.cn`; then a
/// repository name as ECR defines it (lower-case components of letters and digits joined by `.`, `_`, `-`,
/// separated by `/`, 2 to 256 characters). A tag or digest is refused: the agent tags every image itself.
public struct ECRRepositoryURI: Sendable, Equatable {
    public var account: String
    public var region: String
    public var repository: String
    public var fips: Bool
    public var china: Bool

    /// The registry host: `123456789012.dkr.ecr.us-east-1.amazonaws.com`.
    public var server: String {
        "\(account).dkr.\(fips ? "ecr-fips" : "ecr").\(region).amazonaws.com\(china ? ".cn" : "")"
    }

    /// `server/repository`, what images get `:tag` appended to.
    public var uri: String { "\(server)/\(repository)" }

    /// The ARN partition: `aws`, `aws-cn`, `aws-us-gov`.
    public var partition: String { AWSPartition.of(region: region) }

    /// `arn:aws:ecr:us-east-1:123456789012:repository/team/app`
    public var arn: String { "arn:\(partition):ecr:\(region):\(account):repository/\(repository)" }

    public init(account: String, region: String, repository: String, fips: Bool = false, china: Bool = false) {
        self.account = account
        self.region = region
        self.repository = repository
        self.fips = fips
        self.china = china
    }

    /// What is wrong with a destination; `message` is the sentence for the user.
    public struct ParseError: Error, Sendable, Equatable {
        public enum Reason: Sendable, Equatable { case notECR, tag, digest, malformed }
        public var reason: Reason
        public var message: String
    }

    /// Whether `host` has the shape of an ECR registry host (any account, region or suffix): used to tell
    /// "not ECR at all" from "ECR, but malformed".
    static func looksLikeECR(_ host: String) -> Bool {
        host.contains(".dkr.ecr") && (host.hasSuffix(".amazonaws.com") || host.hasSuffix(".amazonaws.com.cn"))
    }

    /// Parses a destination as the user wrote it.
    public static func parse(_ destination: String) -> Result<ECRRepositoryURI, ParseError> {
        func fail(_ reason: ParseError.Reason, _ message: String) -> Result<ECRRepositoryURI, ParseError> {
            .failure(ParseError(reason: reason, message: message))
        }
        var text = Substring(destination)
        let example = "<account>.dkr.ecr.<region>.amazonaws.com/<repository>"
        if text.lowercased().hasPrefix("https://") {
            text = text.dropFirst(8)
        } else if text.contains("://") {
            return fail(.malformed, "'\(destination)' must be \(example), with or without https:// (ECR is served over https only)")
        }
        guard !text.isEmpty else { return fail(.malformed, "the destination is empty: write \(example)") }
        let slash = text.firstIndex(of: "/") ?? text.endIndex
        let host = String(text[..<slash]).lowercased()
        var path = slash < text.endIndex ? text[text.index(after: slash)...] : ""
        while path.hasSuffix("/") { path = path.dropLast() }

        if host.contains(":") {
            return fail(.malformed, "'\(host)' has a port; an ECR registry host has none: write \(example)")
        }
        guard looksLikeECR(host) else {
            return fail(.notECR, "'\(host)' is not an ECR registry host: write \(example)")
        }
        // <account> . dkr . ecr|ecr-fips . <region> . amazonaws . com [. cn]
        let labels = host.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let china = host.hasSuffix(".cn")
        guard labels.count == (china ? 7 : 6), labels[1] == "dkr", labels[2] == "ecr" || labels[2] == "ecr-fips" else {
            return fail(.malformed, "'\(host)' is not an ECR registry host: write \(example)")
        }
        let account = labels[0], region = labels[3]
        guard account.count == 12, account.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return fail(.malformed, "the account id '\(account)' in '\(host)' must be 12 digits (your AWS account id, e.g. 123456789012)")
        }
        guard isRegionName(region) else {
            return fail(.malformed, "'\(region)' in '\(host)' is not an AWS region name such as us-east-1")
        }
        if china != region.hasPrefix("cn-") {
            return fail(.malformed, china ? "'\(host)' ends in .amazonaws.com.cn but '\(region)' is not a China region"
                                          : "the China region '\(region)' is served at \(account).dkr.ecr.\(region).amazonaws.com.cn")
        }
        guard !path.isEmpty else {
            return fail(.malformed, "'\(destination)' names no repository: add one, e.g. \(host)/team/app")
        }
        let lastSlash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let last = path[lastSlash...]
        if let at = path.firstIndex(of: "@") {
            let digest = path[at...]
            return fail(.digest, "'\(destination)' carries a digest: the agent tags images itself: remove '\(digest)'")
        }
        if let colon = last.firstIndex(of: ":") {
            let tag = last[colon...]
            return fail(.tag, "'\(destination)' carries a tag: the agent tags images itself: remove '\(tag)'")
        }
        let repository = String(path)
        if let problem = repositoryNameProblem(repository) {
            return fail(.malformed, "the repository name '\(repository)' \(problem)")
        }
        return .success(ECRRepositoryURI(account: account, region: region, repository: repository,
                                         fips: labels[2] == "ecr-fips", china: china))
    }

    /// Why `name` is not an ECR repository name, or nil.
    static func repositoryNameProblem(_ name: String) -> String? {
        guard (2...256).contains(name.utf8.count) else { return "must be 2 to 256 characters long" }
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            guard !component.isEmpty else { return "has an empty path component ('//')" }
            let bytes = Array(component.utf8)
            for (i, c) in bytes.enumerated() {
                let alnum = (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
                if c >= 0x41 && c <= 0x5A { return "must be lower-case: use '\(name.lowercased())'" }
                let separator = c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
                guard alnum || separator else {
                    return "may hold only lower-case letters, digits, '.', '_', '-' and '/'"
                }
                if separator && (i == 0 || i == bytes.count - 1) {
                    return "has a component '\(component)' that starts or ends with '.', '_' or '-'"
                }
                if separator, i > 0, [UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-")].contains(bytes[i - 1]) {
                    return "has two separators in a row in '\(component)'"
                }
            }
        }
        return nil
    }

    /// Lower-case letters, digits and `-`, with a `-`, not at either end (us-east-1, us-gov-west-1).
    public static func isRegionName(_ s: String) -> Bool {
        !s.isEmpty && s.contains("-") && !s.hasPrefix("-") && !s.hasSuffix("-")
            && s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}

/// ARN partitions by region name.
public enum AWSPartition {
    public static func of(region: String) -> String {
        if region.hasPrefix("cn-") { return "aws-cn" }
        if region.hasPrefix("us-gov-") { return "aws-us-gov" }
        return "aws"
    }
}
