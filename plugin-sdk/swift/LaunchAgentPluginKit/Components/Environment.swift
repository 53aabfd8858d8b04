/// An environment component: the cloud identity the agent runs as, the least-privilege policy it needs, and
/// the settings remote builders and runners need to act as it.
///
/// Contract — what an implementation must guarantee:
/// - **Threading.** One call at a time per instance (on any thread) unless registered `concurrent: true`.
/// - **`verify`** finds out who the agent is (e.g. STS `GetCallerIdentity`) and whether the configured
///   region/project exist; it reports findings as checks ("identity: arn:aws:iam::…:role/agent"). Read-only.
/// - **`policy`** is pure: from the create settings (destination, context store) and the components named in
///   the request it returns the policy documents an operator should attach. It makes no network call and
///   returns the same documents for the same input.
/// - **`hints`** is pure and cheap: the environment variables and labels that a component running *elsewhere*
///   (a kaniko pod, a Kubernetes job) needs to get this identity, e.g. `AWS_REGION`, or the pod label
///   `azure.workload.identity/use: "true"`. Never return a secret here: hints end up in manifests.
/// - **Errors.** `.auth` when there are no usable credentials (verify reports this as a failed check
///   instead, when it can), `.io` for network failures, `.invalidArgument` for a request it cannot read.
public protocol Environment {
    /// Checks identity and region. The default throws ``PluginError/Code/unsupported``.
    func verify(_ call: Call) throws -> VerifyReport
    /// Least-privilege policy documents. The default throws ``PluginError/Code/unsupported``.
    func policy(_ request: PolicyRequest, _ call: Call) throws -> PolicyResult
    /// Env vars and labels for remote workloads. The default throws ``PluginError/Code/unsupported``.
    func hints(_ request: HintsRequest, _ call: Call) throws -> Hints
}

extension Environment {
    public func verify(_ call: Call) throws -> VerifyReport {
        throw PluginError(.unsupported, "this environment offers no verify")
    }

    public func policy(_ request: PolicyRequest, _ call: Call) throws -> PolicyResult {
        throw PluginError(.unsupported, "this environment offers no policy documents")
    }

    public func hints(_ request: HintsRequest, _ call: Call) throws -> Hints {
        throw PluginError(.unsupported, "this environment offers no hints")
    }
}

/// A component named in a request: a (kind, name) pair such as ("registry", "ecr").
public struct ComponentReference: Sendable, Equatable, Hashable {
    /// The kind string ("builder", "registry", …); kept as a string so newer kinds pass through.
    public var kind: String
    /// The component name, as users write it in YAML.
    public var name: String

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }

    init(reading reader: inout ConfigReader) throws {
        self.init(kind: try reader.required("kind"), name: try reader.required("name"))
    }

    var json: JSONValue { ["kind": .string(kind), "name": .string(name)] }
}

/// `environment.policy` request: the components the agent is configured with.
public struct PolicyRequest: Sendable, Equatable {
    /// Every component of the agent's config (builder, registry, context store, runner, queue).
    public var components: [ComponentReference]
    /// The whole request as received.
    public var raw: JSONValue

    public init(components: [ComponentReference], raw: JSONValue = [:]) {
        self.components = components
        self.raw = raw
    }

    init(reading request: inout ConfigReader, raw: JSONValue) throws {
        var components: [ComponentReference] = []
        for (index, item) in (try request.optional("components", as: [JSONValue].self) ?? []).enumerated() {
            guard case .object(let members) = item else {
                throw request.error("'components[\(index)]' must be a mapping, not \(ConfigReader.quote(item))",
                                    pointer: "/components/\(index)")
            }
            var reader = ConfigReader(members, pointer: "/components/\(index)", mode: request.mode)
            components.append(try ComponentReference(reading: &reader))
        }
        self.init(components: components, raw: raw)
    }
}

/// `environment.policy` result.
public struct PolicyResult: Sendable, Equatable {
    /// One document to attach somewhere.
    public struct Document: Sendable, Equatable {
        /// A name for the document, e.g. "launch-agent-ecr-push".
        public var name: String
        /// What the document is: "aws-iam-policy", "gcp-iam-roles", "azure-role-definition",
        /// "kubernetes-rbac".
        public var format: String
        /// The document itself (a JSON object for IAM policies).
        public var document: JSONValue
        /// Where to attach it, in one sentence; nil when obvious.
        public var notes: String?

        public init(name: String, format: String, document: JSONValue, notes: String? = nil) {
            self.name = name
            self.format = format
            self.document = document
            self.notes = notes
        }
    }

    /// The documents, in the order to print them.
    public var documents: [Document]

    public init(documents: [Document]) { self.documents = documents }

    /// `{"documents": [{"name", "format", "document", "notes"}]}`
    public var json: JSONValue {
        ["documents": .array(documents.map {
            ["name": .string($0.name), "format": .string($0.format), "document": $0.document, "notes": JSONValue($0.notes)]
        })]
    }
}

/// `environment.hints` request: who the hints are for.
public struct HintsRequest: Sendable, Equatable {
    /// The component that will run remotely with this identity, e.g. ("builder", "kaniko").
    public var consumer: ComponentReference
    /// The whole request as received.
    public var raw: JSONValue

    public init(consumer: ComponentReference, raw: JSONValue = [:]) {
        self.consumer = consumer
        self.raw = raw
    }

    init(reading request: inout ConfigReader, raw: JSONValue) throws {
        guard var consumer = try request.section("consumer") else {
            throw request.error("missing key 'consumer'", at: nil)
        }
        self.init(consumer: try ComponentReference(reading: &consumer), raw: raw)
    }
}

/// `environment.hints` result.
public struct Hints: Sendable, Equatable {
    /// Environment variables for the remote workload (`AWS_REGION`, `GOOGLE_CLOUD_PROJECT`).
    public var env: [String: String]
    /// Labels for the remote workload (`azure.workload.identity/use: "true"`).
    public var labels: [String: String]

    public init(env: [String: String] = [:], labels: [String: String] = [:]) {
        self.env = env
        self.labels = labels
    }

    /// `{"env": {...}, "labels": {...}}`
    public var json: JSONValue { ["env": JSONValue(env), "labels": JSONValue(labels)] }
}
