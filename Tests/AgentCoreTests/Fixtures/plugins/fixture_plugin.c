/*
 * One fixture plugin, many misbehaviours: the loader tests compile this file
 * with -DFIXTURE_<NAME> against the FROZEN ABI 1.0 header
 * (Fixtures/abi-1.0/launch_agent_plugin.h) and check how the host reacts.
 *
 *   FIXTURE_GOOD            a well-behaved builder "fixture" (id dev.test.fixture)
 *   FIXTURE_GOOD_TWIN       same component, another id (duplicate component)
 *   FIXTURE_V2_ONLY         exports only launch_agent_plugin_entry_v2
 *   FIXTURE_MAJOR_LIES      v1 entry, descriptor says ABI 2.0
 *   FIXTURE_NEEDS_NEWER     min_host_minor = 7
 *   FIXTURE_SMALL           struct_size 40
 *   FIXTURE_INIT_FAILS      init() reports an error
 *   FIXTURE_INIT_HANGS      init() never returns
 *   FIXTURE_UNRESOLVED      needs a symbol no library defines
 *   FIXTURE_GARBAGE         build emits non-JSON; verify returns status 42
 *   FIXTURE_NO_ENTRY        a plain library, no entry point
 */
#define _GNU_SOURCE
#include "launch_agent_plugin.h"
#include <string.h>
#include <unistd.h>

#define STR(s) ((la_str){ (s), sizeof(s) - 1 })

static void emit_cstr(const la_call_v1 *call, const char *s) { call->emit(call, (la_str){ s, strlen(s) }); }

/* ---- builder interface -------------------------------------------------- */

static la_status op_verify(void *inst, const la_call_v1 *call, la_str req) {
    (void)inst; (void)req;
#ifdef FIXTURE_GARBAGE
    (void)call;
    return 42; /* not an la_status: the host must map it to LA_ERR_INTERNAL */
#else
    emit_cstr(call, "{\"checks\":[{\"name\":\"fixture\",\"ok\":true,\"detail\":\"ready\"}]}");
    return LA_OK;
#endif
}

static la_status op_build(void *inst, const la_call_v1 *call, la_str req) {
    (void)inst;
#ifdef FIXTURE_GARBAGE
    (void)req;
    emit_cstr(call, "this is not JSON");
#else
    /* Echo the request back inside the result, in two chunks. */
    emit_cstr(call, "{\"echo\":");
    call->emit(call, req);
    emit_cstr(call, ",\"pushed\":false}");
    call->log(call, LA_LOG_INFO, STR("fixture build ran"));
#endif
    return LA_OK;
}

static const la_builder_v1 builder_iface = {
    sizeof(la_builder_v1), 0, op_verify, op_build,
};

/* ---- instances ----------------------------------------------------------- */

static int instance_token;

static la_status create(const la_host_v1 *host, uint32_t index, la_str config, const la_call_v1 *call, void **out) {
    (void)host;
    if (index != 0) {
        call->set_error(call, LA_ERR_INVALID_ARGUMENT, STR("no such component"), STR(""));
        return LA_ERR_INVALID_ARGUMENT;
    }
    /* A config with "flavour" in it is refused, pointing at the key. */
    if (config.len > 0 && memmem(config.ptr, config.len, "\"flavour\"", 9) != NULL) {
        call->set_error(call, LA_ERR_CONFIG, STR("unknown key 'flavour'; did you mean 'flavor'?"),
                        STR("{\"pointer\":\"/config/flavour\"}"));
        return LA_ERR_CONFIG;
    }
    *out = &instance_token;
    return LA_OK;
}

static void destroy(void *inst) { (void)inst; }

static const void *get_interface(void *inst, const char *id) {
    (void)inst;
    if (strcmp(id, LA_IFACE_BUILDER) == 0) return &builder_iface;
    return NULL;
}

#if defined(FIXTURE_INIT_FAILS) || defined(FIXTURE_INIT_HANGS)
static la_status init(const la_host_v1 *host, const la_call_v1 *call) {
    (void)host;
#ifdef FIXTURE_INIT_HANGS
    (void)call;
    for (;;) pause();
    return LA_ERR_INTERNAL;
#else
    call->set_error(call, LA_ERR_CONFIG, STR("license file /etc/fixture/license is missing"), STR(""));
    return LA_ERR_CONFIG;
#endif
}
#else
#define init NULL
#endif

#ifdef FIXTURE_UNRESOLVED
extern int la_fixture_symbol_that_no_library_defines(void);
int la_fixture_force_reference(void) { return la_fixture_symbol_that_no_library_defines(); }
#endif

/* ---- descriptor ---------------------------------------------------------- */

static const la_component_v1 component = {
    sizeof(la_component_v1), 0, LA_KIND_BUILDER, "fixture", "test fixture builder", NULL,
};
static const la_component_v1 *const components[] = { &component };

#ifdef FIXTURE_GOOD_TWIN
#define FIXTURE_ID "dev.test.fixture-twin"
#else
#define FIXTURE_ID "dev.test.fixture"
#endif

static const la_plugin_v1 descriptor = {
#ifdef FIXTURE_SMALL
    40,
#else
    sizeof(la_plugin_v1),
#endif
#ifdef FIXTURE_MAJOR_LIES
    2, 0,
#else
    LA_ABI_MAJOR, LA_ABI_MINOR,
#endif
#ifdef FIXTURE_NEEDS_NEWER
    7,
#else
    0,
#endif
    FIXTURE_ID, "fixture", "1.2.3", "launch-agent tests",
    1, 0, components,
    init, create, destroy, get_interface,
};

#if defined(FIXTURE_V2_ONLY)
LA_EXPORT const la_plugin_v1 *launch_agent_plugin_entry_v2(void) { return &descriptor; }
#elif !defined(FIXTURE_NO_ENTRY)
LA_EXPORT const la_plugin_v1 *launch_agent_plugin_entry_v1(void) { return &descriptor; }
#else
LA_EXPORT int not_a_plugin(void) { return (int)descriptor.struct_size; }
#endif
