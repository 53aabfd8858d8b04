import AWSCore
import Testing

/// `agent policy` documents: exact JSON for the common configurations, and every action a real IAM action.
@Suite struct PolicyTests {
    let repo = ECRRepositoryURI(account: "123456789012", region: "us-east-1", repository: "team/app")
    let store = S3ContextLocation(uri: "s3://launch-contexts/agent/")

    /// The action names from the AWS Service Authorization Reference (Fixtures/ecr/iam-actions.txt).
    static let knownActions: Set<String> = {
        let text = AWSTestSupport.read(AWSTestSupport.fixturesDir + "/ecr/iam-actions.txt") ?? ""
        return Set(text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty })
    }()

    /// Every Action of every statement, and that its service prefix matches the Resource's ARN service.
    func checkActions(_ document: AWSJSON) {
        for statement in document["Statement"]?.arrayValue ?? [] {
            let actions = (statement["Action"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(!actions.isEmpty)
            for action in actions {
                #expect(Self.knownActions.contains(action), "\(action) is not an IAM action in Fixtures/ecr/iam-actions.txt")
                let service = action.split(separator: ":").first.map(String.init) ?? ""
                if let arn = statement["Resource"]?.stringValue, arn != "*" {
                    #expect(arn.split(separator: ":").dropFirst(2).first.map(String.init) == service, "\(action) on \(arn)")
                }
            }
        }
    }

    @Test func ecrAndS3ForTheDockerBuilder() throws {
        let docs = AgentPolicy.documents(.init(region: "us-east-1", repository: repo, contextStore: store, builder: "docker", runner: "local-process"))
        try #require(docs.count == 1)
        #expect(docs[0].name == "launch-agent")
        #expect(docs[0].policy.description == #"""
        {"Version":"2012-10-17","Statement":[\#
        {"Sid":"ECRLogin","Effect":"Allow","Action":["ecr:GetAuthorizationToken"],"Resource":"*"},\#
        {"Sid":"ECRPushPull","Effect":"Allow","Action":["ecr:BatchCheckLayerAvailability","ecr:BatchGetImage","ecr:CompleteLayerUpload",\#
        "ecr:DescribeRepositories","ecr:GetDownloadUrlForLayer","ecr:InitiateLayerUpload","ecr:PutImage","ecr:UploadLayerPart"],\#
        "Resource":"arn:aws:ecr:us-east-1:123456789012:repository/team/app"},\#
        {"Sid":"ContextStoreList","Effect":"Allow","Action":["s3:ListBucket","s3:ListBucketMultipartUploads"],"Resource":"arn:aws:s3:::launch-contexts",\#
        "Condition":{"StringLikeIfExists":{"s3:prefix":["agent/*"]}}},\#
        {"Sid":"ContextStoreObjects","Effect":"Allow","Action":["s3:AbortMultipartUpload","s3:GetObject","s3:ListMultipartUploadParts","s3:PutObject"],\#
        "Resource":"arn:aws:s3:::launch-contexts/agent/*"}]}
        """#)
        checkActions(docs[0].policy)
    }

    @Test func onlyWhatIsConfigured() throws {
        // ECR alone: two statements, no S3.
        let ecrOnly = AgentPolicy.documents(.init(region: "eu-west-1", repository:
            ECRRepositoryURI(account: "210987654321", region: "eu-west-1", repository: "ml")))
        try #require(ecrOnly.count == 1)
        #expect(ecrOnly[0].policy["Statement"]?.arrayValue?.compactMap { $0["Sid"]?.stringValue } == ["ECRLogin", "ECRPushPull"])
        #expect(ecrOnly[0].policy["Statement"]?[1]?["Resource"] == "arn:aws:ecr:eu-west-1:210987654321:repository/ml")

        // A whole bucket: no prefix condition, objects on bucket/*.
        let bucket = AgentPolicy.documents(.init(region: "us-east-1", contextStore: S3ContextLocation(uri: "s3://ctx")))
        try #require(bucket.count == 1)
        #expect(bucket[0].policy.description == #"""
        {"Version":"2012-10-17","Statement":[{"Sid":"ContextStoreList","Effect":"Allow","Action":["s3:ListBucket","s3:ListBucketMultipartUploads"],"Resource":"arn:aws:s3:::ctx"},\#
        {"Sid":"ContextStoreObjects","Effect":"Allow","Action":["s3:AbortMultipartUpload","s3:GetObject","s3:ListMultipartUploadParts","s3:PutObject"],\#
        "Resource":"arn:aws:s3:::ctx/*"}]}
        """#)

        // Nothing on AWS: no document at all.
        #expect(AgentPolicy.documents(.init(region: "us-east-1", builder: "docker")).isEmpty)
    }

    @Test func kanikoGetsItsOwnReadOnlyContextDocument() throws {
        let docs = AgentPolicy.documents(.init(region: "us-east-1", repository: repo, contextStore: store, builder: "kaniko"))
        try #require(docs.count == 2)
        #expect(docs[1].name == "launch-agent-kaniko")
        #expect(docs[1].notes.contains("kaniko build pods"))
        let sids = docs[1].policy["Statement"]?.arrayValue?.compactMap { $0["Sid"]?.stringValue }
        #expect(sids == ["ECRLogin", "ECRPushPull", "ContextStoreRead"])
        #expect(docs[1].policy["Statement"]?[2]?.description
                == #"{"Sid":"ContextStoreRead","Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::launch-contexts/agent/*"}"#)
        for doc in docs { checkActions(doc.policy) }
    }

    @Test func sagemakerRunnerAndPartitions() throws {
        let cn = ECRRepositoryURI(account: "123456789012", region: "cn-north-1", repository: "app", china: true)
        let docs = AgentPolicy.documents(.init(region: "cn-north-1", repository: cn, runner: "sagemaker"))
        let statements = try #require(docs.first?.policy["Statement"]?.arrayValue)
        #expect(statements.compactMap { $0["Sid"]?.stringValue } == ["ECRLogin", "ECRPushPull", "SageMakerTrainingJobs", "SageMakerPassRole"])
        #expect(statements[1]["Resource"] == "arn:aws-cn:ecr:cn-north-1:123456789012:repository/app")
        #expect(statements[2]["Resource"] == "arn:aws-cn:sagemaker:cn-north-1:123456789012:training-job/*")
        #expect(statements[3].description.contains(#""Condition":{"StringEquals":{"iam:PassedToService":"sagemaker.amazonaws.com"}}"#))
        checkActions(docs[0].policy)
    }

    @Test func deterministic() {
        let inputs = AgentPolicy.Inputs(region: "us-east-1", repository: repo, contextStore: store, builder: "kaniko", runner: "sagemaker")
        #expect(AgentPolicy.documents(inputs).map(\.policy.description) == AgentPolicy.documents(inputs).map(\.policy.description))
    }

    /// The checker itself fails on a misspelt action (IAM would silently grant nothing for it).
    @Test func aMisspeltActionIsNotKnown() {
        #expect(!Self.knownActions.contains("ecr:GetAuthorisationToken"))
        #expect(!Self.knownActions.contains("s3:ListObjects"))
        #expect(Self.knownActions.count > 20)
    }

    @Test func s3Locations() {
        #expect(S3ContextLocation(uri: "s3://b/p/q//") == S3ContextLocation(bucket: "b", prefix: "p/q"))
        #expect(S3ContextLocation(uri: "s3://") == nil)
        #expect(S3ContextLocation(uri: "gs://b/p") == nil)
    }
}
