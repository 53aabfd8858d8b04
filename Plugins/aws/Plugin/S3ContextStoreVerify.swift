import AWSCore
import LaunchAgentPluginKit
#if canImport(Glibc)
import Glibc
#endif

/// `verify` of context store `s3`: credentials, the bucket (HeadBucket), and that uploads may start.
///
/// The write check starts a multipart upload and aborts it: nothing ever becomes visible and nothing is
/// stored, as verify's contract demands (a PutObject + DeleteObject would need s3:DeleteObject, which an
/// agent that only adds contexts should not have).
extension S3ContextStore {
    func verify(_ call: Call) throws -> VerifyReport {
        let client = try client(call)
        var checks: [VerifyReport.Check] = []
        let bucketName = "bucket \(location.bucket)"
        // Credentials first: without them every other check fails the same way.
        let credentials: AWSCredentials
        do {
            credentials = try client.resolveCredentials()
            checks.append(.passed("AWS credentials", "from \(credentials.source) (access key \(credentials.accessKeyID))"))
        } catch {
            return VerifyReport(checks + [.failed("AWS credentials", error.message,
                                                  fix: "configure credentials in one of the places listed (docs/aws.md, \"Credentials\")")])
        }
        do {
            let (status, bucketRegion) = try client.headBucket(location)
            switch status {
            case 200..<300:
                checks.append(.passed(bucketName, "exists (region \(bucketRegion ?? region), \(client.endpointOverride ?? "AWS"))"))
            case 404:
                return VerifyReport(checks + [.failed(bucketName, "does not exist (HeadBucket answered 404)",
                                                      fix: "create bucket \(location.bucket) or fix build-context-store")])
            case 403:
                // HEAD answers carry no error code; ListObjectsV2 tells a denied permission from bad credentials.
                do {
                    try client.listOne(location)
                    checks.append(.passed(bucketName, "exists (HeadBucket was refused but ListObjectsV2 worked)"))
                } catch {
                    let fix = error.awsCode == "AccessDenied"
                        ? "grant s3:ListBucket on \(location.bucketARN)"
                        : "fix the AWS credentials in \(credentials.source)"
                    return VerifyReport(checks + [.failed(bucketName, "forbidden: \(error.message)", fix: fix)])
                }
            default:
                let fix = bucketRegion.map { "the bucket is in \($0), not \(region): set environment.region to \($0)" }
                    ?? "check the endpoint (\(client.endpointOverride ?? "AWS")) and environment.region"
                return VerifyReport(checks + [.failed(bucketName, "HeadBucket answered \(status)", fix: fix)])
            }
        } catch {
            if call.isCancelled { throw PluginError(.cancelled, "verify was cancelled") }
            return VerifyReport(checks + [.failed(bucketName, error.message,
                                                  fix: "check network access to \(client.endpointOverride ?? "S3") (proxy, SSL_CERT_FILE, AWS_ENDPOINT_URL_S3)")])
        }
        let probeKey = (location.prefix.isEmpty ? "" : location.prefix + "/") + "launch-agent-verify-\(Clock.nowSeconds())-\(getpid()).tar.gz"
        let where_ = location.uri + "/"
        do {
            let id = try client.createMultipartUpload(location, key: probeKey)
            do {
                try client.abortMultipartUpload(location, key: probeKey, uploadID: id)
                checks.append(.passed("upload to \(where_)", "allowed (a test multipart upload was started and aborted; nothing was stored)"))
            } catch {
                checks.append(.failed("upload to \(where_)", "a test multipart upload was started but not aborted: \(error.message)",
                                      fix: "grant s3:AbortMultipartUpload on \(location.objectsARN), and abort upload \(id) of s3://\(location.bucket)/\(probeKey)"))
            }
        } catch {
            if call.isCancelled { throw PluginError(.cancelled, "verify was cancelled") }
            let fix = error.kind == .auth && error.awsCode == "AccessDenied" || error.awsCode == "Forbidden"
                ? "grant s3:PutObject on \(location.objectsARN)" : "fix the AWS credentials or the endpoint"
            checks.append(.failed("upload to \(where_)", error.message, fix: fix))
        }
        return VerifyReport(checks)
    }
}
