/*
 * A plugin whose components the host chooses by URI, for the pipeline tests
 * of registry credentials, context uploads and environment hints. Built
 * against the FROZEN ABI 1.0 header, like fixture_plugin.c.
 *
 *   registry "fixreg"        serves 127.0.0.1:* and localhost:*; credentials
 *                            come from $FIXREG_USER / $FIXREG_PASSWORD; each
 *                            credentials call appends a line to $FIXREG_CALLS.
 *                            create refuses a destination containing "refuse-me"
 *                            (pointer /settings/destination).
 *   context-store "fixstore" serves the fix scheme (fix://BUCKET); keeps objects as files under
 *                            $FIXSTORE_ROOT/<bucket>/<hex>.tar.gz; each upload
 *                            appends a line to $FIXSTORE_ROOT/uploads. While the
 *                            file $FIXSTORE_FLAKY holds N > 0, exists fails
 *                            retryably (503) and N goes down by one.
 *   environment "fixenv"     hints {"env":{"FIX_REGION":"r-1"},"labels":{"fix/use":"true"}};
 *                            policy echoes the request's components.
 *   builder "fixbuild"       writes each build request to $FIXBUILD_REQUESTS
 *                            (one JSON per line) and reports nothing pushed.
 *
 * The JSON handling is the least a fixture needs (string members without
 * escapes); real plugins parse JSON properly.
 */
#define _GNU_SOURCE
#include "launch_agent_plugin.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STR(s) ((la_str){ (s), sizeof(s) - 1 })

static la_str cstr(const char *s) { return (la_str){ s, strlen(s) }; }
static void emit_cstr(const la_call_v1 *call, const char *s) { call->emit(call, cstr(s)); }

static la_status fail(const la_call_v1 *call, la_status code, const char *message, const char *details) {
    call->set_error(call, code, cstr(message), cstr(details));
    return code;
}

/* Copies the string member `key` of `json` into out; 0 when absent. */
static int get_string(la_str json, const char *key, char *out, size_t cap) {
    char needle[64];
    snprintf(needle, sizeof needle, "\"%s\":\"", key);
    const char *p = memmem(json.ptr, json.len, needle, strlen(needle));
    if (!p) return 0;
    p += strlen(needle);
    const char *end = memchr(p, '"', (size_t)(json.ptr + json.len - p));
    if (!end || (size_t)(end - p) >= cap) return 0;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = 0;
    return 1;
}

static void append_line(const char *path, const char *ptr, size_t len) {
    if (!path) return;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return;
    if (write(fd, ptr, len) < 0 || write(fd, "\n", 1) < 0) { /* best effort */ }
    close(fd);
}

static la_status no_checks(void *inst, const la_call_v1 *call, la_str req) {
    (void)inst; (void)req;
    emit_cstr(call, "{\"checks\":[{\"name\":\"fixture\",\"ok\":true,\"detail\":\"ready\"}]}");
    return LA_OK;
}

/* ---- registry "fixreg" ---------------------------------------------------- */

static la_status reg_resolve(void *inst, const la_call_v1 *call, la_str req) {
    (void)inst; (void)req;
    return fail(call, LA_ERR_UNSUPPORTED, "resolve is not part of this fixture", "");
}

static la_status reg_credentials(void *inst, const la_call_v1 *call, la_str req) {
    (void)inst; (void)req;
    const char *user = getenv("FIXREG_USER"), *password = getenv("FIXREG_PASSWORD");
    if (!user || !password) return fail(call, LA_ERR_AUTH, "FIXREG_USER and FIXREG_PASSWORD are not set", "");
    append_line(getenv("FIXREG_CALLS"), "credentials", 11);
    char expires[32];
    time_t later = time(NULL) + 3600;
    strftime(expires, sizeof expires, "%Y-%m-%dT%H:%M:%SZ", gmtime(&later));
    char out[1024];
    snprintf(out, sizeof out, "{\"server\":\"fixture\",\"username\":\"%s\",\"password\":\"%s\",\"expires_at\":\"%s\"}",
             user, password, expires);
    emit_cstr(call, out);
    return LA_OK;
}

static const la_registry_v1 registry_iface = { sizeof(la_registry_v1), 0, no_checks, reg_resolve, reg_credentials };

/* ---- context-store "fixstore" ------------------------------------------- */

/* $FIXSTORE_ROOT/<bucket>/<hex>.tar.gz and fix://<bucket>/<hex>.tar.gz for the request's digest. */
static int object_paths(la_str req, char *file, char *uri, size_t cap, const char **why) {
    const char *root = getenv("FIXSTORE_ROOT");
    char digest[128];
    if (!root) { *why = "FIXSTORE_ROOT is not set"; return 0; }
    if (!get_string(req, "digest", digest, sizeof digest) || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71) {
        *why = "the request has no digest sha256:<64 hex>";
        return 0;
    }
    snprintf(file, cap, "%s/bucket/%s.tar.gz", root, digest + 7);
    snprintf(uri, cap, "fix://bucket/%s.tar.gz", digest + 7);
    return 1;
}

/* While the file $FIXSTORE_FLAKY holds a number above 0, decrements it and returns 1. */
static int flaky(void) {
    const char *path = getenv("FIXSTORE_FLAKY");
    FILE *f = path ? fopen(path, "r+") : NULL;
    if (!f) return 0;
    int n = 0;
    if (fscanf(f, "%d", &n) != 1) n = 0;
    if (n > 0) { rewind(f); fprintf(f, "%d\n", n - 1); }
    fclose(f);
    return n > 0;
}

static la_status store_exists(void *inst, const la_call_v1 *call, la_str req) {
    (void)inst;
    char file[1024], uri[1024], out[1200];
    const char *why = NULL;
    if (flaky()) return fail(call, LA_ERR_IO, "the store answered 503 SlowDown", "{\"retryable\":true}");
    if (!object_paths(req, file, uri, sizeof file, &why)) return fail(call, LA_ERR_INVALID_ARGUMENT, why, "");
    struct stat st;
    if (stat(file, &st) == 0) snprintf(out, sizeof out, "{\"exists\":true,\"uri\":\"%s\"}", uri);
    else snprintf(out, sizeof out, "{\"exists\":false,\"uri\":null}");
    emit_cstr(call, out);
    return LA_OK;
}

static la_status store_upload(void *inst, const la_call_v1 *call, la_str req) {
    (void)inst;
    char file[1024], uri[1024], path[1024], tmp[1100], out[1200];
    const char *why = NULL;
    if (!object_paths(req, file, uri, sizeof file, &why)) return fail(call, LA_ERR_INVALID_ARGUMENT, why, "");
    if (!get_string(req, "path", path, sizeof path)) return fail(call, LA_ERR_INVALID_ARGUMENT, "the request has no path", "");
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/bucket", getenv("FIXSTORE_ROOT"));
    mkdir(dir, 0700);
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0) return fail(call, LA_ERR_IO, "cannot read the context file", "");
    snprintf(tmp, sizeof tmp, "%s.partial", file);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) { close(in); return fail(call, LA_ERR_IO, "cannot write the object", "{\"retryable\":false}"); }
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if (write(fd, buf, (size_t)n) != n) { n = -1; break; }
    }
    close(in);
    close(fd);
    if (n < 0 || rename(tmp, file) != 0) { unlink(tmp); return fail(call, LA_ERR_IO, "copying the context failed", ""); }
    call->progress(call, 1.0, STR("stored"));
    char uploads[1100];
    snprintf(uploads, sizeof uploads, "%s/uploads", getenv("FIXSTORE_ROOT"));
    append_line(uploads, uri, strlen(uri));
    snprintf(out, sizeof out, "{\"uri\":\"%s\"}", uri);
    emit_cstr(call, out);
    return LA_OK;
}

static const la_context_store_v1 store_iface = { sizeof(la_context_store_v1), 0, no_checks, store_exists, store_upload };

/* ---- environment "fixenv" ----------------------------------------------- */

static la_status env_policy(void *inst, const la_call_v1 *call, la_str req) {
    (void)inst;
    emit_cstr(call, "{\"documents\":[{\"name\":\"fixture\",\"format\":\"fixture-echo\",\"notes\":\"the request, echoed\",\"document\":");
    call->emit(call, req.len ? req : STR("{}"));
    emit_cstr(call, "}]}");
    return LA_OK;
}

static la_status env_hints(void *inst, const la_call_v1 *call, la_str req) {
    (void)inst; (void)req;
    emit_cstr(call, "{\"env\":{\"FIX_REGION\":\"r-1\"},\"labels\":{\"fix/use\":\"true\"}}");
    return LA_OK;
}

static const la_environment_v1 environment_iface = { sizeof(la_environment_v1), 0, no_checks, env_policy, env_hints };

/* ---- builder "fixbuild" ------------------------------------------------- */

static la_status build(void *inst, const la_call_v1 *call, la_str req) {
    (void)inst;
    append_line(getenv("FIXBUILD_REQUESTS"), req.ptr, req.len);
    char image[1024], out[1200];
    if (!get_string(req, "image", image, sizeof image)) return fail(call, LA_ERR_INVALID_ARGUMENT, "the request has no image", "");
    snprintf(out, sizeof out, "{\"image\":\"%s\",\"digest\":null,\"pushed\":false}", image);
    emit_cstr(call, out);
    return LA_OK;
}

static const la_builder_v1 builder_iface = { sizeof(la_builder_v1), 0, no_checks, build };

/* ---- instances and descriptor ------------------------------------------- */

static const void *interfaces[4] = { &registry_iface, &store_iface, &environment_iface, &builder_iface };
static const char *const interface_ids[4] = { LA_IFACE_REGISTRY, LA_IFACE_CONTEXT_STORE, LA_IFACE_ENVIRONMENT, LA_IFACE_BUILDER };
static uint32_t instance_index[4] = { 0, 1, 2, 3 };

static la_status create(const la_host_v1 *host, uint32_t index, la_str config, const la_call_v1 *call, void **out) {
    (void)host;
    if (index > 3) return fail(call, LA_ERR_INVALID_ARGUMENT, "no such component", "");
    if (index == 0 && memmem(config.ptr, config.len, "refuse-me", 9) != NULL)
        return fail(call, LA_ERR_CONFIG, "this registry refuses repositories named refuse-me", "{\"pointer\":\"/settings/destination\"}");
    *out = &instance_index[index];
    return LA_OK;
}

static void destroy(void *inst) { (void)inst; }

static const void *get_interface(void *inst, const char *id) {
    uint32_t i = *(const uint32_t *)inst;
    return strcmp(id, interface_ids[i]) == 0 ? interfaces[i] : NULL;
}

static const la_component_v1 registry_component = {
    sizeof(la_component_v1), 0, LA_KIND_REGISTRY, "fixreg", "fixture registry", "127.0.0.1:*\nlocalhost:*",
};
static const la_component_v1 store_component = {
    sizeof(la_component_v1), 0, LA_KIND_CONTEXT_STORE, "fixstore", "fixture context store", "fix://*",
};
static const la_component_v1 environment_component = {
    sizeof(la_component_v1), 0, LA_KIND_ENVIRONMENT, "fixenv", "fixture environment", NULL,
};
static const la_component_v1 builder_component = {
    sizeof(la_component_v1), 0, LA_KIND_BUILDER, "fixbuild", "fixture builder that records requests", NULL,
};
static const la_component_v1 *const components[] = {
    &registry_component, &store_component, &environment_component, &builder_component,
};

static const la_plugin_v1 descriptor = {
    sizeof(la_plugin_v1), LA_ABI_MAJOR, LA_ABI_MINOR, 0,
    "dev.test.route-fixture", "route-fixture", "0.0.1", "launch-agent tests",
    4, 0, components,
    NULL, create, destroy, get_interface,
};

LA_EXPORT const la_plugin_v1 *launch_agent_plugin_entry_v1(void) { return &descriptor; }
