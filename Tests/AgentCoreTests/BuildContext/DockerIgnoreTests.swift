import Testing
@testable import AgentCore

@Suite struct DockerIgnoreTests {
    func rules(_ text: String, keep: [String] = []) throws -> DockerIgnore {
        try DockerIgnore(text: Array(text.utf8), keep: keep)
    }

    /// The example of https://docs.docker.com/build/concepts/context/#dockerignore-files
    @Test func dockerDocumentationExample() throws {
        let r = try rules("""
            # comment
            */temp*
            */*/temp*
            temp?
            """)
        #expect(r.ignores("somedir/temporary.txt"))
        #expect(r.ignores("somedir/temp"))
        #expect(r.ignores("somedir/subdir/temporary.txt"))
        #expect(r.ignores("tempa"))
        #expect(r.ignores("tempb"))
        #expect(!r.ignores("temp"))
        #expect(!r.ignores("temporary.txt"))
        #expect(!r.ignores("tempab"))
        #expect(!r.ignores("a/b/c/temp.txt"))
        #expect(!r.ignores("# comment"))
    }

    @Test func doubleStarMatchesAnyDepth() throws {
        let r = try rules("**/*.go")
        #expect(r.ignores("main.go"))
        #expect(r.ignores("a/b/c/main.go"))
        #expect(!r.ignores("main.gox"))
        let all = try rules("**")
        #expect(all.ignores("x") && all.ignores("a/b"))
        let under = try rules("build/**")
        #expect(under.ignores("build/x") && under.ignores("build/a/b"))
        #expect(!under.ignores("build") && !under.ignores("builds/x"))
        let middle = try rules("a/**/z")
        #expect(middle.ignores("a/z") && middle.ignores("a/b/z") && middle.ignores("a/b/c/z"))
        #expect(!middle.ignores("a/bz"))
    }

    /// Docker's documented exception examples: the last matching line wins.
    @Test func exceptionsAndOrder() throws {
        let readme = try rules("*.md\n!README.md")
        #expect(readme.ignores("CHANGES.md"))
        #expect(!readme.ignores("README.md"))

        let secret = try rules("*.md\n!README*.md\nREADME-secret.md")
        #expect(secret.ignores("CHANGES.md"))
        #expect(!secret.ignores("README.md") && !secret.ignores("README-public.md"))
        #expect(secret.ignores("README-secret.md"))

        let noEffect = try rules("*.md\nREADME-secret.md\n!README*.md")
        #expect(!noEffect.ignores("README-secret.md"))
        #expect(noEffect.ignores("CHANGES.md"))
    }

    @Test func aMatchingDirectoryIgnoresEverythingBelowIt() throws {
        let r = try rules("docs\n.git")
        #expect(r.ignores("docs") && r.ignores("docs/a/b.md") && r.ignores(".git/HEAD"))
        #expect(!r.ignores("docsite/x") && !r.ignores("src/docs"))
    }

    @Test func linesAreTrimmedCleanedAndRootSlashIsDropped() throws {
        let r = try rules("\u{FEFF}  /abs/file  \r\nfoo/../bar/\n./dot\n\n  # not a comment\n# comment\n")
        #expect(r.ignores("abs/file"))
        #expect(r.ignores("bar") && r.ignores("bar/x"))
        #expect(!r.ignores("foo"))
        #expect(r.ignores("dot"))
        #expect(r.ignores("# not a comment"))
        #expect(!r.ignores("# comment"))
        let bang = try rules("*\n! keep ")
        #expect(!bang.ignores("keep") && bang.ignores("other"))
    }

    @Test func classesEscapesAndQuestionMark() throws {
        let r = try rules("[a-c]x\n[^0-9]y\nq?\n\\*star\nf*o")
        #expect(r.ignores("ax") && r.ignores("cx") && !r.ignores("dx"))
        #expect(r.ignores("zy") && !r.ignores("5y"))
        #expect(r.ignores("qa") && !r.ignores("q") && !r.ignores("q/"))
        #expect(r.ignores("q\u{e9}"))  // ? is one character, not one byte
        #expect(r.ignores("*star") && !r.ignores("xstar"))
        #expect(r.ignores("fo") && r.ignores("foooo") && !r.ignores("f/o"))
    }

    /// patternmatcher's shortcut for a leading `**` (kept for fidelity).
    @Test func leadingDoubleStarSuffixShortcut() throws {
        let r = try rules("**/foo")
        #expect(r.ignores("foo") && r.ignores("a/b/foo"))
        #expect(!r.ignores("barfoo"))
        let quirk = try rules("**foo")
        #expect(quirk.ignores("barfoo"))
    }

    @Test func malformedPatternsAreRejectedWithTheirLine() {
        #expect(throws: BuildContextError.invalidDockerignore(line: 2, pattern: "a[b")) { try rules("ok\na[b") }
        #expect(throws: BuildContextError.invalidDockerignore(line: 1, pattern: "!")) { try rules("!") }
    }

    @Test func keptPathsAreAlwaysSent() throws {
        let r = try rules("*\n", keep: [".dockerignore", "docker/Dockerfile"])
        #expect(!r.ignores(".dockerignore"))
        #expect(!r.ignores("docker/Dockerfile"))
        #expect(r.ignores("docker/other"))
        #expect(r.mayReinclude(below: Array("docker".utf8)))
        #expect(!r.mayReinclude(below: Array("src".utf8)))
    }

    @Test func reincludeBelowAnIgnoredDirectory() throws {
        let r = try rules("vendor\n!vendor/keep/**\n!**/important.txt")
        #expect(r.ignores("vendor/x"))
        #expect(!r.ignores("vendor/keep/a"))
        #expect(!r.ignores("vendor/deep/important.txt"))
        #expect(r.mayReinclude(below: Array("vendor".utf8)))
        let none = try rules("vendor")
        #expect(!none.mayReinclude(below: Array("vendor".utf8)))
    }
}
