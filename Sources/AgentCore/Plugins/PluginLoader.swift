import Dispatch
import FoundationEssentials
import LaunchAgentABI
#if canImport(Glibc)
import Glibc
#endif

/// Finds plugin libraries, checks each one before and after `dlopen`, and
/// reports how each ended: ok, rejected (with the reason) or failed-init.
///
/// A bad library never stops the loader: it is reported and skipped. Checks
/// that need no plugin code (permissions, ELF header, symbol names) run
/// before any plugin code does.
public struct PluginLoader: Sendable {
    /// Where plugins are looked for, and under which rules.
    public struct Options: Sendable {
        /// Directories searched in order; on a duplicate component the
        /// library found first wins.
        public var directories: [String]
        /// Load from world-writable files and directories (off by default,
        /// as ssh refuses world-writable keys).
        public var allowInsecurePermissions: Bool
        /// How long a plugin's entry point or `init` may take.
        public var initTimeoutSeconds: Double

        public init(directories: [String], allowInsecurePermissions: Bool = false, initTimeoutSeconds: Double = 10) {
            self.directories = directories
            self.allowInsecurePermissions = allowInsecurePermissions
            self.initTimeoutSeconds = initTimeoutSeconds
        }
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    /// The plugin directories to search: `--plugins-dir` (repeatable), else
    /// `$LAUNCH_AGENT_PLUGINS_DIR` (colon-separated), else the executable's
    /// own directory — so a plain `swift build` tree works with no flags.
    public static func searchDirectories(flag: [String], environment: [String: String], executablePath: String) -> [String] {
        if !flag.isEmpty { return flag }
        if let env = environment["LAUNCH_AGENT_PLUGINS_DIR"], !env.isEmpty {
            return env.split(separator: ":").map(String.init)
        }
        let dir = executablePath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return [dir.isEmpty ? "." : dir]
    }

    /// The path of the running executable (`/proc/self/exe`).
    public static var executablePath: String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return CommandLine.arguments.first ?? "." }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Candidate files in a directory: every `*.so`, sorted by name so that
    /// duplicate resolution is the same on every machine.
    public static func candidates(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name.hasSuffix(".so"), !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted().map { directory.hasSuffix("/") ? directory + $0 : directory + "/" + $0 }
    }

    /// Loads every candidate in every directory.
    public func loadAll() -> PluginSet {
        var set = PluginSet()
        for directory in options.directories {
            if let problem = directoryProblem(directory) {
                set.directoryProblems.append(problem)
                continue
            }
            for path in PluginLoader.candidates(in: directory) {
                set.libraries.append(load(path: path, alreadyLoaded: set.libraries))
            }
        }
        return set
    }

    /// Loads one library, checking it against the libraries already loaded.
    public func load(path: String, alreadyLoaded: [PluginLibrary] = []) -> PluginLibrary {
        var lib = PluginLibrary(path: path, status: .ok)
        if let reason = permissionProblem(file: path) {
            lib.status = .rejected(reason)
            return lib
        }
        let elf: ELFFile
        do {
            elf = try ELFFile.read(path: path)
        } catch {
            lib.status = .rejected(PluginLoader.describe(error))
            return lib
        }
        lib.needed = elf.needed
        lib.runpath = elf.runpath

        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let detail = dlerror().map { String(cString: $0) } ?? "unknown error"
            lib.status = .rejected("could not be loaded by the dynamic linker: \(detail)")
            return lib
        }
        guard let symbol = dlsym(handle, LA_ENTRY_SYMBOL_V1) else {
            lib.status = .rejected(PluginLoader.missingEntryReason(handle))
            return lib
        }
        let entry = unsafeBitCast(symbol, to: la_entry_fn_v1.self)
        var returned: UnsafePointer<la_plugin_v1>?
        let finished = PluginLoader.run(timeout: options.initTimeoutSeconds) { returned = entry() }
        guard finished else {
            lib.status = .rejected("its entry point did not return within \(Int(options.initTimeoutSeconds)) s")
            return lib
        }
        guard let plugin = returned else {
            lib.status = .rejected("its entry point returned no descriptor (NULL)")
            return lib
        }
        do {
            let (descriptor, components) = try DescriptorReader.read(plugin)
            lib.descriptor = descriptor
            lib.components = components
        } catch {
            if case .partial(let descriptor, _) = error { lib.descriptor = descriptor }
            lib.status = .rejected(error.description)
            return lib
        }
        if let conflict = PluginLoader.conflict(lib, with: alreadyLoaded) {
            lib.status = .rejected(conflict)
            return lib
        }
        if let failure = initialize(plugin) {
            lib.status = .failedInit(failure)
            return lib
        }
        lib.plugin = plugin
        return lib
    }

    // MARK: - Checks

    private func directoryProblem(_ directory: String) -> String? {
        var st = stat()
        guard stat(directory, &st) == 0 else {
            return "\(directory): plugins directory not found (\(String(cString: strerror(errno))))"
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { return "\(directory): not a directory" }
        if !options.allowInsecurePermissions, st.st_mode & S_IWOTH != 0, st.st_mode & S_ISVTX == 0 {
            return "\(directory): refusing to load plugins from a world-writable directory: anyone could plant a library there; run 'chmod o-w \(directory)' or pass --allow-insecure-plugins"
        }
        return nil
    }

    private func permissionProblem(file path: String) -> String? {
        guard !options.allowInsecurePermissions else { return nil }
        var st = stat()
        guard stat(path, &st) == 0 else { return "cannot stat: \(String(cString: strerror(errno)))" }
        if st.st_mode & S_IWOTH != 0 {
            return "refusing to load a world-writable library: anyone could replace its code; run 'chmod o-w \(path)' or pass --allow-insecure-plugins"
        }
        return nil
    }

    static func describe(_ problem: ELFFile.Problem) -> String {
        switch problem {
        case .unreadable(let why): return "cannot read the file: \(why)"
        case .notELF(let start): return "not an ELF shared object (\(start)); plugins are .so libraries"
        case .notSharedObject(let type):
            return "not an ELF shared object (ELF type \(type == 2 ? "executable" : type == 1 ? "relocatable object" : String(type))); build the plugin with -shared"
        case .wrongClass: return "not a 64-bit little-endian ELF shared object"
        case .wrongMachine(let arch): return "built for \(arch), but this agent runs on \(ELFFile.machineName(ELFFile.hostMachine))"
        }
    }

    /// Tells an ABI-2 plugin from a library that is no plugin at all.
    private static func missingEntryReason(_ handle: UnsafeMutableRawPointer) -> String {
        for major in (2...9).reversed() where dlsym(handle, "launch_agent_plugin_entry_v\(major)") != nil {
            return "built for plugin ABI \(major) (exports launch_agent_plugin_entry_v\(major)); this agent supports ABI \(AgentVersion.abi): install the plugin's ABI 1 build or a newer agent"
        }
        return "not a launch-agent plugin: it does not export \(LA_ENTRY_SYMBOL_V1)"
    }

    /// A library whose id or any (kind, name) was already provided loses; the
    /// first one found keeps it (directory order, then file name).
    private static func conflict(_ lib: PluginLibrary, with loaded: [PluginLibrary]) -> String? {
        for other in loaded where other.status == .ok {
            if let a = lib.descriptor, let b = other.descriptor, a.id == b.id {
                return "duplicate library: plugin \(a.id) \(a.version) is already loaded from \(other.path) (version \(b.version)); remove one of the copies"
            }
            for c in lib.components where other.components.contains(where: { $0.kind == c.kind && $0.name == c.name }) {
                return "\(c.kind) '\(c.name)' is already provided by \(other.path) (\(other.descriptor?.id ?? "?") \(other.descriptor?.version ?? "?")), which was found first; remove one of the two libraries"
            }
        }
        return nil
    }

    private func initialize(_ plugin: UnsafePointer<la_plugin_v1>) -> String? {
        guard let initFn = plugin.pointee.`init` else { return nil }
        let call = HostCall()
        var status: Int32 = 0
        let finished = PluginLoader.run(timeout: options.initTimeoutSeconds) {
            status = initFn(PluginHost.table, call.raw)
        }
        guard finished else {
            call.cancel()
            return "init did not return within \(Int(options.initTimeoutSeconds)) s"
        }
        guard status != LA_OK else { return nil }
        let message = call.error?.message ?? "init returned \(PluginStatus.name(status)) without a message"
        return Redactor.shared.redact(message)
    }

    /// Runs plugin code on a worker thread and gives up waiting after
    /// `timeout` seconds; a hung plugin thread is abandoned, not joined.
    static func run(timeout: Double, _ body: @escaping () -> Void) -> Bool {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let work = body
        Thread.detach { work(); done.signal() }
        return done.wait(timeout: .now() + timeout) == .success
    }
}

/// Detached POSIX threads for plugin calls: blocking plugin code must not
/// occupy the Swift concurrency pool or Dispatch's limited worker threads.
enum Thread {
    static func detach(_ body: @escaping () -> Void) {
        final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        var tid = pthread_t()
        let rc = pthread_create(&tid, &attr, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        pthread_attr_destroy(&attr)
        if rc != 0 {
            Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
        }
    }
}
