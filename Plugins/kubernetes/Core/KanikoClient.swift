/// Client calls only the kaniko builder needs.
extension KubeClient {
    /// Creates `object` with `?dryRun=All`: the server authorizes, defaults and validates it (RBAC, admission,
    /// schema) and stores nothing. `builder.verify` uses it to prove "may create jobs and secrets here" without
    /// creating anything; the test harness serves it, unlike SelfSubjectAccessReview.
    public func createDryRun(_ resource: KubeResource, namespace: String?, _ object: KubeJSON) throws(KubeError) -> KubeJSON {
        var body = object
        if body["apiVersion"] == nil { body["apiVersion"] = .string(resource.apiVersion) }
        if body["kind"] == nil { body["kind"] = .string(resource.kind) }
        return try json(verb: "create", resource, namespace: namespace, name: object["metadata", "name"]?.stringValue,
                        method: "POST", query: [("dryRun", "All")], body: body)
    }
}
