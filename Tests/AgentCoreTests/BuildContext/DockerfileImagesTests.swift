import Testing
@testable import AgentCore

@Suite struct DockerfileImagesTests {
    func images(_ text: String, args: [String: String] = [:]) throws -> [String] {
        try DockerfileImages(text: text, buildArgs: args).images
    }

    @Test func singleStageWithPlatformAndComments() throws {
        #expect(try images("# a comment\nfrom --platform=$BUILDPLATFORM python:3.11-slim\nRUN echo hi\n") == ["python:3.11-slim"])
    }

    @Test func multiStageSkipsEarlierStagesAndScratch() throws {
        let text = """
            FROM golang:1.22 AS Build
            RUN go build -o /out/app .
            FROM build AS test
            FROM scratch
            COPY --from=build /out/app /app
            FROM alpine:3.20
            COPY --from=BUILD /out/app /app
            COPY --from=0 /out/app /app2
            COPY --from=nginx:1.27 /etc/nginx/nginx.conf /etc/
            RUN --mount=type=cache,target=/root/.cache --mount=type=bind,from=ghcr.io/astral-sh/uv:0.4,source=/uv,target=/bin/uv uv --version
            """
        let parsed = try DockerfileImages(text: text)
        #expect(parsed.images == ["golang:1.22", "alpine:3.20", "nginx:1.27", "ghcr.io/astral-sh/uv:0.4"])
        #expect(parsed.stages == ["build", "test", "", ""])
    }

    @Test func aLaterStageNameIsAnImageBeforeItIsDeclared() throws {
        #expect(try images("FROM base\nFROM debian AS base\n") == ["base", "debian"])
    }

    @Test func globalArgsExpandWithBuildArgsOverridingDefaults() throws {
        let text = """
            ARG PY=3.11
            ARG VARIANT="slim"
            ARG REGISTRY
            FROM ${REGISTRY:-docker.io}/library/python:${PY}-$VARIANT AS base
            ARG PY=3.9
            FROM base
            """
        #expect(try images(text) == ["docker.io/library/python:3.11-slim"])
        #expect(try images(text, args: ["PY": "3.12", "REGISTRY": "mirror.local:5000"]) == ["mirror.local:5000/library/python:3.12-slim"])
        // A build arg that no ARG declares is not visible to FROM.
        #expect(try images("FROM img:${TAG:-latest}", args: ["TAG": "x"]) == ["img:latest"])
    }

    @Test func continuationsCommentsInsideThemAndTheEscapeDirective() throws {
        let backslash = "FROM \\\n  # inside\n\n  --platform=linux/arm64 \\\n  ubuntu:24.04 \\\n  AS u\n"
        #expect(try images(backslash) == ["ubuntu:24.04"])
        let backtick = "# escape=`\nFROM `\n  mcr.microsoft.com/windows/nanoserver:ltsc2022\nRUN dir c:\\\n"
        #expect(try images(backtick) == ["mcr.microsoft.com/windows/nanoserver:ltsc2022"])
    }

    @Test func syntaxDirectiveIsAnImageOnlyAtTheTop() throws {
        #expect(try images("# syntax=docker/dockerfile:1.7\nFROM alpine\n") == ["docker/dockerfile:1.7", "alpine"])
        #expect(try images("FROM alpine\n# syntax=docker/dockerfile:1.7\n") == ["alpine"])
        #expect(try images("# hello\n# syntax=docker/dockerfile:1.7\nFROM alpine\n") == ["alpine"])
    }

    @Test func pinnedAndDuplicateReferences() throws {
        let pinned = "python@sha256:" + String(repeating: "b", count: 64)
        #expect(try images("FROM \(pinned)\nFROM \(pinned) AS again\nFROM python:3.11\nFROM python:3.11\n") == [pinned, "python:3.11"])
    }

    @Test func variableExpansionForms() throws {
        let vars = ["SET": "v", "EMPTY": ""]
        func x(_ s: String) throws -> String { try VariableExpansion.expand(s, vars) }
        #expect(try x("$SET ${SET} ${UNSET}") == "v v ")
        #expect(try x("${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${SET:-d}") == "d  d v")
        #expect(try x("${SET:+alt} ${EMPTY:+alt} ${EMPTY+alt} ${UNSET+alt}") == "alt  alt ")
        #expect(try x("\\$SET $ ${UNSET:-${SET}x}") == "$SET $ vx")
        #expect(throws: VariableExpansion.Failure.self) { try x("${UNSET:?needed}") }
        #expect(throws: VariableExpansion.Failure.self) { try x("${SET") }
    }

    @Test func remoteAddWithoutChecksumIsReported() throws {
        let parsed = try DockerfileImages(text: "FROM alpine\nADD https://example.com/a.tgz /a\nADD --checksum=sha256:abc https://example.com/b /b\nADD local /l\n")
        #expect(parsed.warnings == ["line 2: ADD https://example.com/a.tgz fetches content at build time that is not part of the tag"])
    }

    @Test func malformedFromIsAnErrorWithItsLine() {
        #expect(throws: BuildContextError.invalidDockerfile(path: "Dockerfile", line: 3, reason: "FROM needs an image")) {
            try images("\n# c\nFROM --platform=linux/amd64\n")
        }
        #expect(throws: BuildContextError.invalidDockerfile(path: "Dockerfile", line: 2, reason: "FROM ${NOPE} expands to an empty image name")) {
            try images("ARG NOPE\nFROM ${NOPE}\n")
        }
        #expect(throws: BuildContextError.self) { try images("FROM a b c d\n") }
    }
}
