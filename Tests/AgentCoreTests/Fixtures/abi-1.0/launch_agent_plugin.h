/*
 * launch_agent_plugin.h — the launch-agent plugin ABI, major version 1.
 *
 * This header is the single source of truth for the contract between the
 * `agent` host and its plugins. A plugin is a shared library (ELF .so) that
 * exports exactly one function, `launch_agent_plugin_entry_v1`, and links
 * nothing of the host: everything it needs from the host it receives through
 * the tables declared here (as SQLite extensions receive sqlite3_api_routines).
 *
 * Reading guide — one concept per section:
 *   1. Basic types: strings, status codes, log levels
 *   2. The call object: one per operation (errors, results, cancel, progress)
 *   3. The host: what the host hands to the plugin, host services by ID
 *   4. Host services: HTTP, process, secrets
 *   5. Components and the plugin descriptor
 *   6. The entry point
 *   7. Component interfaces: builder, environment, registry, context-store,
 *      runner, queue (request/response JSON: plugin-sdk/docs/interfaces.md)
 *
 * Evolution rules (they are what makes ABI 1.x stable):
 *   - Every struct starts with `uint32_t struct_size`, set by whoever fills
 *     the struct to sizeof() of the struct as *they* compiled it.
 *   - Fields are only ever appended. Nothing is reordered, resized or removed;
 *     a deprecated field stays and is left zero.
 *   - 0 / NULL always means "absent: use the default".
 *   - Before reading a field a reader checks LA_HAS_FIELD(). A struct built
 *     against an older minor is shorter; the missing tail reads as absent.
 *   - A change of meaning gets a new interface or service ID ("/2"), never a
 *     reinterpreted field. Adding a field bumps LA_ABI_MINOR.
 *   - No enums, bitfields, `long` or `bool` in structs: fixed-width types only.
 *
 * Threading tags used below:
 *   [any-thread]   may be called from any thread, concurrently.
 *   [call-thread]  only on the thread that is running the operation the call
 *                  object belongs to, and only until that operation returns.
 *   [host-thread]  the host calls this from one of its worker threads; it
 *                  never calls the same instance concurrently unless the
 *                  component sets LA_COMPONENT_FLAG_CONCURRENT.
 *
 * Memory rules:
 *   - Every pointer passed *into* a function is borrowed for the duration of
 *     that call. Copy what you keep.
 *   - Results leave a plugin only through la_call_v1.emit(), which copies.
 *     No buffer allocated on one side is ever freed by the other.
 *   - The descriptor returned by the entry point, and everything it points to,
 *     is owned by the plugin and must stay valid while the library is loaded
 *     (the host loads with RTLD_NODELETE, so: for the life of the process).
 *   - Tables returned by get_interface() / get_service() stay valid until the
 *     instance is destroyed (interfaces) or for the life of the process
 *     (services).
 *
 * Text is UTF-8 everywhere. la_str is not NUL-terminated unless stated.
 */
#ifndef LAUNCH_AGENT_PLUGIN_H
#define LAUNCH_AGENT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LA_ABI_MAJOR 1
#define LA_ABI_MINOR 0

#if defined(__GNUC__) || defined(__clang__)
#define LA_EXPORT __attribute__((visibility("default")))
#else
#define LA_EXPORT
#endif

/* True when the struct behind `p` (of type T) is large enough to hold `field`. */
#define LA_HAS_FIELD(p, T, field) \
    ((p) != NULL && (size_t)(p)->struct_size >= offsetof(T, field) + sizeof(((T *)0)->field))

/* ========================================================================== */
/* 1. Basic types                                                             */
/* ========================================================================== */

/* A borrowed UTF-8 string or byte range. `ptr` may be NULL only when len == 0. */
typedef struct la_str {
    const char *ptr;
    uint64_t len;
} la_str;

/* Status of every operation. 0 is success; errors are negative. A plugin that
 * returns a code not listed here is treated as LA_ERR_INTERNAL by the host. */
typedef int32_t la_status;

#define LA_OK                    0
#define LA_ERR_INVALID_ARGUMENT (-1)  /* the request JSON is malformed or invalid */
#define LA_ERR_UNSUPPORTED      (-2)  /* the operation is not offered by this component */
#define LA_ERR_NOT_FOUND        (-3)  /* the thing asked about does not exist */
#define LA_ERR_CANCELLED        (-4)  /* la_call_v1.is_cancelled() became true, or a sink said stop */
#define LA_ERR_TIMEOUT          (-5)  /* a deadline passed */
#define LA_ERR_AUTH             (-6)  /* no credentials, bad credentials, or access denied */
#define LA_ERR_IO               (-7)  /* network, file system or remote service failure */
#define LA_ERR_CONFLICT         (-8)  /* the thing already exists / is held by another */
#define LA_ERR_INTERNAL         (-9)  /* a bug; the message should say where */
#define LA_ERR_CONFIG           (-10) /* the component's config section is invalid */

/* Log levels, for la_host_v1.log and la_call_v1.log. */
#define LA_LOG_ERROR   0
#define LA_LOG_WARNING 1
#define LA_LOG_INFO    2
#define LA_LOG_DEBUG   3
#define LA_LOG_TRACE   4

/* ========================================================================== */
/* 2. The call object                                                         */
/* ========================================================================== */

/*
 * One la_call_v1 is created by the host for each operation it invokes (and by
 * a plugin-facing service for each service request it serves). It carries:
 *   - emit:        the result, as UTF-8 JSON, possibly in several chunks that
 *                  the host concatenates. Copied before emit returns.
 *   - set_error:   the error to report with a non-zero status. Copied.
 *   - is_cancelled, progress, log: long operations poll, report and narrate.
 *
 * The call object and its functions are valid only until the operation
 * returns. Every function here is [any-thread] while the operation runs, so a
 * plugin may emit or log from helper threads it joins before returning.
 */
typedef struct la_call_v1 la_call_v1;

struct la_call_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    /* Host-private; plugins must not touch it. */
    void *host_data;

    /* Append `chunk` to the result JSON. [any-thread] */
    void (*emit)(const la_call_v1 *call, la_str chunk);

    /* Record the error that accompanies a non-zero return. `code` is the
     * la_status the operation will return; `message` is one human sentence
     * naming what failed and what to do; `details_json` is a JSON object or
     * empty. Recognised details keys:
     *   "pointer": RFC 6901 JSON pointer into the config the component was
     *              created with (the host maps it back to YAML FILE:LINE:COL),
     *   "retryable": true when repeating the operation may succeed.
     * The last call wins. Never put secrets in message or details. [any-thread] */
    void (*set_error)(const la_call_v1 *call, la_status code, la_str message, la_str details_json);

    /* Non-zero once the host wants the operation to stop (job cancelled,
     * agent shutting down, deadline). Return LA_ERR_CANCELLED soon after.
     * [any-thread] */
    uint32_t (*is_cancelled)(const la_call_v1 *call);

    /* Report progress. `fraction` in [0,1], or negative when unknown.
     * [any-thread] */
    void (*progress)(const la_call_v1 *call, double fraction, la_str message);

    /* A line for the log of the job this call works for (build output,
     * runner output). Falls back to the agent log outside a job. The host
     * redacts registered secrets before writing. [any-thread] */
    void (*log)(const la_call_v1 *call, int32_t level, la_str message);
};

/* ========================================================================== */
/* 3. The host                                                                */
/* ========================================================================== */

typedef struct la_host_v1 la_host_v1;

/*
 * Handed to the plugin's init() and create(). Valid for the life of the
 * process; a plugin may keep the pointer.
 */
struct la_host_v1 {
    uint32_t struct_size;
    uint32_t abi_major;        /* LA_ABI_MAJOR the host was built with */
    uint32_t abi_minor;        /* LA_ABI_MINOR the host was built with */
    uint32_t reserved0;
    const char *host_name;     /* "launch-agent", NUL-terminated */
    const char *host_version;  /* semver, NUL-terminated */
    void *host_data;           /* host-private */

    /* Write one line to the agent log. The host redacts registered secrets.
     * [any-thread] */
    void (*log)(const la_host_v1 *host, int32_t level, la_str message);

    /* Look up a host service by ID (LA_SERVICE_*). Returns a pointer to the
     * service's table, or NULL when this host does not offer it. Check the
     * table's struct_size with LA_HAS_FIELD before using appended fields.
     * [any-thread] */
    const void *(*get_service)(const la_host_v1 *host, const char *service_id);
};

/* ========================================================================== */
/* 4. Host services                                                           */
/* ========================================================================== */

/* --- 4.1 HTTP: libcurl in the host; honours http(s)_proxy, no_proxy,
 *         SSL_CERT_FILE / CURL_CA_BUNDLE. TLS is verified unless the request
 *         says "insecure": true. ------------------------------------------- */

#define LA_SERVICE_HTTP "launch-agent.http/1"

/* Receives the response as it arrives, and the reason when there is none.
 * Every callback runs on the thread that called request(), before request()
 * returns; buffers are borrowed for the duration of the callback. A NULL
 * callback (or one past the end of a shorter struct) is skipped. */
typedef struct la_http_sink_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    void *ctx;
    /* Once, for the final response, when its status line and headers are
     * complete: after redirects when follow_redirects is true, never for 1xx
     * interim responses (100 Continue, 103 Early Hints). JSON
     * {"status": 200, "headers": [["name","value"], ...]} (names lower-case).
     * Return 0 to continue; non-zero to stop: the host aborts the transfer
     * and request() returns LA_ERR_CANCELLED ("stopped by the plugin's sink"). */
    int32_t (*on_head)(void *ctx, la_str head_json);
    /* Zero or more times, after on_head: a chunk of the (decoded) body.
     * Return 0 to continue; non-zero to stop, as for on_head. */
    int32_t (*on_body)(void *ctx, la_str chunk);
    /* When request() fails: exactly once, just before it returns the same
     * non-zero `code` (never on LA_OK). The arguments mirror set_error's:
     * `message` is the host's (redacted: one sentence naming the request and
     * what failed); `details_json` is the JSON object the host would have
     * given set_error, or empty when it has none. For a failed transfer it
     * is {"retryable":true} when repeating the request may succeed (a
     * timeout, a refused or dropped connection) and {"retryable":false}
     * otherwise (TLS verification, cancellation); it is empty when the host
     * rejected request_json or the sink stopped the transfer. Both are
     * borrowed for the duration of this callback: copy them to keep them, to
     * wrap the message (passing details_json on to set_error), or to decide
     * to retry. When present, the host reports the failure only here and
     * leaves `call` untouched; when the sink is NULL, too short to hold
     * on_error, or on_error is NULL, the host records the failure on `call`
     * with set_error (same code, message and details) instead. Called on the
     * thread that called request(). */
    void (*on_error)(void *ctx, la_status code, la_str message, la_str details_json);
} la_http_sink_v1;

typedef struct la_http_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    /*
     * Perform one HTTP request; follows no redirects unless asked. `request_json`:
     *   {"method": "PUT", "url": "https://...", "headers": [["k","v"], ...],
     *    "timeout_ms": 30000, "idle_timeout_ms": 0, "follow_redirects": false,
     *    "insecure": false, "ca_pem": "-----BEGIN CERTIFICATE-----...",
     *    "client_cert_pem": "...", "client_key_pem": "...",
     *    "body_file": {"path": "...", "offset": 0, "length": 1234}}
     * The body is `body` unless "body_file" names a slice of a file to send.
     * "ca_pem" replaces the CA bundle for this request (a cluster's own CA);
     * "client_cert_pem" + "client_key_pem" (together) do mutual TLS; the key
     * is registered as a secret. "idle_timeout_ms" ends a transfer in which
     * no byte moved for that long (LA_ERR_TIMEOUT), e.g. a stalled stream.
     * Returns LA_OK when a response arrived (whatever its status), else
     * LA_ERR_IO / LA_ERR_TIMEOUT / LA_ERR_CANCELLED / LA_ERR_INVALID_ARGUMENT,
     * with the reason (message and details) given to sink->on_error (or,
     * without one, recorded on `call` with set_error). `call` is the caller's own call object (for cancellation, and
     * for errors when the sink has no on_error). `sink` may be NULL (the
     * response is discarded). [any-thread]
     */
    la_status (*request)(const la_host_v1 *host, const la_call_v1 *call,
                         la_str request_json, la_str body, const la_http_sink_v1 *sink);
} la_http_v1;

/* --- 4.2 Process: spawn a program, stream its output, wait. --------------- */

#define LA_SERVICE_PROCESS "launch-agent.process/1"

/* Receives the program's output as it arrives, and the reason run() failed.
 * Every callback runs on the thread that called run(), before run() returns;
 * buffers are borrowed for the duration of the callback. A NULL callback (or
 * one past the end of a shorter struct) is skipped. */
typedef struct la_process_sink_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    void *ctx;
    /* Chunks of stdout / stderr as they arrive. Return 0 to continue;
     * non-zero to stop: the host sends the child's process group SIGTERM,
     * then SIGKILL after kill_grace_ms, delivers no more output, and run()
     * returns LA_ERR_CANCELLED ("stopped by the plugin's sink"). */
    int32_t (*on_stdout)(void *ctx, la_str chunk);
    int32_t (*on_stderr)(void *ctx, la_str chunk);
    /* When run() fails: exactly once, just before it returns the same
     * non-zero `code` (never on LA_OK). The arguments mirror set_error's:
     * `message` is the host's (redacted; names argv[0], never the other
     * arguments); `details_json` is the JSON object the host would have
     * given set_error, or empty when it has none: {"retryable":true} when
     * the system refused to start the program (LA_ERR_IO), empty otherwise.
     * Both are borrowed for the duration of this callback. When present, the
     * host reports the failure only here and leaves `call` untouched; when
     * the sink is NULL, too short to hold on_error, or on_error is NULL, the
     * host records the failure on `call` with set_error (same code, message
     * and details) instead. A program that ran and exited non-zero is not a
     * failure (run() returns LA_OK). Called on the thread that called run(). */
    void (*on_error)(void *ctx, la_status code, la_str message, la_str details_json);
} la_process_sink_v1;

typedef struct la_process_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    /*
     * Run a program to completion. `request_json`:
     *   {"argv": ["docker", "push", "x"], "env": {"K": "V"}, "inherit_env": true,
     *    "cwd": "/path", "timeout_ms": 0, "kill_grace_ms": 10000}
     * argv[0] is looked up in PATH. `stdin_data` is written to the child's
     * stdin, which is then closed (pass secrets here, never in argv).
     * When `call` is cancelled or the timeout passes, the child's process
     * group gets SIGTERM, then SIGKILL after kill_grace_ms.
     * On LA_OK, *exit_status holds the exit code (0..255) or, when a signal
     * ended the program, the negated signal number (-9 for SIGKILL).
     * Returns LA_OK when the program ran (whatever its exit status);
     * LA_ERR_NOT_FOUND when argv[0] cannot be executed; LA_ERR_IO when the
     * system refused to start it; LA_ERR_INVALID_ARGUMENT for a malformed
     * request; LA_ERR_CANCELLED (cancelled, or a sink callback said stop) or
     * LA_ERR_TIMEOUT when it was stopped, *exit_status then holding how the
     * stopped program ended. The reason (message and details) goes to
     * sink->on_error (or, without one, is recorded on `call` with
     * set_error). `sink` may be NULL (output is discarded).
     * [any-thread]
     */
    la_status (*run)(const la_host_v1 *host, const la_call_v1 *call,
                     la_str request_json, la_str stdin_data,
                     const la_process_sink_v1 *sink, int32_t *exit_status);
} la_process_v1;

/* --- 4.3 Secrets: values the host must never print. ----------------------- */

#define LA_SERVICE_SECRETS "launch-agent.secrets/1"

typedef struct la_secrets_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    /* Register a value (a password, token, key) so that the host replaces it
     * with "[REDACTED]" in every log line and error message from now on.
     * Values shorter than 4 bytes are ignored. [any-thread] */
    void (*register_secret)(const la_host_v1 *host, la_str value);
} la_secrets_v1;

/* ========================================================================== */
/* 5. Components and the plugin descriptor                                    */
/* ========================================================================== */

/* Component kinds (the `kind` string of la_component_v1). */
#define LA_KIND_BUILDER       "builder"
#define LA_KIND_ENVIRONMENT   "environment"
#define LA_KIND_REGISTRY      "registry"
#define LA_KIND_CONTEXT_STORE "context-store"
#define LA_KIND_RUNNER        "runner"
#define LA_KIND_QUEUE         "queue"

/* la_component_v1.flags */
#define LA_COMPONENT_FLAG_CONCURRENT 0x1u /* the host may call one instance from several threads at once */

/*
 * One (kind, name) pair a library provides, e.g. ("registry", "ecr").
 * Static data owned by the plugin.
 */
typedef struct la_component_v1 {
    uint32_t struct_size;
    uint32_t flags;            /* LA_COMPONENT_FLAG_* */
    const char *kind;          /* LA_KIND_*, NUL-terminated */
    const char *name;          /* [a-z0-9-]+, NUL-terminated; the value users write in YAML */
    const char *description;   /* one line, may be NULL */
    /* For kinds chosen by a URI (registry: builder.destination; context-store:
     * builder.build-context-store): newline-separated glob patterns ('*'
     * matches any run of characters) of the URIs this component serves. A
     * pattern is matched against the URI's "authority": for a registry the
     * host name of the destination (ECR: "*.dkr.ecr.*.amazonaws.com"), for a
     * context store the scheme and bucket ("s3:" followed by "//" and "*"),
     * or, for https URIs, the host name ("*.blob.core.windows.net").
     * plugin-sdk/docs/interfaces.md gives the exact rules. NULL for other kinds. */
    const char *uri_patterns;
} la_component_v1;

typedef struct la_plugin_v1 la_plugin_v1;

/*
 * The static descriptor returned by the entry point.
 */
struct la_plugin_v1 {
    uint32_t struct_size;      /* sizeof(la_plugin_v1) as the plugin compiled it */
    uint32_t abi_major;        /* LA_ABI_MAJOR the plugin was built with (1) */
    uint32_t abi_minor;        /* LA_ABI_MINOR the plugin was built with */
    uint32_t min_host_minor;   /* oldest host ABI minor it works with */
    const char *id;            /* reverse-DNS library ID, e.g. "dev.launch-agent.aws" */
    const char *name;          /* short human name, e.g. "aws" */
    const char *version;       /* the library's own semver, e.g. "0.1.0" */
    const char *vendor;        /* may be NULL */

    uint32_t component_count;
    uint32_t reserved0;
    /* component_count pointers (pointers, not an array of structs, so that
     * la_component_v1 can grow). */
    const la_component_v1 *const *components;

    /*
     * Library-wide initialisation, called once after the host accepted the
     * descriptor and before any create(). May be NULL. On failure set an error
     * in `call` and return non-zero: the library is reported as FAILED_INIT
     * with that message and none of its components is used. [host-thread]
     */
    la_status (*init)(const la_host_v1 *host, const la_call_v1 *call);

    /*
     * Create an instance of components[component_index]. `config_json` is the
     * component's config (see plugin-sdk/docs/interfaces.md, "create"); the
     * plugin validates it and, when it is invalid, returns LA_ERR_CONFIG with
     * a "pointer" detail naming the offending value. On LA_OK *out_instance is
     * an opaque pointer the host passes back to every operation. [host-thread]
     */
    la_status (*create)(const la_host_v1 *host, uint32_t component_index,
                        la_str config_json, const la_call_v1 *call, void **out_instance);

    /* Destroy an instance; called once, after every operation on it returned.
     * [host-thread] */
    void (*destroy)(void *instance);

    /* The instance's interface table for `interface_id` (LA_IFACE_*), or NULL
     * when the instance does not implement it. [any-thread] */
    const void *(*get_interface)(void *instance, const char *interface_id);
};

/* ========================================================================== */
/* 6. The entry point                                                         */
/* ========================================================================== */

/*
 * The one symbol a plugin exports. The ABI major is in its name: a future
 * ABI 2 plugin exports launch_agent_plugin_entry_v2, so a host knows the
 * major before calling any plugin code.
 *
 * Must be side-effect free and return the same static descriptor every time.
 * Must not call back into the host (it has none yet). [host-thread]
 */
#define LA_ENTRY_SYMBOL_V1 "launch_agent_plugin_entry_v1"

typedef const la_plugin_v1 *(*la_entry_fn_v1)(void);

LA_EXPORT const la_plugin_v1 *launch_agent_plugin_entry_v1(void);

/* ========================================================================== */
/* 7. Component interfaces                                                    */
/* ========================================================================== */

/*
 * Every operation has the same shape:
 *
 *   la_status op(void *instance, const la_call_v1 *call, la_str request_json);
 *
 * The request is a UTF-8 JSON object (borrowed); the result is a JSON object
 * emitted through call->emit (empty emit = {}). On failure return an
 * LA_ERR_* code and describe it with call->set_error. [host-thread]
 *
 * A NULL function pointer means "not offered" (the host treats it as
 * LA_ERR_UNSUPPORTED). The request and result JSON of every operation is
 * specified in plugin-sdk/docs/interfaces.md.
 */
typedef la_status (*la_op_v1)(void *instance, const la_call_v1 *call, la_str request_json);

/* --- 7.1 builder: turn a build context into an image at a tag ------------- */
#define LA_IFACE_BUILDER "launch-agent.builder/1"
typedef struct la_builder_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    la_op_v1 verify;   /* can this builder work here? (CLI present, cluster reachable) */
    la_op_v1 build;    /* build the context and push the image */
} la_builder_v1;

/* --- 7.2 environment: cloud identity, credentials and hints --------------- */
#define LA_IFACE_ENVIRONMENT "launch-agent.environment/1"
typedef struct la_environment_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    la_op_v1 verify;   /* who am I (e.g. STS GetCallerIdentity) */
    la_op_v1 policy;   /* least-privilege policy documents for this config */
    la_op_v1 hints;    /* env vars / labels a remote builder or runner needs */
} la_environment_v1;

/* --- 7.3 registry: where images go, and the credentials to push there ----- */
#define LA_IFACE_REGISTRY "launch-agent.registry/1"
typedef struct la_registry_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    la_op_v1 verify;       /* the repository exists and is reachable */
    la_op_v1 resolve;      /* canonical repository reference for the destination */
    la_op_v1 credentials;  /* short-lived username/password for the registry host */
} la_registry_v1;

/* --- 7.4 context-store: content-addressed build contexts ------------------ */
#define LA_IFACE_CONTEXT_STORE "launch-agent.context-store/1"
typedef struct la_context_store_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    la_op_v1 verify;   /* bucket/container exists and is writable */
    la_op_v1 exists;   /* is the context with this digest already stored? */
    la_op_v1 upload;   /* upload a local file under its digest; returns its URI */
} la_context_store_v1;

/* --- 7.5 runner: start an image (or a process) and follow it -------------- */
#define LA_IFACE_RUNNER "launch-agent.runner/1"
typedef struct la_runner_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    la_op_v1 verify;   /* the target is reachable */
    la_op_v1 launch;   /* start the job; result carries a durable "handle" */
    la_op_v1 watch;    /* block until the job behind "handle" ends (logs via call->log) */
    la_op_v1 cancel;   /* stop the job behind "handle" */
} la_runner_v1;

/* --- 7.6 queue: where jobs come from --------------------------------------- */
#define LA_IFACE_QUEUE "launch-agent.queue/1"
typedef struct la_queue_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    la_op_v1 pop;      /* claim the next job, or return {"job": null} */
    la_op_v1 ack;      /* the job was accepted and has a run id */
    la_op_v1 fail;     /* the job failed at stage agent|build|run */
    la_op_v1 finish;   /* the job ended (finished, failed, cancelled) */
} la_queue_v1;

#ifdef __cplusplus
}
#endif

#endif /* LAUNCH_AGENT_PLUGIN_H */
