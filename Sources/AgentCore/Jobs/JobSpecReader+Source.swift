extension JobSpecReader {
    /// One of `path`, `uri`, `git`, `docker_image`, or nil if it is unusable.
    mutating func source(_ p: YAMLPair) -> JobSpec.Source? {
        let key = p.keyText
        switch key {
        case "path":
            guard let dir = r.string(p.value, key) else { return nil }
            if dir.isEmpty {
                r.error(at: p.value.mark, "path must not be empty", notes: [.init("write 'path: .' for the directory of this file")])
                return nil
            }
            let absolute = JobPaths.absolute(dir, relativeTo: baseDirectory)
            if checkFiles {
                switch JobPaths.kind(of: absolute) {
                case .directory: break
                case .missing: r.error(at: p.value.mark, "path \(absolute) does not exist"); return nil
                default: r.error(at: p.value.mark, "path \(absolute) is not a directory"); return nil
                }
            }
            return .path(absolute)
        case "uri":
            guard let url = gitURL(p.value, key) else { return nil }
            return .git(url: url, ref: nil)
        case "git":
            return git(p)
        default:
            guard let image = imageReference(p.value, key) else { return nil }
            return .dockerImage(image)
        }
    }

    /// `git: {url: URL, ref: REF}`.
    private mutating func git(_ p: YAMLPair) -> JobSpec.Source? {
        guard let pairs = r.mapping(p.value, "git", example: "git: {url: https://github.com/org/repo.git, ref: main}") else { return nil }
        var url: String?
        var ref: String?
        var urlWritten = false
        for q in pairs {
            switch q.keyText {
            case "url": urlWritten = true; url = gitURL(q.value, "git.url")
            case "ref": ref = gitRef(q.value, "git.ref")
            default:
                let aliases = ["remote": "url", "repo": "url", "commit": "ref", "version": "ref", "branch": "ref", "tag": "ref"]
                let suggestion = aliases[q.keyText] ?? Suggestions.closest(to: q.keyText, among: ["url", "ref"])
                let notes = suggestion.map { [ConfigDiagnostic.Note("did you mean '\($0)'?")] }
                    ?? [.init("git takes 'url' and 'ref' (a branch, tag or commit)")]
                r.error(at: q.key.mark, "unknown git key '\(q.keyText)'", notes: notes)
            }
        }
        if !urlWritten { r.error(at: p.key.mark, "git needs a 'url'", notes: [.init("e.g. 'git: {url: https://github.com/org/repo.git, ref: main}'")]) }
        return url.map { .git(url: $0, ref: ref) }
    }

    /// A repository URL over https or ssh (`ssh://` or `user@host:path`).
    /// Credentials in the URL are refused: the queue stores and shows specs.
    mutating func gitURL(_ node: YAMLNode, _ name: String) -> String? {
        guard let url = r.string(node, name) else { return nil }
        if let problem = JobSpecRules.gitURLProblem(url) {
            r.error(at: node.mark, "\(name) \(problem.message)", notes: problem.notes.map { .init($0) })
            return nil
        }
        return url
    }

    mutating func gitRef(_ node: YAMLNode, _ name: String) -> String? {
        guard let ref = r.string(node, name) else { return nil }
        if let problem = JobSpecRules.gitRefProblem(ref) {
            r.error(at: node.mark, "\(name) \(problem)", notes: [.init("give a branch, a tag or a commit hash, e.g. 'main' or 'v1.2'")])
            return nil
        }
        return ref
    }

    /// An image reference such as `REGISTRY/REPOSITORY:TAG` or `python:3.12`.
    mutating func imageReference(_ node: YAMLNode, _ name: String) -> String? {
        guard let image = r.string(node, name) else { return nil }
        if let problem = JobSpecRules.imageProblem(image) {
            r.error(at: node.mark, "\(name) \(problem)", notes: [.init("give an image reference such as 'python:3.12' or 'REGISTRY/REPOSITORY:TAG'")])
            return nil
        }
        return image
    }
}
