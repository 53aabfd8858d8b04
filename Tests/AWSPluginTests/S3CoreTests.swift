import AgentCore
import AWSCore
import Synchronization
import Testing

/// AWSCore's S3 pieces: store URIs, keys, URLs, error mapping; and the uploader's own cancellation against moto.
@Suite struct S3CoreTests {
    @Test func storeURIsAndKeys() throws {
        let hex = String(repeating: "0f", count: 32)
        let a = try S3Location(uri: "s3://launch-contexts/agent/")
        #expect(a == S3Location(bucket: "launch-contexts", prefix: "agent"))
        #expect(try a.key(forDigest: "sha256:" + hex) == "agent/\(hex).tar.gz")
        #expect(a.uri(forKey: "agent/x") == "s3://launch-contexts/agent/x")
        #expect(a.objectsARN == "arn:aws:s3:::launch-contexts/agent/*")
        let root = try S3Location(uri: "s3://my.bucket")
        #expect(root.prefix == "")
        #expect(try root.key(forDigest: "sha256:" + hex) == "\(hex).tar.gz")
        for bad in ["s3://", "gs://bucket", "s3://ab", "s3://Upper", "s3://a..b/x", "s3://-bucket", "s3://bucket/a//b"] {
            #expect(throws: S3Error.self, "\(bad)") { _ = try S3Location(uri: bad) }
        }
        #expect(throws: S3Error.self) { _ = try a.key(forDigest: "sha256:" + hex.uppercased()) }
        #expect(throws: S3Error.self) { _ = try a.key(forDigest: "sha512:" + hex) }
    }

    @Test func urlsAreVirtualHostedOnAWSAndPathStyleOnACustomEndpoint() throws {
        let transport = CurlTransport()
        let creds: @Sendable () throws(AWSError) -> AWSCredentials = { AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s") }
        let aws = S3Client(environment: AWSEnvironment([:]), region: "eu-west-1", transport: transport, credentials: creds)
        #expect(try aws.url(bucket: "b-1", key: "p/k.tar.gz").string == "https://b-1.s3.eu-west-1.amazonaws.com/p/k.tar.gz")
        #expect(try aws.url(bucket: "b.1", key: "k").string == "https://s3.eu-west-1.amazonaws.com/b.1/k")
        #expect(try aws.url(bucket: "b-1", key: nil, query: [.init("uploads", "")]).string == "https://b-1.s3.eu-west-1.amazonaws.com/?uploads=")
        let cn = S3Client(environment: AWSEnvironment([:]), region: "cn-north-1", transport: transport, credentials: creds)
        #expect(try cn.url(bucket: "b-1", key: "k").host == "b-1.s3.cn-north-1.amazonaws.com.cn")
        let local = S3Client(environment: AWSEnvironment(["AWS_ENDPOINT_URL": "http://x:1", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000/"]),
                             region: "us-east-1", transport: transport, credentials: creds)
        #expect(try local.url(bucket: "b-1", key: "p/k").string == "http://127.0.0.1:9000/b-1/p/k")
        #expect(try local.url(bucket: "b-1", key: nil).string == "http://127.0.0.1:9000/b-1")
    }

    @Test func errorBodiesBecomeKindsAndAdvice() throws {
        let client = S3Client(environment: AWSEnvironment([:]), region: "us-east-1", transport: CurlTransport()) { () throws(AWSError) in
            AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s")
        }
        let loc = try S3Location(uri: "s3://bkt/ctx")
        let op = S3Client.Operation("PutObject", loc, key: "ctx/k.tar.gz", permission: "s3:PutObject")
        func body(_ code: String) -> [UInt8] { Array("<?xml version=\"1.0\"?><Error><Code>\(code)</Code><Message>m &amp; n</Message></Error>".utf8) }
        let denied = client.failure(AWSResponse(status: 403, body: body("AccessDenied")), op)
        #expect(denied.kind == .auth && denied.message.hasSuffix("grant s3:PutObject on arn:aws:s3:::bkt/ctx/*") && denied.message.contains(": m & n"))
        let slow = client.failure(AWSResponse(status: 503, body: body("SlowDown")), op)
        #expect(slow.kind == .io && slow.retryable)
        let missing = client.failure(AWSResponse(status: 404, body: body("NoSuchBucket")), op)
        #expect(missing.kind == .notFound && missing.message.contains("create bucket bkt or fix build-context-store"))
        let moved = client.failure(AWSResponse(status: 301, headers: [("x-amz-bucket-region", "eu-west-1")]), op)
        #expect(moved.kind == .config && moved.message.contains("set environment.region (or AWS_REGION) to eu-west-1"))
        let head = client.failure(AWSResponse(status: 500), op)
        #expect(head.retryable && head.awsCode == "InternalError")
    }

    @Test func partSizeGrowsToStayWithin10000Parts() {
        let o = S3Uploader.Options()
        #expect(o.partSize(forFileSize: 64 << 20) == 8 << 20)
        #expect(o.partSize(forFileSize: 100_000 << 20) == 10 << 20)
        let huge: Int64 = 5 << 40
        #expect((huge + o.partSize(forFileSize: huge) - 1) / o.partSize(forFileSize: huge) <= 10_000)
    }

    /// The uploader's own cancellation (AWSCore over libcurl directly, so the abort request is not itself
    /// cancelled): parts stop, the multipart upload is aborted, nothing is stored.
    @Test func cancellationAbortsTheMultipartUpload() throws {
        let moto = try Moto.shared()
        let bucket = try S3Fixtures.newBucket(moto)
        let file = try S3Fixtures.randomFile(bytes: 40 << 20)
        let cancelled = Atomic<Bool>(false)
        let key = moto.access_key, secret = moto.secret_key
        let client = S3Client(environment: AWSEnvironment(["AWS_ENDPOINT_URL_S3": moto.endpoint]), region: "us-east-1",
                              transport: CurlTransport()) { () throws(AWSError) in AWSCredentials(accessKeyID: key, secretAccessKey: secret) }
        var options = S3Uploader.Options()
        options.workers = 1
        let uploader = S3Uploader(client: client, options: options, isCancelled: { cancelled.load(ordering: .acquiring) },
                                  progress: { fraction, _ in if fraction > 0 { cancelled.store(true, ordering: .releasing) } })
        #expect {
            _ = try uploader.upload(path: file.path, size: file.size, digest: file.digest, to: S3Location(bucket: bucket, prefix: "ctx"))
        } throws: { error in
            guard let e = error as? S3Error else { return false }
            return e.kind == .cancelled && e.message.contains("the multipart upload was aborted, nothing was stored")
        }
        #expect(S3Fixtures.uploads(moto, bucket) == "[]")
        #expect(S3Fixtures.sha256(moto, bucket, "ctx/\(file.hex).tar.gz") == "missing")
    }
}
