import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

/// Serialized: one test changes the process environment.
@Suite(.serialized) struct PrepareContextTests {
    static let python311 = Resolvers.digest("python:3.11 v1")

    static func project(_ label: String = "prep") -> TestTree {
        TestTree(label)
            .file("Dockerfile", "ARG BASE=python:3.11\nFROM ${BASE}\nCOPY . /app\n")
            .file("train.py", "print('train')\n")
            .file("requirements.txt", "numpy==2.1.0\n")
    }

    static func prepare(_ t: TestTree, args: [String: String] = [:], platforms: [String] = ["linux/amd64"],
                        digests: [String: String] = [:]) throws -> PreparedContext {
        try BuildContext.prepare(source: t.root, buildArgs: args, platforms: platforms) { ref in
            digests[ref] ?? python311
        }
    }

    @Test func tagIsThePrefixOfTheDigestOfTheManifest() throws {
        let t = Self.project()
        defer { t.remove() }
        var resolved: [String] = []
        let p = try BuildContext.prepare(source: t.root, platforms: ["linux/amd64"]) { ref in
            resolved.append(ref)
            return Self.python311
        }
        #expect(resolved == ["python:3.11"])
        #expect(p.digest.count == 64 && p.tag.count == 20 && p.digest.hasPrefix(p.tag))
        #expect(p.directory == t.root && p.dockerfile == "Dockerfile" && !p.isStaged)
        #expect(p.baseImages == ["python:3.11": Self.python311])
        #expect(p.fileCount == 3)
        let tarHash = try BuildContext.hash(directory: t.root).sha256
        #expect(p.tarSHA256 == tarHash)
        let expected = ContextDigest(tarSHA256: tarHash, dockerfile: "ARG BASE=python:3.11\nFROM ${BASE}\nCOPY . /app\n",
                                     platforms: ["linux/amd64"], baseImages: ["python:3.11": Self.python311])
        #expect(p.digest == expected.hex && p.tag == expected.tag)
        let manifest = String(decoding: expected.manifest, as: UTF8.self)
        #expect(manifest == """
            launch-agent context v1
            tar 71
            sha256:\(tarHash)
            dockerfile 46
            ARG BASE=python:3.11
            FROM ${BASE}
            COPY . /app

            platform 11
            linux/amd64
            base 83
            python:3.11 \(Self.python311)

            """)
    }

    @Test func sameSourceSameTagAtAnotherPathWithOtherMtimesAndOwners() throws {
        let a = Self.project("same-a")
        let b = a.copy("same-b")
        defer { a.remove(); b.remove() }
        _ = b.sh("touch -d '2020-02-02' * && chmod 600 train.py")
        if getuid() == 0 { _ = b.sh("chown -R 4242:4242 .") }
        #expect(try Self.prepare(a).tag == Self.prepare(b).tag)
    }

    @Test func everyInputChangesTheTag() throws {
        let t = Self.project()
        defer { t.remove() }
        let base = try Self.prepare(t).tag
        var tags: Set<String> = [base]
        func distinct(_ tag: String, _ what: Comment) { #expect(tags.insert(tag).inserted, what) }

        distinct(try Self.prepare(t, args: ["SEED": "1"]).tag, "a build arg")
        distinct(try Self.prepare(t, args: ["SEED": "2"]).tag, "a build arg value")
        distinct(try Self.prepare(t, args: ["BASE": "python:3.11"]).tag, "an arg equal to the default is still an input")
        distinct(try Self.prepare(t, platforms: ["linux/arm64"]).tag, "the platform")
        distinct(try Self.prepare(t, platforms: ["linux/arm64", "linux/amd64"]).tag, "a second platform")
        #expect(try Self.prepare(t, platforms: ["linux/amd64", "linux/arm64", "linux/amd64"]).tag
                == Self.prepare(t, platforms: ["linux/arm64", "linux/amd64"]).tag, "platform order and duplicates do not matter")
        distinct(try Self.prepare(t, platforms: []).tag, "no platform")
        // A moving tag: python:3.11 now points at another digest.
        distinct(try Self.prepare(t, digests: ["python:3.11": Resolvers.digest("python:3.11 v2")]).tag, "a base image digest")
        t.file("Dockerfile", "ARG BASE=python:3.11\nFROM ${BASE}\nCOPY . /app \n")
        distinct(try Self.prepare(t).tag, "the Dockerfile text")
        t.file("Dockerfile", "ARG BASE=python:3.11\nFROM ${BASE}\nCOPY . /app\n")
        #expect(try Self.prepare(t).tag == base, "back to the original")
        t.file("train.py", "print('train!')\n")
        distinct(try Self.prepare(t).tag, "a source file")
    }

    @Test func pinnedBasesAreNotResolvedAndBadDigestsAreRejected() throws {
        let pinned = "python:3.11@" + Self.python311
        let t = Self.project().file("Dockerfile", "FROM \(pinned)\nFROM scratch\n")
        defer { t.remove() }
        let p = try BuildContext.prepare(source: t.root) { ref in Issue.record("resolver called for \(ref)"); return "" }
        #expect(p.baseImages == [pinned: Self.python311])

        t.file("Dockerfile", "FROM alpine\n")
        #expect(throws: BuildContextError.baseImageUnresolved(image: "alpine", reason: "the resolver returned \"latest\", not a digest")) {
            try BuildContext.prepare(source: t.root) { _ in "latest" }
        }
        struct Offline: Error, CustomStringConvertible { var description: String { "registry unreachable" } }
        #expect(throws: BuildContextError.baseImageUnresolved(image: "alpine", reason: "registry unreachable")) {
            try BuildContext.prepare(source: t.root) { _ in throw Offline() }
        }
    }

    @Test func dockerfileErrorsNameThePath() throws {
        let t = Self.project()
        defer { t.remove() }
        #expect(throws: BuildContextError.missingDockerfile(path: t.root + "/build/Dockerfile")) {
            try BuildContext.prepare(source: t.root, dockerfile: "build/Dockerfile", resolveBase: Resolvers.fixed())
        }
        #expect(throws: BuildContextError.dockerfileOutsideContext(path: "../Dockerfile")) {
            try BuildContext.prepare(source: t.root, dockerfile: "../Dockerfile", resolveBase: Resolvers.fixed())
        }
        #expect(throws: BuildContextError.dockerfileOutsideContext(path: "/etc/Dockerfile")) {
            try BuildContext.prepare(source: t.root, dockerfile: "/etc/Dockerfile", resolveBase: Resolvers.fixed())
        }
        #expect(throws: BuildContextError.conflictingDockerfiles(path: "Dockerfile")) {
            try BuildContext.prepare(source: t.root, dockerfile: "Dockerfile", generated: GeneratedDockerfile(entryPoint: ["python"]),
                                     resolveBase: Resolvers.fixed())
        }
        let abs = try BuildContext.prepare(source: t.root, dockerfile: t.root + "/Dockerfile", resolveBase: Resolvers.fixed())
        #expect(abs.dockerfile == "Dockerfile")
        // A Dockerfile symlink is followed only inside the context.
        t.file("docker/Dockerfile.prod", "FROM alpine\n").link("Dockerfile.link", to: "docker/Dockerfile.prod")
        let linked = try BuildContext.prepare(source: t.root, dockerfile: "Dockerfile.link", resolveBase: Resolvers.fixed())
        #expect(linked.baseImages.keys.sorted() == ["alpine"])
        let outside = TestTree("outside").file("Dockerfile", "FROM secret\n")
        defer { outside.remove() }
        t.link("docker/Dockerfile.evil", to: outside.root + "/Dockerfile")
        #expect(throws: BuildContextError.symlinkEscapesContext(path: "docker/Dockerfile.evil", target: outside.root + "/Dockerfile")) {
            try BuildContext.prepare(source: t.root, dockerfile: "docker/Dockerfile.evil", resolveBase: Resolvers.fixed())
        }
        #expect(BuildContextError.missingDockerfile(path: "/x/Dockerfile").description == "build context: Dockerfile not found: /x/Dockerfile")
    }

    @Test func tarIsWrittenInTheSamePass() throws {
        let t = Self.project()
        let out = TestSupport.makeTempDir("la-store")
        defer { t.remove(); TestSupport.shell("rm -rf '\(out)'") }
        let p = try BuildContext.prepare(source: t.root, tarPath: out + "/ctx.tar", resolveBase: Resolvers.fixed())
        #expect(p.tarPath == out + "/ctx.tar")
        #expect(String(TestSupport.shell("sha256sum '\(out)/ctx.tar'").output.prefix(64)) == p.tarSHA256)
        #expect(TestSupport.shell("ls '\(out)'").output == "ctx.tar\n")
    }
}
