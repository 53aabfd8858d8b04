import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ContextTarTests {
    static func sample(_ label: String = "tar") -> TestTree {
        TestTree(label)
            .file("Dockerfile", "FROM python:3.11-slim\nCOPY . /app\n")
            .file("train.py", "print('hi')\n")
            .file("run.sh", "#!/bin/sh\necho run\n", mode: 0o755)
            .file("pkg/__init__.py", "")
            .file("pkg/a-b.txt", "dash")
            .file("pkg.txt", "dot sorts before slash")
            .dir("empty")
            .link("pkg/link", to: "../train.py")
    }

    /// `tar tvf` with runs of spaces collapsed.
    static func listing(_ tar: String) -> [String] {
        TestSupport.shell("TZ=UTC tar tvf '\(tar)'").output.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        }
    }

    @Test func gnuTarListsSortedNormalizedEntries() throws {
        let t = Self.sample()
        defer { t.remove() }
        let tar = t.root + ".tar"
        defer { unlink(tar) }
        let h = try BuildContext.writeTar(directory: t.root, to: tar)
        #expect(Self.listing(tar) == [
            "-rw-r--r-- 0/0 34 1980-01-01 00:00 Dockerfile",
            "drwxr-xr-x 0/0 0 1980-01-01 00:00 empty/",
            "-rw-r--r-- 0/0 22 1980-01-01 00:00 pkg.txt",
            "drwxr-xr-x 0/0 0 1980-01-01 00:00 pkg/",
            "-rw-r--r-- 0/0 0 1980-01-01 00:00 pkg/__init__.py",
            "-rw-r--r-- 0/0 4 1980-01-01 00:00 pkg/a-b.txt",
            "lrwxrwxrwx 0/0 0 1980-01-01 00:00 pkg/link -> ../train.py",
            "-rwxr-xr-x 0/0 19 1980-01-01 00:00 run.sh",
            "-rw-r--r-- 0/0 12 1980-01-01 00:00 train.py",
        ])
        #expect(h.fileCount == 6)
        #expect(h.byteCount == 34 + 4 + 22 + 19 + 12)
        #expect(h.sha256 == String(TestSupport.shell("sha256sum '\(tar)'").output.prefix(64)))
        #expect(UInt64(TestSupport.shell("stat -c %s '\(tar)'").output.filter(\.isNumber)) == h.tarSize)
        #expect(h.tarSize % 512 == 0)
    }

    @Test func hashOnlyEqualsTheWrittenTar() throws {
        let t = Self.sample()
        defer { t.remove() }
        let tar = t.root + ".tar"
        defer { unlink(tar) }
        let written = try BuildContext.writeTar(directory: t.root, to: tar)
        let hashed = try BuildContext.hash(directory: t.root)
        #expect(written == hashed)
        #expect(!TestSupport.shell("ls '\(tar).partial'").output.contains(".partial\n"))
    }

    @Test func extractsToAnIdenticalTree() throws {
        let t = Self.sample()
        t.file("deep/" + String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 150) + ".txt", "long")
        t.link("longlink", to: "deep/" + String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 150) + ".txt")
        t.bytes("binary.bin", (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let out = TestSupport.makeTempDir("la-untar")
        defer { t.remove(); TestSupport.shell("rm -rf '\(out)' '\(out).tar'") }
        _ = try BuildContext.writeTar(directory: t.root, to: out + ".tar")
        let x = TestSupport.shell("tar xf '\(out).tar' -C '\(out)' && diff -r --no-dereference '\(t.root)' '\(out)'")
        #expect(x.status == 0, "\(x.output)")
        let names = Self.listing(out + ".tar").map { String($0.split(separator: " ")[5...].joined(separator: " ")) }
        #expect(names.contains { $0.hasSuffix(String(repeating: "f", count: 150) + ".txt") && $0.count > 255 })
        #expect(names.contains { $0.hasPrefix("longlink -> deep/") })
    }

    @Test func paxHeadersCarryLongPathsAndLinks() throws {
        let long = String(repeating: "n", count: 101)
        let header = TarFormat.header(name: Array(long.utf8), type: .file, mode: 0o644, size: 5)
        #expect(header.count == 3 * 512)              // pax header, its records, the ustar header
        #expect(header[156] == UInt8(ascii: "x"))
        let record = String(decoding: header[512..<1024].prefix { $0 != 0 }, as: UTF8.self)
        #expect(record == "111 path=\(long)\n")
        #expect(record.utf8.count == 111)
        let short = TarFormat.header(name: Array("a".utf8), type: .file, mode: 0o644, size: 5)
        #expect(short.count == 512)
        // The length prefix counts itself, also when it gains a digit: "101 path=" + 91 + "\n".
        let boundary = TarFormat.paxRecord("path", Array(repeating: 0x61, count: 91))
        #expect(boundary.count == 101 && boundary.starts(with: Array("101 ".utf8)))
    }

    @Test func sameSourceSameHashAnywhereAnyMtimeOwnerOrUmaskMode() throws {
        let a = Self.sample("det-a")
        let b = a.copy("det-b")
        defer { a.remove(); b.remove() }
        _ = b.sh("touch -h -d '2011-11-11 11:11' $(find . -mindepth 1) && chmod 600 train.py && chmod 700 run.sh && chmod 700 pkg")
        if getuid() == 0 { _ = b.sh("chown -hR 1234:4321 .") }
        #expect(try BuildContext.hash(directory: a.root).sha256 == BuildContext.hash(directory: b.root + "/").sha256)
    }

    @Test(arguments: [
        "echo changed > train.py",            // content
        "chmod +x train.py",                  // the executable bit
        "mv train.py main.py",                // a name
        "mkdir another",                      // an empty directory
        "ln -sf run.sh pkg/link",             // a symlink target
        "printf '\\n' >> pkg/__init__.py",    // one byte
    ])
    func everyChangeChangesTheHash(change: String) throws {
        let a = Self.sample("chg-a")
        let b = a.copy("chg-b")
        defer { a.remove(); b.remove() }
        _ = b.sh(change)
        #expect(try BuildContext.hash(directory: a.root).sha256 != BuildContext.hash(directory: b.root).sha256)
    }

    @Test func dockerignoreIsAppliedButItselfAndTheDockerfileAreSent() throws {
        let t = Self.sample()
            .file(".dockerignore", "*\n!pkg\n")
            .file("docker/Dockerfile", "FROM scratch\n")
            .file("docker/secret", "s")
        defer { t.remove() }
        let tar = t.root + ".tar"
        defer { unlink(tar) }
        _ = try BuildContext.writeTar(directory: t.root, dockerfile: "docker/Dockerfile", to: tar)
        let names = Self.listing(tar).map { String($0.split(separator: " ")[5]) }
        #expect(names == [".dockerignore", "docker/", "docker/Dockerfile", "pkg/", "pkg/__init__.py", "pkg/a-b.txt", "pkg/link"])
    }

    @Test func specialFilesAreSkippedWithAWarning() throws {
        let t = Self.sample()
        defer { t.remove() }
        _ = t.sh("mkfifo pipe")
        let h = try BuildContext.hash(directory: t.root)
        #expect(h.warnings == ["skipped pipe: not a regular file, directory or symlink"])
        let clean = Self.sample("nofifo")
        defer { clean.remove() }
        #expect(try BuildContext.hash(directory: clean.root).sha256 == h.sha256)
    }

    @Test(arguments: [("out", "../../etc/passwd"), ("abs", "/etc/passwd"), ("pkg/up", "../../x")])
    func symlinksLeavingTheContextAreRejected(name: String, target: String) throws {
        let t = Self.sample()
        defer { t.remove() }
        t.link(name, to: target)
        #expect(throws: BuildContextError.symlinkEscapesContext(path: name, target: target)) {
            try BuildContext.hash(directory: t.root)
        }
        // Excluding it is the way out.
        t.file(".dockerignore", name + "\n")
        _ = try BuildContext.hash(directory: t.root)
    }

    @Test func symlinkedDirectoriesAreNotFollowed() throws {
        let t = Self.sample().link("pkglink", to: "pkg")
        defer { t.remove() }
        let tar = t.root + ".tar"
        defer { unlink(tar) }
        _ = try BuildContext.writeTar(directory: t.root, to: tar)
        #expect(!Self.listing(tar).contains { $0.contains("pkglink/") })
    }

    @Test func unreadableFilesFailNamingThePath() throws {
        #expect(BuildContextError.unreadable(path: "/src/a", errno: EACCES).description
                == "build context: cannot read /src/a: Permission denied")
        guard getuid() != 0 else { return }  // root reads everything
        let t = Self.sample()
        defer { _ = t.sh("chmod 644 train.py"); t.remove() }
        _ = t.sh("chmod 000 train.py")
        #expect(throws: BuildContextError.unreadable(path: t.root + "/train.py", errno: EACCES)) {
            try BuildContext.hash(directory: t.root)
        }
    }

    @Test func missingSourceIsNamed() {
        #expect(throws: BuildContextError.sourceNotADirectory(path: "/nonexistent/ctx")) {
            try BuildContext.hash(directory: "/nonexistent/ctx")
        }
    }
}
