/// The individual S3 operations of a context store (REST API names: HeadObject, PutObject, the multipart
/// calls, HeadBucket).
extension S3Client {
    /// Whether `key` is stored. HeadObject first; a 404 or 403 (HEAD answers carry no error code) is explained
    /// by a one-byte ranged GET, whose XML body says NoSuchKey, NoSuchBucket, AccessDenied or
    /// SignatureDoesNotMatch.
    public func objectExists(_ location: S3Location, key: String) throws(S3Error) -> Bool {
        let head = Operation("HeadObject", location, key: key, permission: "s3:GetObject")
        let response = try send(head, method: "HEAD", timeoutMilliseconds: 30_000)
        if (200..<300).contains(response.status) { return true }
        guard response.status == 404 || response.status == 403 else { throw failure(response, head) }
        let get = Operation("GetObject", location, key: key, permission: "s3:GetObject")
        let probe = try send(get, method: "GET", headers: [("Range", "bytes=0-0")], timeoutMilliseconds: 30_000)
        switch probe.status {
        case 200..<300, 416: return true   // 416: an empty object exists
        default:
            let code = S3XML.first("Code", in: probe.text[...])
            if code == "NoSuchKey" { return false }
            if code == nil && probe.status == 404 { return false }
            throw failure(probe, head)
        }
    }

    /// HeadBucket: the status (200, 301, 403, 404) and the bucket's region header.
    public func headBucket(_ location: S3Location) throws(S3Error) -> (status: Int, region: String?) {
        let op = Operation("HeadBucket", location, key: nil, permission: "s3:ListBucket")
        let response = try send(op, method: "HEAD", timeoutMilliseconds: 30_000)
        return (response.status, response.header("x-amz-bucket-region"))
    }

    /// ListObjectsV2 for one key under the prefix's first segment (no `/` in the query: see
    /// ``multipartUploads(_:key:)``): S3's error code where HeadBucket answered without one.
    public func listOne(_ location: S3Location) throws(S3Error) {
        let op = Operation("ListObjectsV2", location, key: nil, permission: "s3:ListBucket")
        let prefix = location.prefix.split(separator: "/").first.map(String.init) ?? ""
        _ = try call(op, method: "GET", query: [.init("list-type", "2"), .init("max-keys", "1"), .init("prefix", prefix)],
                     timeoutMilliseconds: 30_000)
    }

    /// PutObject from a file slice. `sha256` (the digest's 32 bytes) goes out as `x-amz-checksum-sha256`, so S3
    /// checks every byte it stores against the digest at no hashing cost here.
    public func putObject(_ location: S3Location, key: String, file: S3FileSlice, sha256: [UInt8]?) throws(S3Error) {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/gzip")]
        // The algorithm header is PutObject's ChecksumAlgorithm parameter, as the SDKs send it with the value.
        if let sha256 { headers += [("x-amz-sdk-checksum-algorithm", "SHA256"), ("x-amz-checksum-sha256", Base64.encode(sha256))] }
        _ = try call(Operation("PutObject", location, key: key, permission: "s3:PutObject"), method: "PUT", headers: headers,
                     file: file, timeoutMilliseconds: Self.timeout(forBytes: file.length))
    }

    /// CreateMultipartUpload; returns the upload ID.
    public func createMultipartUpload(_ location: S3Location, key: String) throws(S3Error) -> String {
        let op = Operation("CreateMultipartUpload", location, key: key, permission: "s3:PutObject")
        let response = try call(op, method: "POST", query: [.init("uploads", "")], headers: [("Content-Type", "application/gzip")])
        guard let id = S3XML.first("UploadId", in: response.text[...]), !id.isEmpty else {
            throw S3Error(.io, "S3 answered CreateMultipartUpload of s3://\(location.bucket)/\(key) without an UploadId", status: response.status)
        }
        return id
    }

    /// UploadPart `number` from a file slice; returns the part's ETag.
    public func uploadPart(_ location: S3Location, key: String, uploadID: String, number: Int, file: S3FileSlice) throws(S3Error) -> String {
        let op = Operation("UploadPart \(number)", location, key: key, permission: "s3:PutObject")
        let response = try call(op, method: "PUT", query: [.init("partNumber", String(number)), .init("uploadId", uploadID)],
                                file: file, timeoutMilliseconds: Self.timeout(forBytes: file.length))
        guard let etag = response.header("etag"), !etag.isEmpty else {
            throw S3Error(.io, "S3 answered UploadPart \(number) of s3://\(location.bucket)/\(key) without an ETag", status: response.status, retryable: true)
        }
        return etag
    }

    /// CompleteMultipartUpload with the parts in order: only now does the object appear under `key`.
    public func completeMultipartUpload(_ location: S3Location, key: String, uploadID: String, parts: [(number: Int, etag: String)]) throws(S3Error) {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts.sorted(by: { $0.number < $1.number }) {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(S3XML.escape(part.etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let op = Operation("CompleteMultipartUpload", location, key: key, permission: "s3:PutObject")
        _ = try call(op, method: "POST", query: [.init("uploadId", uploadID)], headers: [("Content-Type", "application/xml")],
                     body: Array(xml.utf8), timeoutMilliseconds: 300_000)
    }

    /// AbortMultipartUpload: drops the parts. 404 NoSuchUpload counts as done.
    public func abortMultipartUpload(_ location: S3Location, key: String, uploadID: String) throws(S3Error) {
        let op = Operation("AbortMultipartUpload", location, key: key, permission: "s3:AbortMultipartUpload")
        let response = try send(op, method: "DELETE", query: [.init("uploadId", uploadID)], timeoutMilliseconds: 30_000)
        if (200..<300).contains(response.status) || response.status == 404 { return }
        throw failure(response, op)
    }

    /// The IDs of the multipart uploads in progress for exactly `key`, newest first (ListMultipartUploads).
    ///
    /// The listing's `prefix` is the key up to its first `/` and the answer is filtered here: moto's signature
    /// check decodes `%2F` in query values before hashing (boto3 fails there too), so a value with `/` cannot
    /// be signed for it. Only the first page (1,000 uploads) is read; an upload beyond it is not resumed.
    public func multipartUploads(_ location: S3Location, key: String) throws(S3Error) -> [String] {
        let op = Operation("ListMultipartUploads", location, key: nil, permission: "s3:ListBucketMultipartUploads")
        let prefix = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? key
        let response = try call(op, method: "GET", query: [.init("uploads", ""), .init("prefix", prefix)], timeoutMilliseconds: 30_000)
        let uploads = S3XML.blocks("Upload", in: response.text[...]).compactMap { block -> (id: String, initiated: String)? in
            guard S3XML.first("Key", in: block) == key, let id = S3XML.first("UploadId", in: block) else { return nil }
            return (id, S3XML.first("Initiated", in: block) ?? "")
        }
        // ISO 8601 timestamps of one format sort as text.
        return uploads.sorted { $0.initiated > $1.initiated }.map(\.id)
    }

    /// The parts already stored for an upload (ListParts, following `NextPartNumberMarker`).
    public func listParts(_ location: S3Location, key: String, uploadID: String) throws(S3Error) -> [(number: Int, size: Int64, etag: String)] {
        let op = Operation("ListParts", location, key: key, permission: "s3:ListMultipartUploadParts")
        var parts: [(number: Int, size: Int64, etag: String)] = []
        var marker = "0"
        for _ in 0..<20 {
            let response = try call(op, method: "GET", query: [.init("part-number-marker", marker), .init("uploadId", uploadID)],
                                    timeoutMilliseconds: 30_000)
            let text = response.text[...]
            for block in S3XML.blocks("Part", in: text) {
                guard let n = S3XML.first("PartNumber", in: block).flatMap({ Int($0) }),
                      let size = S3XML.first("Size", in: block).flatMap({ Int64($0) }),
                      let etag = S3XML.first("ETag", in: block) else { continue }
                parts.append((n, size, etag))
            }
            guard S3XML.first("IsTruncated", in: text) == "true", let next = S3XML.first("NextPartNumberMarker", in: text), next != marker else { break }
            marker = next
        }
        return parts
    }

    /// A transfer deadline for `bytes`: a minute plus one second per MiB (at worst 1 MiB/s).
    static func timeout(forBytes bytes: Int64) -> Int { 60_000 + Int(bytes / 1_048_576) * 1_000 }
}
