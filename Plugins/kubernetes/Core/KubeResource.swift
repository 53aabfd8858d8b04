/// A resource type of the API: where its objects live and what they are called in messages and RBAC.
public struct KubeResource: Sendable, Equatable, Hashable {
    /// The API group (`""` for the core group, `batch`, …).
    public var group: String
    public var version: String
    /// The plural resource name used in URLs and RBAC rules (`jobs`, `pods`).
    public var plural: String
    /// The object kind (`Job`).
    public var kind: String
    public var namespaced: Bool

    public init(group: String, version: String, plural: String, kind: String, namespaced: Bool = true) {
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced
    }

    /// `v1` or `batch/v1`, as in an object's `apiVersion`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `/api/v1/namespaces/NS/pods[/NAME]` or `/apis/batch/v1/…`.
    public func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var p = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { p += "/namespaces/\(KubePercent.encodePath(namespace))" }
        p += "/\(plural)"
        if let name { p += "/\(KubePercent.encodePath(name))" }
        if let subresource { p += "/\(subresource)" }
        return p
    }

    public static let pods = KubeResource(group: "", version: "v1", plural: "pods", kind: "Pod")
    public static let secrets = KubeResource(group: "", version: "v1", plural: "secrets", kind: "Secret")
    public static let configMaps = KubeResource(group: "", version: "v1", plural: "configmaps", kind: "ConfigMap")
    public static let events = KubeResource(group: "", version: "v1", plural: "events", kind: "Event")
    public static let serviceAccounts = KubeResource(group: "", version: "v1", plural: "serviceaccounts", kind: "ServiceAccount")
    public static let persistentVolumeClaims = KubeResource(group: "", version: "v1", plural: "persistentvolumeclaims", kind: "PersistentVolumeClaim")
    public static let namespaces = KubeResource(group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false)
    public static let jobs = KubeResource(group: "batch", version: "v1", plural: "jobs", kind: "Job")
}

/// `propagationPolicy` of a delete: what happens to the objects the deleted one owns (a Job's pods).
public enum KubePropagationPolicy: String, Sendable {
    /// Delete now; the garbage collector deletes dependents afterwards (what `kubectl delete job` does).
    case background = "Background"
    /// Dependents first, then the object.
    case foreground = "Foreground"
    /// Leave dependents (batch/v1 Jobs default to this through the API: their pods would stay).
    case orphan = "Orphan"
}

/// The result of a list: the items and the collection's resourceVersion to watch from.
public struct KubeList: Sendable, Equatable {
    public var items: [KubeJSON]
    public var resourceVersion: String
    public init(items: [KubeJSON], resourceVersion: String) {
        self.items = items
        self.resourceVersion = resourceVersion
    }
}

/// One event of a watch.
public struct KubeWatchEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case added = "ADDED", modified = "MODIFIED", deleted = "DELETED", bookmark = "BOOKMARK"
    }
    public var type: Kind
    public var object: KubeJSON
    public init(type: Kind, object: KubeJSON) {
        self.type = type
        self.object = object
    }
}

/// Percent-encoding for URL paths and query values.
public enum KubePercent {
    static func encode(_ s: String, keep: (UInt8) -> Bool) -> String {
        var out = ""
        for b in s.utf8 {
            if keep(b) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    static func unreserved(_ b: UInt8) -> Bool {
        (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == 45 || b == 46 || b == 95 || b == 126
    }

    /// A path segment.
    public static func encodePath(_ s: String) -> String { encode(s, keep: unreserved) }
    /// A query value (`labelSelector=a%3Db,c`).
    public static func encodeQuery(_ s: String) -> String { encode(s, keep: unreserved) }
}
