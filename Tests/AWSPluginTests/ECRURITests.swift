import AWSCore
import Testing

/// Destinations the ECR registry accepts and the exact reason for the ones it refuses.
@Suite struct ECRURITests {
    func parse(_ s: String) -> ECRRepositoryURI? { try? ECRRepositoryURI.parse(s).get() }
    func problem(_ s: String) -> ECRRepositoryURI.ParseError? {
        if case .failure(let e) = ECRRepositoryURI.parse(s) { return e }
        return nil
    }

    @Test func acceptedForms() throws {
        let plain = try #require(parse("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app"))
        #expect(plain == ECRRepositoryURI(account: "123456789012", region: "us-east-1", repository: "team/app"))
        #expect(plain.server == "123456789012.dkr.ecr.us-east-1.amazonaws.com")
        #expect(plain.uri == "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app")
        #expect(plain.arn == "arn:aws:ecr:us-east-1:123456789012:repository/team/app")

        #expect(parse("https://123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app/") == plain)
        #expect(parse("HTTPS://123456789012.DKR.ECR.US-EAST-1.AMAZONAWS.COM/team/app") == plain)

        let fips = try #require(parse("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app"))
        #expect(fips.fips && fips.server == "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com")
        #expect(fips.arn == "arn:aws-us-gov:ecr:us-gov-west-1:123456789012:repository/app")

        let china = try #require(parse("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/ml/train-v2"))
        #expect(china.china && china.server.hasSuffix(".amazonaws.com.cn"))
        #expect(china.arn == "arn:aws-cn:ecr:cn-north-1:123456789012:repository/ml/train-v2")

        #expect(parse("123456789012.dkr.ecr.eu-central-1.amazonaws.com/a.b_c-d/e")?.repository == "a.b_c-d/e")
    }

    @Test func aTagOrDigestIsRefusedBecauseTheAgentTags() throws {
        let tag = try #require(problem("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:v1"))
        #expect(tag.reason == .tag)
        #expect(tag.message == "'123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:v1' carries a tag: the agent tags images itself: remove ':v1'")
        let digest = try #require(problem("123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:abcd"))
        #expect(digest.reason == .digest)
        #expect(digest.message.hasSuffix("remove '@sha256:abcd'"))
    }

    @Test func malformedDestinationsSayWhatIsWrong() {
        let cases: [(String, ECRRepositoryURI.ParseError.Reason, String)] = [
            ("123456789012.dkr.ecr.us-east-1.amazonaws.com", .malformed, "names no repository: add one, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app"),
            ("123456789012.dkr.ecr.us-east-1.amazonaws.com/", .malformed, "names no repository"),
            ("12345.dkr.ecr.us-east-1.amazonaws.com/app", .malformed, "the account id '12345' in '12345.dkr.ecr.us-east-1.amazonaws.com' must be 12 digits"),
            ("my-account.dkr.ecr.us-east-1.amazonaws.com/app", .malformed, "the account id 'my-account'"),
            ("123456789012.dkr.ecr.useast.amazonaws.com/app", .malformed, "'useast' in '123456789012.dkr.ecr.useast.amazonaws.com' is not an AWS region name"),
            ("123456789012.dkr.ecr.us-east-1.amazonaws.com:443/app", .malformed, "has a port"),
            ("123456789012.ecr.us-east-1.amazonaws.com/app", .notECR, "'123456789012.ecr.us-east-1.amazonaws.com' is not an ECR registry host"),
            ("docker.io/library/app", .notECR, "'docker.io' is not an ECR registry host"),
            ("123456789012.dkr.ecr.us-east-1.example.com/app", .notECR, "is not an ECR registry host"),
            ("123456789012.dkr.ecr.us.east.1.amazonaws.com/app", .malformed, "is not an ECR registry host"),
            ("http://123456789012.dkr.ecr.us-east-1.amazonaws.com/app", .malformed, "ECR is served over https only"),
            ("123456789012.dkr.ecr.us-east-1.amazonaws.com/Team/App", .malformed, "must be lower-case: use 'team/app'"),
            ("123456789012.dkr.ecr.us-east-1.amazonaws.com/team//app", .malformed, "has an empty path component"),
            ("123456789012.dkr.ecr.us-east-1.amazonaws.com/-app", .malformed, "starts or ends with"),
            ("123456789012.dkr.ecr.us-east-1.amazonaws.com/a..b", .malformed, "two separators in a row"),
            ("123456789012.dkr.ecr.us-east-1.amazonaws.com/a", .malformed, "must be 2 to 256 characters long"),
            ("123456789012.dkr.ecr.cn-north-1.amazonaws.com/app", .malformed, "is served at 123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"),
            ("", .malformed, "the destination is empty"),
        ]
        for (input, reason, text) in cases {
            let p = problem(input)
            #expect(p?.reason == reason, "\(input)")
            #expect(p?.message.contains(text) == true, "\(input): \(p?.message ?? "accepted")")
        }
    }
}
