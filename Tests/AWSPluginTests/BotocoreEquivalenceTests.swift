import AWSCore
import FoundationEssentials
import Testing

/// Our signer against botocore's on a few hundred generated requests (Fixtures/botocore_sign.py): odd and
/// dot-segment paths, repeated and unsorted query keys, unicode, reserved characters, empty bodies, session
/// tokens, S3 unsigned payloads, presigned URLs for S3 and other services.
@Suite struct BotocoreEquivalenceTests {
    struct Case: Decodable {
        var index: Int
        var method, url, body, secret, service, region, date: String
        var headers: [[String]]
        var token: String?
        var s3, presign, unsigned: Bool
        var authorization: String?
        var presigned_url: String?
        var payload_hash: String?
    }

    /// botocore decides S3's payload itself (UNSIGNED-PAYLOAD over https); take its decision.
    func payload(_ c: Case) -> PayloadSigning {
        switch c.payload_hash {
        case nil: return .sha256
        case "UNSIGNED-PAYLOAD": return .unsigned
        case let hash?: return hash == SHA256Digest.hex(c.body) ? .sha256 : .precomputed(hash)
        }
    }

    @Test func signaturesEqualBotocores() throws {
        let run = AWSTestSupport.shell("python3 '\(AWSTestSupport.fixturesDir)/botocore_sign.py' 400 7")
        try #require(run.status == 0, "botocore_sign.py failed (boto3 installed? scripts/test.sh installs it): \(run.output)")
        let lines = run.output.split(separator: "\n")
        try #require(lines.count == 400)
        var presigned = 0, tokens = 0, s3 = 0
        for line in lines {
            let c = try JSONDecoder().decode(Case.self, from: Data(line.utf8))
            let url = try #require(AWSURL(c.url), "case \(c.index): cannot parse \(c.url)")
            let request = AWSRequest(method: c.method, url: url, headers: c.headers.map { ($0[0], $0[1]) }, body: Array(c.body.utf8))
            let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: c.secret, sessionToken: c.token)
            let signer = SigV4Signer(service: c.service, region: c.region, s3Rules: c.s3)
            let date = try #require(AWSDate(amzDate: c.date))
            if c.token != nil { tokens += 1 }
            if c.s3 { s3 += 1 }
            if c.presign {
                presigned += 1
                let ours = signer.presign(request, credentials: credentials, date: date, expires: 900)
                #expect(ours.string == c.presigned_url, "case \(c.index): \(c.url)")
            } else {
                var signed = request
                signer.sign(&signed, credentials: credentials, date: date, payload: payload(c))
                #expect(signed.header("Authorization") == c.authorization, "case \(c.index): \(c.method) \(c.url) headers \(c.headers)")
            }
        }
        #expect(presigned > 20 && tokens > 100 && s3 > 50)
    }
}
