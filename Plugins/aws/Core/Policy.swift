/// The least-privilege IAM policies for one agent configuration (`agent policy`).
///
/// Starts from the seed's documents (W&B's "cloud registry permissions" and "Kaniko storage permissions")
/// and narrows them to what this agent does: it never creates repositories or deletes images, so
/// `ecr:CreateRepository` and `ecr:BatchDeleteImage` are left out, and `s3:*Object` becomes the four object
/// actions a content-addressed upload needs, on the configured prefix only. Pure: same input, same output.
public enum AgentPolicy {
    /// What the policy is computed from.
    public struct Inputs: Sendable, Equatable {
        public var region: String
        /// The ECR repository, when the configured registry is ECR.
        public var repository: ECRRepositoryURI?
        /// The S3 context store, when one is configured.
        public var contextStore: S3ContextLocation?
        /// The builder type (`docker`, `kaniko`, …): kaniko pushes and reads the context with its own identity.
        public var builder: String?
        /// The runner type (`local-process`, `kubernetes`, `sagemaker`, …).
        public var runner: String?

        public init(region: String, repository: ECRRepositoryURI? = nil, contextStore: S3ContextLocation? = nil,
                    builder: String? = nil, runner: String? = nil) {
            self.region = region
            self.repository = repository
            self.contextStore = contextStore
            self.builder = builder
            self.runner = runner
        }
    }

    /// One named document with where to attach it.
    public struct Document: Sendable, Equatable {
        public var name: String
        public var policy: AWSJSON
        public var notes: String
    }

    /// Push and pull of one repository: the layer upload calls, `PutImage`, the manifest reads behind a
    /// manifest HEAD and a pull, and `DescribeRepositories` for `agent verify`.
    public static let ecrRepositoryActions = [
        "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:DescribeRepositories",
        "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart",
    ]
    /// A content-addressed context upload: HEAD/GET (GetObject), PUT and multipart (PutObject), abort and
    /// part listing for a failed multipart upload.
    public static let s3ObjectActions = ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"]
    public static let sagemakerActions = ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob"]

    /// The documents for `inputs`: one for the agent, and one for the kaniko build pods when the builder is
    /// kaniko (they push and read the context with their own identity). Empty when nothing needs AWS access.
    public static func documents(_ inputs: Inputs) -> [Document] {
        var documents: [Document] = []
        let agent = agentStatements(inputs)
        if !agent.isEmpty {
            documents.append(Document(name: "launch-agent", policy: policy(agent),
                                      notes: "attach to the IAM role or user the agent runs as"))
        }
        if inputs.builder == "kaniko" {
            var kaniko: [AWSJSON] = []
            if let repo = inputs.repository { kaniko += ecrStatements(repo) }
            if let store = inputs.contextStore {
                kaniko.append(statement("ContextStoreRead", ["s3:GetObject"], .string(store.objectsARN(partition(inputs)))))
            }
            if !kaniko.isEmpty {
                documents.append(Document(name: "launch-agent-kaniko", policy: policy(kaniko),
                                          notes: "attach to the role of the kaniko build pods' service account (IRSA or EKS Pod Identity)"))
            }
        }
        return documents
    }

    static func partition(_ inputs: Inputs) -> String { AWSPartition.of(region: inputs.region) }

    static func agentStatements(_ inputs: Inputs) -> [AWSJSON] {
        var statements: [AWSJSON] = []
        if let repo = inputs.repository { statements += ecrStatements(repo) }
        if let store = inputs.contextStore {
            let p = partition(inputs)
            var list: [(String, AWSJSON)] = [("Sid", "ContextStoreList"), ("Effect", "Allow"),
                                             ("Action", .array(["s3:ListBucket", "s3:ListBucketMultipartUploads"])), ("Resource", .string(store.bucketARN(p)))]
            if !store.prefix.isEmpty {
                // ListBucket lets a HEAD of a missing key answer 404 rather than 403, and is what HeadBucket
                // (verify) needs; ListBucketMultipartUploads finds an upload a crashed agent left, to resume it. Neither request carries s3:prefix, and a plain StringLike on an absent key
                // is false: it would deny both. IfExists lets them through while every listing (which does
                // carry s3:prefix, "" for the root) stays inside the agent's prefix.
                list.append(("Condition", .object([("StringLikeIfExists", .object([("s3:prefix", .array([.string(store.prefix + "/*")]))]))])))
            }
            statements.append(.object(list))
            statements.append(statement("ContextStoreObjects", s3ObjectActions, .string(store.objectsARN(p))))
        }
        if inputs.runner == "sagemaker" {
            let account = inputs.repository?.account ?? "*"
            statements.append(statement("SageMakerTrainingJobs", sagemakerActions,
                                        .string("arn:\(partition(inputs)):sagemaker:\(inputs.region):\(account):training-job/*")))
            statements.append(.object([
                ("Sid", "SageMakerPassRole"), ("Effect", "Allow"), ("Action", .array(["iam:PassRole"])), ("Resource", "*"),
                ("Condition", .object([("StringEquals", .object([("iam:PassedToService", "sagemaker.amazonaws.com")]))])),
            ]))
        }
        return statements
    }

    static func ecrStatements(_ repo: ECRRepositoryURI) -> [AWSJSON] {
        [
            // GetAuthorizationToken has no resource type: it can only be granted on "*".
            statement("ECRLogin", ["ecr:GetAuthorizationToken"], "*"),
            statement("ECRPushPull", ecrRepositoryActions, .string(repo.arn)),
        ]
    }

    static func statement(_ sid: String, _ actions: [String], _ resource: AWSJSON) -> AWSJSON {
        .object([("Sid", .string(sid)), ("Effect", "Allow"), ("Action", .array(actions.map(AWSJSON.string))), ("Resource", resource)])
    }

    static func policy(_ statements: [AWSJSON]) -> AWSJSON {
        .object([("Version", "2012-10-17"), ("Statement", .array(statements))])
    }
}

extension AWSJSON: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

/// `s3://bucket/prefix` as a policy needs it.
public struct S3ContextLocation: Sendable, Equatable {
    public var bucket: String
    /// Without leading or trailing `/`; empty for the whole bucket.
    public var prefix: String

    public init(bucket: String, prefix: String) {
        self.bucket = bucket
        self.prefix = prefix
    }

    /// Parses `s3://bucket[/prefix]`; nil for anything else.
    public init?(uri: String) {
        guard uri.hasPrefix("s3://") else { return nil }
        let rest = uri.dropFirst(5)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let bucket = String(rest[..<slash])
        guard !bucket.isEmpty else { return nil }
        var prefix = slash < rest.endIndex ? rest[rest.index(after: slash)...] : ""
        while prefix.hasPrefix("/") { prefix = prefix.dropFirst() }
        while prefix.hasSuffix("/") { prefix = prefix.dropLast() }
        self.init(bucket: bucket, prefix: String(prefix))
    }

    func bucketARN(_ partition: String) -> String { "arn:\(partition):s3:::\(bucket)" }
    func objectsARN(_ partition: String) -> String {
        "arn:\(partition):s3:::\(bucket)/" + (prefix.isEmpty ? "*" : prefix + "/*")
    }
}
