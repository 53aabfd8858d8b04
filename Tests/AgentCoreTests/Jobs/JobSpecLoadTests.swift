import FoundationEssentials
import Testing
@testable import AgentCore

extension JobSpecTests {
    /// `load(path:)` also checks what the spec names on disk.
    @Suite struct Loading {
        @Test func relativePathResolvesAgainstTheSpecFile() throws {
            let dir = TestSupport.makeTempDir("la-jobspec")
            defer { TestSupport.shell("rm -rf '\(dir)'") }
            TestSupport.shell("mkdir -p '\(dir)/specs' '\(dir)/code/docker' && touch '\(dir)/code/docker/Dockerfile' '\(dir)/code/req.txt'")
            TestSupport.write("path: ../code\ndockerfile: docker/Dockerfile\nresource: kubernetes\n", to: dir + "/specs/job.yaml")
            let spec = try JobSpec.load(path: dir + "/specs/job.yaml")
            #expect(spec.source == .path(dir + "/code"))
            #expect(spec.file == dir + "/specs/job.yaml")
            TestSupport.write(#"{"path": "../code", "entry_point": ["python", "t.py"], "python": {"requirements": "req.txt"}}"#,
                              to: dir + "/specs/job.json")
            #expect(try JobSpec.load(path: dir + "/specs/job.json").python?.requirements == "req.txt")
        }

        @Test func missingThingsAreReportedAtTheirLines() throws {
            let dir = TestSupport.makeTempDir("la-jobspec")
            defer { TestSupport.shell("rm -rf '\(dir)'") }
            TestSupport.shell("mkdir -p '\(dir)/code' && touch '\(dir)/code/notadir'")
            let file = dir + "/job.yaml"
            TestSupport.write("path: code\nentry_point: [x]\noverrides:\n  dockerfile: Dockerfile.gpu\npython:\n  requirements: docker\n", to: file)
            TestSupport.shell("mkdir '\(dir)/code/docker'")
            #expect(loadErrorText(file) == """
                \(file):4:15: error: overrides.dockerfile \(dir)/code/Dockerfile.gpu does not exist
                \(file):5:1: error: 'python' only applies to generated Dockerfiles, but this job has its own dockerfile
                \(file):5:1: note: set the base image and dependencies in the Dockerfile instead
                \(file):6:17: error: python.requirements \(dir)/code/docker is not a file
                """)
            TestSupport.write("path: nowhere\nentry_point: [x]\n", to: file)
            #expect(loadErrorText(file) == "\(file):1:7: error: path \(dir)/nowhere does not exist")
            TestSupport.write("path: code/notadir\nentry_point: [x]\n", to: file)
            #expect(loadErrorText(file) == "\(file):1:7: error: path \(dir)/code/notadir is not a directory")
            #expect(loadErrorText(dir + "/absent.yaml") == "error: job spec not found: \(dir)/absent.yaml")
            #expect(loadErrorText(dir) == "error: job spec is a directory: \(dir)")
        }

        @Test func syntaxErrorsCarryTheirMark() {
            let dir = TestSupport.makeTempDir("la-jobspec")
            defer { TestSupport.shell("rm -rf '\(dir)'") }
            TestSupport.write("{\"path\": \".\",\n \"entry_point\": [\"x\"\n}\n", to: dir + "/job.json")
            #expect(loadErrorText(dir + "/job.json").hasPrefix("\(dir)/job.json:3:1: error: "))
        }

        private func loadErrorText(_ path: String) -> String {
            do {
                _ = try JobSpec.load(path: path)
                return "no error"
            } catch {
                return error.description
            }
        }
    }
}
