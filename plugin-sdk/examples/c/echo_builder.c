/*
 * echo_builder.c — a complete launch-agent builder plugin in plain C.
 *
 * Component: builder "echo-c" (library ID dev.launch-agent.examples.echo-c).
 * Config:    one optional key, "message" (a string, default "hello from echo-c").
 *            Any other key is LA_ERR_CONFIG with a JSON pointer to it.
 * verify:    one check: does the host offer the process service?
 * build:     runs `echo MESSAGE IMAGE` in the build context through the host's
 *            process service, streams each output line to call->log, and emits
 *            {"image": IMAGE, "digest": null, "pushed": false}.
 *
 * It builds no image — it shows the shape of a plugin: a static descriptor,
 * config validation with pointers, a host service, streamed output, a JSON
 * result, and errors that say what to do. Build it with:
 *
 *   cc -shared -fPIC -fvisibility=hidden -I plugin-sdk/include -o libecho.so echo_builder.c
 *
 * -fvisibility=hidden keeps everything but launch_agent_plugin_entry_v1
 * (marked LA_EXPORT in the header) out of the dynamic symbol table.
 * It uses nothing beyond malloc/free, memcpy/strlen and snprintf.
 */
#include "launch_agent_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPONENT_NAME "echo-c"
#define DEFAULT_MESSAGE "hello from echo-c"

/* ------------------------------------------------------------------------ */
/* Small helpers: strings and a growable buffer                             */
/* ------------------------------------------------------------------------ */

static la_str str(const char *s) {
    la_str out = {s, s ? (uint64_t)strlen(s) : 0};
    return out;
}

typedef struct {
    char *data;
    size_t len, cap;
    int failed; /* out of memory */
} buffer;

static void buf_append(buffer *b, const char *bytes, size_t n) {
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) { b->failed = 1; return; }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buf_puts(buffer *b, const char *s) { buf_append(b, s, strlen(s)); }

/* Appends `s` as a JSON string literal (quotes and escapes included). */
static void buf_json_string(buffer *b, const char *s) {
    buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        switch (*p) {
        case '"': buf_puts(b, "\\\""); break;
        case '\\': buf_puts(b, "\\\\"); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\t': buf_puts(b, "\\t"); break;
        default:
            if (*p < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", *p);
                buf_puts(b, esc);
            } else {
                buf_append(b, (const char *)p, 1);
            }
        }
    }
    buf_puts(b, "\"");
}

/* Appends one RFC 6901 reference token ("~" -> "~0", "/" -> "~1"). */
static void buf_pointer_token(buffer *b, const char *s) {
    for (; *s; s++) {
        if (*s == '~') buf_puts(b, "~0");
        else if (*s == '/') buf_puts(b, "~1");
        else buf_append(b, s, 1);
    }
}

/* ------------------------------------------------------------------------ */
/* A minimal JSON reader: enough to walk objects and read strings            */
/* ------------------------------------------------------------------------ */

typedef struct {
    const char *p, *end;
} cursor;

static void skip_ws(cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t')) c->p++;
}

static int hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = p[i];
        v <<= 4;
        if (ch >= '0' && ch <= '9') v |= (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f') v |= (unsigned)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F') v |= (unsigned)(ch - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

static void put_utf8(buffer *b, unsigned cp) {
    char u[4];
    if (cp < 0x80) { u[0] = (char)cp; buf_append(b, u, 1); }
    else if (cp < 0x800) { u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F)); buf_append(b, u, 2); }
    else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[2] = (char)(0x80 | (cp & 0x3F));
        buf_append(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F));
        buf_append(b, u, 4);
    }
}

/* Reads a JSON string at the cursor. With `out`, stores a malloc'd, unescaped,
 * NUL-terminated copy (the caller frees it). Returns 0 on malformed input. */
static int read_string(cursor *c, char **out) {
    buffer b = {0};
    if (c->p >= c->end || *c->p != '"') return 0;
    c->p++;
    while (c->p < c->end && *c->p != '"') {
        unsigned char ch = (unsigned char)*c->p;
        if (ch < 0x20) goto bad;
        if (ch != '\\') { if (out) buf_append(&b, c->p, 1); c->p++; continue; }
        if (++c->p >= c->end) goto bad;
        switch (*c->p) {
        case '"': case '\\': case '/': if (out) buf_append(&b, c->p, 1); break;
        case 'b': if (out) buf_puts(&b, "\b"); break;
        case 'f': if (out) buf_puts(&b, "\f"); break;
        case 'n': if (out) buf_puts(&b, "\n"); break;
        case 'r': if (out) buf_puts(&b, "\r"); break;
        case 't': if (out) buf_puts(&b, "\t"); break;
        case 'u': {
            unsigned cp, low;
            if (c->end - c->p < 5 || !hex4(c->p + 1, &cp)) goto bad;
            c->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00) {
                if (c->end - c->p < 7 || c->p[1] != '\\' || c->p[2] != 'u' || !hex4(c->p + 3, &low) ||
                    low < 0xDC00 || low >= 0xE000) goto bad;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                c->p += 6;
            }
            if (out) put_utf8(&b, cp);
            break;
        }
        default: goto bad;
        }
        c->p++;
    }
    if (c->p >= c->end) goto bad;
    c->p++; /* closing quote */
    if (out) {
        if (!b.data) buf_puts(&b, "");
        if (b.failed) goto bad;
        *out = b.data;
    }
    return 1;
bad:
    free(b.data);
    return 0;
}

/* Skips one JSON value of any type. Returns 0 on malformed input. */
static int skip_value(cursor *c, int depth) {
    skip_ws(c);
    if (c->p >= c->end || depth > 64) return 0;
    char open = *c->p;
    if (open == '"') return read_string(c, NULL);
    if (open == '{' || open == '[') {
        char close = open == '{' ? '}' : ']';
        c->p++;
        skip_ws(c);
        if (c->p < c->end && *c->p == close) { c->p++; return 1; }
        for (;;) {
            if (open == '{') {
                skip_ws(c);
                if (!read_string(c, NULL)) return 0;
                skip_ws(c);
                if (c->p >= c->end || *c->p != ':') return 0;
                c->p++;
            }
            if (!skip_value(c, depth + 1)) return 0;
            skip_ws(c);
            if (c->p < c->end && *c->p == ',') { c->p++; continue; }
            if (c->p < c->end && *c->p == close) { c->p++; return 1; }
            return 0;
        }
    }
    /* true, false, null, or a number: a run of these characters */
    const char *start = c->p;
    while (c->p < c->end && strchr("truefalsn0123456789+-.eE", *c->p)) c->p++;
    return c->p > start;
}

/* Calls `member` for each member of the object at the cursor, with the key
 * and a cursor on the value (which the callback need not consume). Stops and
 * returns the callback's non-zero status. Returns LA_ERR_INVALID_ARGUMENT
 * for malformed JSON or a non-object. */
typedef la_status (*member_fn)(void *ctx, const char *key, cursor value);

static la_status each_member(cursor c, member_fn member, void *ctx) {
    skip_ws(&c);
    if (c.p >= c.end || *c.p != '{') return LA_ERR_INVALID_ARGUMENT;
    c.p++;
    skip_ws(&c);
    if (c.p < c.end && *c.p == '}') return LA_OK;
    for (;;) {
        char *key = NULL;
        skip_ws(&c);
        if (!read_string(&c, &key)) return LA_ERR_INVALID_ARGUMENT;
        skip_ws(&c);
        if (c.p >= c.end || *c.p != ':') { free(key); return LA_ERR_INVALID_ARGUMENT; }
        c.p++;
        skip_ws(&c);
        cursor value = c;
        if (!skip_value(&c, 0)) { free(key); return LA_ERR_INVALID_ARGUMENT; }
        value.end = c.p;
        la_status status = member(ctx, key, value);
        free(key);
        if (status != LA_OK) return status;
        skip_ws(&c);
        if (c.p < c.end && *c.p == ',') { c.p++; continue; }
        if (c.p < c.end && *c.p == '}') return LA_OK;
        return LA_ERR_INVALID_ARGUMENT;
    }
}

/* Finds member `key` of the object at `c`; returns 1 and sets *value. */
typedef struct {
    const char *key;
    cursor value;
    int found;
} find_ctx;

static la_status find_member_cb(void *ctx, const char *key, cursor value) {
    find_ctx *f = ctx;
    if (!f->found && strcmp(key, f->key) == 0) { f->value = value; f->found = 1; }
    return LA_OK;
}

static int find_member(cursor c, const char *key, cursor *value) {
    find_ctx f = {key, {0, 0}, 0};
    if (each_member(c, find_member_cb, &f) != LA_OK || !f.found) return 0;
    *value = f.value;
    return 1;
}

static int is_null(cursor c) {
    skip_ws(&c);
    return c.end - c.p >= 4 && memcmp(c.p, "null", 4) == 0;
}

static int is_true(cursor c) {
    skip_ws(&c);
    return c.end - c.p >= 4 && memcmp(c.p, "true", 4) == 0;
}

/* Reads the string member `key`: 1 = found (malloc'd *out), 0 = absent or
 * null, -1 = present but not a string. */
static int string_member(cursor object, const char *key, char **out) {
    cursor value;
    if (!find_member(object, key, &value) || is_null(value)) return 0;
    skip_ws(&value);
    return read_string(&value, out) ? 1 : -1;
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

static la_status fail(const la_call_v1 *call, la_status code, const char *message, const char *details_json) {
    call->set_error(call, code, str(message), str(details_json ? details_json : ""));
    return code;
}

/* LA_ERR_CONFIG with {"pointer": "/config/<key>"}. */
static la_status config_error(const la_call_v1 *call, const char *key, const char *message) {
    buffer details = {0};
    buffer pointer = {0};
    buf_puts(&pointer, "/config/");
    buf_pointer_token(&pointer, key);
    buf_puts(&details, "{\"pointer\":");
    buf_json_string(&details, pointer.data);
    buf_puts(&details, ",\"retryable\":false}");
    la_status status = fail(call, LA_ERR_CONFIG, message, details.failed ? "" : details.data);
    free(pointer.data);
    free(details.data);
    return status;
}

/* True when `a` looks like a misspelling of `b`: same letters ignoring case
 * and '_'/'-', or at most two single-character edits apart. */
static int looks_like(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 32 || lb > 32) return 0;
    unsigned d[33][33];
    for (size_t i = 0; i <= la; i++) d[i][0] = (unsigned)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            char x = a[i - 1], y = b[j - 1];
            if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
            if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
            if (x == '_') x = '-';
            if (y == '_') y = '-';
            unsigned best = d[i - 1][j - 1] + (x == y ? 0 : 1);
            if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb] <= 2;
}

/* ------------------------------------------------------------------------ */
/* The instance                                                             */
/* ------------------------------------------------------------------------ */

typedef struct {
    const la_host_v1 *host; /* valid for the life of the process */
    char *message;          /* config "message" */
} echo_builder;

typedef struct {
    const la_call_v1 *call;
    char **message;
} config_ctx;

static la_status config_member(void *ctx, const char *key, cursor value) {
    config_ctx *cfg = ctx;
    char text[512];
    if (strcmp(key, "message") == 0) {
        if (is_null(value)) return LA_OK; /* `message:` with no value: keep the default */
        skip_ws(&value);
        char *message = NULL;
        if (!read_string(&value, &message)) {
            return config_error(cfg->call, key, "'message' must be a string");
        }
        free(*cfg->message);
        *cfg->message = message;
        return LA_OK;
    }
    if (looks_like(key, "message")) {
        snprintf(text, sizeof text, "unknown key '%.200s'; did you mean 'message'?", key);
    } else {
        snprintf(text, sizeof text, "unknown key '%.200s' (its only key is 'message')", key);
    }
    return config_error(cfg->call, key, text);
}

static la_status echo_create(const la_host_v1 *host, uint32_t component_index, la_str config_json,
                             const la_call_v1 *call, void **out_instance) {
    *out_instance = NULL;
    if (component_index != 0) return fail(call, LA_ERR_INVALID_ARGUMENT, "echo-c has one component (index 0)", NULL);

    cursor document = {config_json.ptr, config_json.ptr + config_json.len};
    char *message = NULL;
    cursor config;
    if (find_member(document, "config", &config) && !is_null(config)) {
        config_ctx cfg = {call, &message};
        la_status status = each_member(config, config_member, &cfg);
        if (status == LA_ERR_INVALID_ARGUMENT) {
            status = fail(call, status, "the create document's \"config\" is not a JSON object", NULL);
        }
        if (status != LA_OK) { free(message); return status; }
    }
    if (!message) {
        message = malloc(sizeof DEFAULT_MESSAGE);
        if (message) memcpy(message, DEFAULT_MESSAGE, sizeof DEFAULT_MESSAGE);
    }
    echo_builder *instance = calloc(1, sizeof *instance);
    if (!instance || !message) {
        free(instance);
        free(message);
        return fail(call, LA_ERR_INTERNAL, "echo-c: out of memory", NULL);
    }
    instance->host = host;
    instance->message = message;
    *out_instance = instance;
    return LA_OK;
}

static void echo_destroy(void *instance) {
    echo_builder *b = instance;
    if (!b) return;
    free(b->message);
    free(b);
}

/* The host's process service, or NULL. */
static const la_process_v1 *process_service(const la_host_v1 *host) {
    if (!LA_HAS_FIELD(host, la_host_v1, get_service) || !host->get_service) return NULL;
    const la_process_v1 *process = host->get_service(host, LA_SERVICE_PROCESS);
    if (!LA_HAS_FIELD(process, la_process_v1, run) || !process->run) return NULL;
    return process;
}

/* ------------------------------------------------------------------------ */
/* builder.verify                                                           */
/* ------------------------------------------------------------------------ */

static la_status echo_verify(void *instance, const la_call_v1 *call, la_str request_json) {
    (void)request_json;
    echo_builder *b = instance;
    const char *result = process_service(b->host)
        ? "{\"checks\":[{\"name\":\"process service\",\"ok\":true,"
          "\"detail\":\"the host offers " LA_SERVICE_PROCESS "\",\"fix\":null}]}"
        : "{\"checks\":[{\"name\":\"process service\",\"ok\":false,"
          "\"detail\":\"the host does not offer " LA_SERVICE_PROCESS "\",\"fix\":\"upgrade the agent\"}]}";
    call->emit(call, str(result));
    return LA_OK;
}

/* ------------------------------------------------------------------------ */
/* builder.build                                                            */
/* ------------------------------------------------------------------------ */

/* Splits a child's output into lines and logs each one. */
typedef struct {
    const la_call_v1 *call;
    int32_t level;
    char line[4096];
    size_t len;
} line_logger;

static void flush_line(line_logger *l) {
    la_str s = {l->line, l->len};
    l->call->log(l->call, l->level, s);
    l->len = 0;
}

static void log_chunk(void *ctx, la_str chunk) {
    line_logger *l = ctx;
    for (uint64_t i = 0; i < chunk.len; i++) {
        char ch = chunk.ptr[i];
        if (ch == '\n') { flush_line(l); continue; }
        if (l->len == sizeof l->line) flush_line(l);
        l->line[l->len++] = ch;
    }
}

/* The process sink's context: the two line loggers, and the service's error
 * (on_error hands it to us instead of recording it on `call`, so that we can
 * wrap it with what we were doing). */
typedef struct {
    line_logger out, err;
    la_status error_code;
    char error[512]; /* the service's message, copied: it is borrowed */
    int retryable;   /* the host's verdict, from the details it gave on_error */
} run_output;

/* Return 0 to let the program run on; non-zero would stop it (the service
 * then kills its process group and returns LA_ERR_CANCELLED). */
static int32_t on_stdout(void *ctx, la_str chunk) { log_chunk(&((run_output *)ctx)->out, chunk); return 0; }
static int32_t on_stderr(void *ctx, la_str chunk) { log_chunk(&((run_output *)ctx)->err, chunk); return 0; }

/* The same three things set_error takes. `details_json` is what the host
 * would have given set_error ({"retryable":true} when trying again may help,
 * or empty): we keep its "retryable" to pass on with our wrapped message. */
static void on_error(void *ctx, la_status code, la_str message, la_str details_json) {
    run_output *o = ctx;
    size_t n = message.len < sizeof o->error - 1 ? (size_t)message.len : sizeof o->error - 1;
    if (n) memcpy(o->error, message.ptr, n);
    o->error[n] = '\0';
    o->error_code = code;
    o->retryable = 0;
    if (details_json.len) {
        cursor details = {details_json.ptr, details_json.ptr + details_json.len}, retryable;
        o->retryable = find_member(details, "retryable", &retryable) && is_true(retryable);
    }
}

static la_status echo_build(void *instance, const la_call_v1 *call, la_str request_json) {
    echo_builder *b = instance;
    cursor request = {request_json.ptr, request_json.ptr + request_json.len};
    char *image = NULL, *context_dir = NULL;
    la_status status = LA_OK;
    buffer process_request = {0}, result = {0};

    if (string_member(request, "image", &image) != 1 || string_member(request, "context_dir", &context_dir) != 1) {
        status = fail(call, LA_ERR_INVALID_ARGUMENT,
                      "the builder.build request needs the strings \"image\" and \"context_dir\"", NULL);
        goto done;
    }
    if (call->is_cancelled(call)) { status = fail(call, LA_ERR_CANCELLED, "the build was cancelled", NULL); goto done; }

    const la_process_v1 *process = process_service(b->host);
    if (!process) {
        status = fail(call, LA_ERR_UNSUPPORTED,
                      "this host does not offer the " LA_SERVICE_PROCESS " service that echo-c needs; upgrade the agent", NULL);
        goto done;
    }

    /* {"argv": ["echo", MESSAGE, IMAGE], "cwd": CONTEXT_DIR, "inherit_env": true} */
    buf_puts(&process_request, "{\"argv\":[\"echo\",");
    buf_json_string(&process_request, b->message);
    buf_puts(&process_request, ",");
    buf_json_string(&process_request, image);
    buf_puts(&process_request, "],\"cwd\":");
    buf_json_string(&process_request, context_dir);
    buf_puts(&process_request, ",\"inherit_env\":true}");
    if (process_request.failed) { status = fail(call, LA_ERR_INTERNAL, "echo-c: out of memory", NULL); goto done; }

    call->progress(call, 0.0, str("running echo"));
    run_output output = {{call, LA_LOG_INFO, {0}, 0}, {call, LA_LOG_WARNING, {0}, 0}, LA_OK, {0}, 0};
    la_process_sink_v1 sink = {sizeof sink, 0, &output, on_stdout, on_stderr, on_error};
    int32_t exit_status = 0;
    la_str no_stdin = {NULL, 0};
    la_str request_str = {process_request.data, process_request.len};
    status = process->run(b->host, call, request_str, no_stdin, &sink, &exit_status);
    if (output.out.len) flush_line(&output.out);
    if (output.err.len) flush_line(&output.err);
    if (status != LA_OK) {
        /* The service's reason came to on_error, not to `call`: wrap it and
         * report it ourselves, keeping the host's retryable verdict. */
        char text[600];
        snprintf(text, sizeof text, "running echo failed: %s",
                 output.error[0] ? output.error : "the process service gave no reason");
        status = fail(call, status, text, output.retryable ? "{\"retryable\":true}" : NULL);
        goto done;
    }
    if (exit_status != 0) {
        char text[128];
        snprintf(text, sizeof text, "echo exited with status %d; see the build log above", (int)exit_status);
        status = fail(call, LA_ERR_IO, text, NULL);
        goto done;
    }
    call->progress(call, 1.0, str("done"));

    /* {"image": IMAGE, "digest": null, "pushed": false} */
    buf_puts(&result, "{\"image\":");
    buf_json_string(&result, image);
    buf_puts(&result, ",\"digest\":null,\"pushed\":false}");
    if (result.failed) { status = fail(call, LA_ERR_INTERNAL, "echo-c: out of memory", NULL); goto done; }
    la_str result_str = {result.data, result.len};
    call->emit(call, result_str);

done:
    free(image);
    free(context_dir);
    free(process_request.data);
    free(result.data);
    return status;
}

/* ------------------------------------------------------------------------ */
/* The descriptor                                                           */
/* ------------------------------------------------------------------------ */

static const la_builder_v1 builder_interface = {
    sizeof(la_builder_v1), 0,
    echo_verify,
    echo_build,
};

static const void *echo_get_interface(void *instance, const char *interface_id) {
    (void)instance;
    return strcmp(interface_id, LA_IFACE_BUILDER) == 0 ? &builder_interface : NULL;
}

static const la_component_v1 echo_component = {
    sizeof(la_component_v1), 0,
    LA_KIND_BUILDER,
    COMPONENT_NAME,
    "example C builder: runs echo through the host's process service",
    NULL, /* uri_patterns: builders are chosen by name */
};

static const la_component_v1 *const components[] = {&echo_component};

static const la_plugin_v1 plugin = {
    sizeof(la_plugin_v1),
    LA_ABI_MAJOR,
    LA_ABI_MINOR,
    0, /* min_host_minor */
    "dev.launch-agent.examples.echo-c",
    "echo-c",
    "0.1.0",
    "launch-agent examples",
    1, 0,
    components,
    NULL, /* init: nothing to set up */
    echo_create,
    echo_destroy,
    echo_get_interface,
};

LA_EXPORT const la_plugin_v1 *launch_agent_plugin_entry_v1(void) { return &plugin; }
