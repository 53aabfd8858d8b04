import AgentCore
import AWSCore
import FoundationEssentials
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Context store `s3` of liblaunch-agent-aws.so against moto_server with signature checking on, through the host's
/// HTTP service (libcurl), in a child process per scenario (``S3Probe``). A fault-injecting proxy
/// (Fixtures/s3/fault_proxy.py) sits in front of moto where a test needs to see or break requests; what S3 holds
/// afterwards is read back with boto3.
@Suite(.serialized) struct S3ContextStoreTests {
    let mib = 1 << 20

    func upload(_ file: (path: String, digest: String, hex: String, size: Int64)) -> (String, JSONValue) {
        ("upload", .object(["path": .string(file.path), "digest": .string(file.digest), "size": .int(file.size)]))
    }

    func exists(_ digest: String) -> (String, JSONValue) { ("exists", .object(["digest": .string(digest)])) }

    @Test func rightSecretWorksWrongSecretIsRefused() throws {
        let moto = try Moto.shared()
        let bucket = try S3Fixtures.newBucket(moto)
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        let good = try S3Probe.run(env: S3Probe.env(moto), store: "s3://\(bucket)/ctx", ops: [exists(digest)])
        #expect(good.results.first?["ok"] == .object(["exists": .bool(false), "uri": .null]), "\(good.results)")

        let bad = try S3Probe.run(env: S3Probe.env(moto, secret: "not-the-secret-key"), store: "s3://\(bucket)/ctx", ops: [exists(digest)])
        let error = try #require(bad.results.first?["error"], "\(bad.results)")
        #expect(error["status"] == .int(-6))
        let message = error["message"]?.stringValue ?? ""
        #expect(message.contains("403 SignatureDoesNotMatch") && message.contains("fix the AWS credentials"), "\(message)")
        #expect(!message.contains("not-the-secret-key"))
    }

    /// 64 MiB in 8 parts of 8 MiB, read back by boto3; then `exists` finds it and a second upload sends nothing.
    @Test func multipartRoundTripsAndASecondUploadIsSkipped() throws {
        let moto = try Moto.shared()
        let bucket = try S3Fixtures.newBucket(moto)
        let proxy = try FaultProxy(upstream: moto.endpoint)
        let file = try S3Fixtures.randomFile(bytes: 64 * mib)
        let run = try S3Probe.run(env: S3Probe.env(moto, endpoint: proxy.url), store: "s3://\(bucket)/team/ctx/", ops: [upload(file)])
        let uri = "s3://\(bucket)/team/ctx/\(file.hex).tar.gz"
        #expect(run.results.first?["ok"]?["uri"] == .string(uri), "\(run.results)")
        #expect(S3Fixtures.sha256(moto, bucket, "team/ctx/\(file.hex).tar.gz") == file.hex)
        #expect(proxy.count { $0.hasPrefix("POST ") && $0.hasSuffix("?uploads=") } == 1, "\(proxy.requests)")
        #expect(proxy.count { $0.hasPrefix("PUT ") && $0.contains("partNumber=") } == 8)
        #expect(proxy.count { $0.hasPrefix("POST ") && $0.contains("uploadId=") } == 1)
        #expect(run.progress.last == 1 && run.progress == run.progress.sorted(), "\(run.progress)")
        #expect(S3Fixtures.uploads(moto, bucket) == "[]")

        let before = proxy.requests.count
        let again = try S3Probe.run(env: S3Probe.env(moto, endpoint: proxy.url), store: "s3://\(bucket)/team/ctx",
                                    ops: [exists(file.digest), upload(file)])
        #expect(again.results.first?["ok"] == .object(["exists": .bool(true), "uri": .string(uri)]), "\(again.results)")
        #expect(again.results.last?["ok"]?["uri"] == .string(uri))
        let later = proxy.requests.dropFirst(before)
        #expect(!later.isEmpty && later.allSatisfy { $0.hasPrefix("HEAD ") }, "\(Array(later))")
    }

    /// Up to 16 MiB: one PutObject (with x-amz-checksum-sha256 from the digest), no multipart.
    @Test func smallFileGoesUpInOnePut() throws {
        let moto = try Moto.shared()
        let bucket = try S3Fixtures.newBucket(moto)
        let proxy = try FaultProxy(upstream: moto.endpoint)
        let file = try S3Fixtures.randomFile(bytes: 3 * mib + 17)
        let run = try S3Probe.run(env: S3Probe.env(moto, endpoint: proxy.url), store: "s3://\(bucket)", ops: [upload(file)])
        #expect(run.results.first?["ok"]?["uri"] == .string("s3://\(bucket)/\(file.hex).tar.gz"), "\(run.results)")
        #expect(S3Fixtures.sha256(moto, bucket, "\(file.hex).tar.gz") == file.hex)
        #expect(proxy.count { $0.hasPrefix("PUT ") } == 1 && proxy.count { $0.hasPrefix("POST ") } == 0, "\(proxy.requests)")
        // moto does not check x-amz-checksum-sha256 but keeps it: it must be the base64 SHA-256 of the bytes.
        let checksum = S3Fixtures.tool(moto, "checksum \(bucket) \(file.hex).tar.gz").output
        #expect(checksum.hasSuffix(" ok\n") && !checksum.hasPrefix("none"), "\(checksum)")
    }

    /// The proxy drops the connection in the middle of part 2's body once: the part is sent again and the
    /// object is complete and right.
    @Test func aDroppedPartIsRetried() throws {
        let moto = try Moto.shared()
        let bucket = try S3Fixtures.newBucket(moto)
        let proxy = try FaultProxy(upstream: moto.endpoint, "--cut-part 2")
        let file = try S3Fixtures.randomFile(bytes: 24 * mib)
        let run = try S3Probe.run(env: S3Probe.env(moto, endpoint: proxy.url), store: "s3://\(bucket)/ctx", ops: [upload(file)])
        #expect(run.results.first?["ok"] != nil, "\(run.results)")
        #expect(proxy.count { $0.hasPrefix("CUT PUT ") && $0.contains("partNumber=2&") } == 1, "\(proxy.requests)")
        #expect(proxy.count { $0.hasPrefix("PUT ") && $0.contains("partNumber=2&") } == 1)
        #expect(S3Fixtures.sha256(moto, bucket, "ctx/\(file.hex).tar.gz") == file.hex)
        #expect(S3Fixtures.uploads(moto, bucket) == "[]")
    }

    /// Part 2 is cut every time: after 4 attempts the upload fails with a retryable I/O error naming the part,
    /// and the multipart upload is aborted (nothing stays, nothing is visible).
    @Test func aPartFailingEveryTimeAbortsTheUpload() throws {
        let moto = try Moto.shared()
        let bucket = try S3Fixtures.newBucket(moto)
        let proxy = try FaultProxy(upstream: moto.endpoint, "--cut-part 2 --cut-times 100")
        let file = try S3Fixtures.randomFile(bytes: 24 * mib)
        let run = try S3Probe.run(env: S3Probe.env(moto, endpoint: proxy.url), store: "s3://\(bucket)/ctx", ops: [upload(file)])
        let error = try #require(run.results.first?["error"], "\(run.results)")
        #expect(error["status"] == .int(-7))
        let message = error["message"]?.stringValue ?? ""
        #expect(message.contains("UploadPart 2 of s3://\(bucket)/ctx/\(file.hex).tar.gz") && message.contains("gave up after 4 attempts")
                && message.contains("the multipart upload was aborted, nothing was stored"), "\(message)")
        #expect(proxy.count { $0.hasPrefix("CUT PUT ") } == 4)
        #expect(proxy.count { $0.hasPrefix("DELETE ") && $0.contains("uploadId=") } == 1)
        #expect(S3Fixtures.uploads(moto, bucket) == "[]")
        #expect(S3Fixtures.sha256(moto, bucket, "ctx/\(file.hex).tar.gz") == "missing")
    }

    @Test func aMissingBucketIsNotFound() throws {
        let moto = try Moto.shared()
        let file = try S3Fixtures.randomFile(bytes: 1024)
        let run = try S3Probe.run(env: S3Probe.env(moto), store: "s3://no-such-bucket-\(getpid())/ctx", ops: [exists(file.digest), upload(file)])
        for result in run.results {
            let error = try #require(result["error"], "\(run.results)")
            #expect(error["status"] == .int(-3))
            #expect(error["message"]?.stringValue?.contains("bucket 'no-such-bucket-\(getpid())' does not exist") == true
                    && error["message"]?.stringValue?.contains("create bucket no-such-bucket-\(getpid()) or fix build-context-store") == true,
                    "\(error)")
        }
    }

    /// An agent crashed after 3 of 5 parts (boto3 plays it): the next upload finds the upload in progress and
    /// sends only parts 4 and 5.
    @Test func anInterruptedUploadIsResumed() throws {
        let moto = try Moto.shared()
        let bucket = try S3Fixtures.newBucket(moto)
        let file = try S3Fixtures.randomFile(bytes: 40 * mib)
        let key = "ctx/\(file.hex).tar.gz"
        let started = S3Fixtures.tool(moto, "start-partial \(bucket) \(key) '\(file.path)' \(8 * mib) 3")
        try #require(started.status == 0, "\(started.output)")
        let proxy = try FaultProxy(upstream: moto.endpoint)
        let run = try S3Probe.run(env: S3Probe.env(moto, endpoint: proxy.url), store: "s3://\(bucket)/ctx", ops: [upload(file)])
        #expect(run.results.first?["ok"] != nil, "\(run.results)")
        let parts = proxy.requests.filter { $0.hasPrefix("PUT ") && $0.contains("partNumber=") }
        #expect(parts.count == 2 && parts.allSatisfy { $0.contains("partNumber=4&") || $0.contains("partNumber=5&") }, "\(proxy.requests)")
        #expect(proxy.count { $0.hasSuffix("?uploads=") && $0.hasPrefix("POST ") } == 0)
        #expect(run.progress.first.map { $0 >= 0.6 } == true, "\(run.progress)")
        #expect(S3Fixtures.sha256(moto, bucket, key) == file.hex)
        #expect(S3Fixtures.uploads(moto, bucket) == "[]")
    }

    /// Cancelled while parts are in flight (the proxy holds parts 2-5 for a second): LA_ERR_CANCELLED, nothing
    /// visible under the key. The abort cannot go out: the host's HTTP service refuses every request of a cancelled
    /// call, so the message says the incomplete upload stays (invisible) — and the next upload of the same digest
    /// resumes it, sending only the parts missing, and leaves no upload behind. (S3CoreTests shows the uploader
    /// aborting when its transport lets the abort through.)
    /// A cancelled upload stops, and still aborts its multipart upload (on the kit's clean-up call, which the
    /// cancellation does not reach), so no parts stay behind; a repeated upload then stores the object.
    @Test func aCancelledUploadStopsAndAbortsItsMultipartUpload() throws {
        let moto = try Moto.shared()
        let bucket = try S3Fixtures.newBucket(moto)
        let proxy = try FaultProxy(upstream: moto.endpoint, "--delay-parts 1")
        let file = try S3Fixtures.randomFile(bytes: 40 * mib)
        let key = "ctx/\(file.hex).tar.gz"
        let run = try S3Probe.run(env: S3Probe.env(moto, endpoint: proxy.url), store: "s3://\(bucket)/ctx", ops: [upload(file)],
                                  cancelAtProgress: 0.01)
        let error = try #require(run.results.first?["error"], "\(run.results)")
        #expect(error["status"] == .int(-4), "\(error)")
        let message = error["message"]?.stringValue ?? ""
        #expect(message.contains("the upload was cancelled during UploadPart") && message.contains("the multipart upload was aborted, nothing was stored"),
                "\(message)")
        #expect(S3Fixtures.sha256(moto, bucket, key) == "missing")
        #expect(proxy.count { $0.hasPrefix("POST ") && $0.contains("uploadId=") } == 0, "never completed")
        #expect(proxy.count { $0.hasPrefix("DELETE ") && $0.contains("uploadId=") } == 1, "\(proxy.requests)")

        // The proxy still holds the cancelled parts for up to a second before it forwards them (their bodies cut
        // short, to an upload that no longer exists): wait until its log is quiet before looking at the bucket.
        var before = proxy.requests.count
        for _ in 0..<20 {
            usleep(2_000_000)
            let now = proxy.requests.count
            if now == before { break }
            before = now
        }
        #expect(S3Fixtures.uploads(moto, bucket) == "[]")
        let again = try S3Probe.run(env: S3Probe.env(moto, endpoint: proxy.url), store: "s3://\(bucket)/ctx", ops: [upload(file)])
        #expect(again.results.first?["ok"]?["uri"] == .string("s3://\(bucket)/\(key)"), "\(again.results)")
        #expect(S3Fixtures.sha256(moto, bucket, key) == file.hex)
        #expect(S3Fixtures.uploads(moto, bucket) == "[]")
    }

    @Test func verifyReportsTheBucketAndTheRightToUpload() throws {
        let moto = try Moto.shared()
        let bucket = try S3Fixtures.newBucket(moto)
        let good = try S3Probe.run(env: S3Probe.env(moto), store: "s3://\(bucket)/ctx", ops: [("verify", .object([:]))])
        let checks = try #require(good.results.first?["ok"]?["checks"]?.arrayValue, "\(good.results)")
        #expect(checks.map { $0["name"]?.stringValue ?? "" } == ["AWS credentials", "bucket \(bucket)", "upload to s3://\(bucket)/ctx/"])
        #expect(checks.allSatisfy { $0["ok"] == .bool(true) }, "\(checks)")
        #expect(S3Fixtures.uploads(moto, bucket) == "[]")

        let missing = try S3Probe.run(env: S3Probe.env(moto), store: "s3://\(bucket)-gone/ctx", ops: [("verify", .object([:]))])
        let last = try #require(missing.results.first?["ok"]?["checks"]?.arrayValue?.last, "\(missing.results)")
        #expect(last["ok"] == .bool(false) && last["fix"] == .string("create bucket \(bucket)-gone or fix build-context-store"), "\(last)")

        let wrong = try S3Probe.run(env: S3Probe.env(moto, secret: "wrong-secret-key"), store: "s3://\(bucket)/ctx", ops: [("verify", .object([:]))])
        let denied = try #require(wrong.results.first?["ok"]?["checks"]?.arrayValue?.last, "\(wrong.results)")
        #expect(denied["ok"] == .bool(false) && denied["detail"]?.stringValue?.contains("SignatureDoesNotMatch") == true, "\(denied)")
    }

    /// moto enforces IAM policies once signature checking is on: users missing one permission each get
    /// LA_ERR_AUTH naming the action and the ARN to grant.
    @Test func deniedPermissionsAreNamed() throws {
        let moto = try Moto.shared()
        let bucket = try S3Fixtures.newBucket(moto)
        func user(_ actions: String) throws -> [String: String] {
            let r = S3Fixtures.tool(moto, "user la-\(bucket)-\(actions.count) \(actions)")
            let keys = try JSONValue(parsing: String(r.output.split(separator: "\n").last ?? ""))
            return ["AWS_ACCESS_KEY_ID": keys["access_key"]?.stringValue ?? "", "AWS_SECRET_ACCESS_KEY": keys["secret_key"]?.stringValue ?? "",
                    "AWS_ENDPOINT_URL_S3": moto.endpoint]
        }
        let file = try S3Fixtures.randomFile(bytes: 1024)
        let store = "s3://\(bucket)/ctx"

        let noGet = try S3Probe.run(env: try user("s3:ListBucket"), store: store, ops: [exists(file.digest)])
        let e1 = try #require(noGet.results.first?["error"], "\(noGet.results)")
        #expect(e1["status"] == .int(-6))
        #expect(e1["message"]?.stringValue?.contains("AccessDenied") == true
                && e1["message"]?.stringValue?.contains("grant s3:GetObject on arn:aws:s3:::\(bucket)/ctx/*") == true, "\(e1)")

        let noPut = try S3Probe.run(env: try user("s3:GetObject,s3:ListBucket"), store: store, ops: [upload(file), ("verify", .object([:]))])
        let e2 = try #require(noPut.results.first?["error"], "\(noPut.results)")
        #expect(e2["status"] == .int(-6))
        #expect(e2["message"]?.stringValue?.hasSuffix("grant s3:PutObject on arn:aws:s3:::\(bucket)/ctx/*") == true, "\(e2)")
        let write = try #require(noPut.results.last?["ok"]?["checks"]?.arrayValue?.last)
        #expect(write["ok"] == .bool(false) && write["fix"] == .string("grant s3:PutObject on arn:aws:s3:::\(bucket)/ctx/*"), "\(write)")

        let noList = try S3Probe.run(env: try user("s3:GetObject,s3:PutObject"), store: store, ops: [("verify", .object([:]))])
        let bucketCheck = try #require(noList.results.first?["ok"]?["checks"]?.arrayValue?.dropFirst().first, "\(noList.results)")
        #expect(bucketCheck["ok"] == .bool(false) && bucketCheck["fix"] == .string("grant s3:ListBucket on arn:aws:s3:::\(bucket)"), "\(bucketCheck)")
    }

    @Test func createPointsAtABadStoreURI() throws {
        let set = PluginLoader(options: .init(directories: [PluginHostTests.buildDir])).loadAll()
        let (lib, component) = try #require(set.component(kind: "context-store", name: "s3"))
        #expect(component.uriPatterns == ["s3://*"])
        #expect {
            _ = try ComponentInstance(library: lib, component: component, config: .object([
                "component": .object(["kind": "context-store", "name": "s3"]), "config": .object([:]),
                "settings": .object(["build_context_store": "s3://Bad_Bucket/x", "environment": .object(["type": "aws", "region": "us-east-1"])]),
            ]))
        } throws: { error in
            guard let e = error as? PluginCallError else { return false }
            return e.status == -10 && e.pointer == "/settings/build_context_store" && e.message.contains("not an S3 bucket name")
        }
    }
}
