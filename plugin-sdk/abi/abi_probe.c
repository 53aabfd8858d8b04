/*
 * ABI 1.0 layout goldens. Fields of ABI structs are append-only: each offset
 * below is frozen forever, and each struct may only grow. If a change to
 * launch_agent_plugin.h breaks the build here, the change broke every plugin
 * already built; append the field at the end instead (and bump LA_ABI_MINOR).
 * Valid for LP64 targets (x86_64, aarch64 Linux).
 */
#include "launch_agent_plugin.h"

#define LA_GOLDEN_OFFSET(T, f, off) _Static_assert(offsetof(T, f) == (off), #T "." #f " moved: ABI fields are append-only")
#define LA_GOLDEN_MIN_SIZE(T, size) _Static_assert(sizeof(T) >= (size), #T " shrank: ABI structs only grow")
/* A function pointer keeps its offset when its parameters change; this catches that. */
#define LA_GOLDEN_TYPE(T, f, type) _Static_assert(_Generic(((T *)0)->f, type: 1, default: 0), #T "." #f " changed its signature")

LA_GOLDEN_OFFSET(la_str, ptr, 0);
LA_GOLDEN_OFFSET(la_str, len, 8);
LA_GOLDEN_MIN_SIZE(la_str, 16);

LA_GOLDEN_OFFSET(la_call_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_call_v1, reserved0, 4);
LA_GOLDEN_OFFSET(la_call_v1, host_data, 8);
LA_GOLDEN_OFFSET(la_call_v1, emit, 16);
LA_GOLDEN_OFFSET(la_call_v1, set_error, 24);
LA_GOLDEN_OFFSET(la_call_v1, is_cancelled, 32);
LA_GOLDEN_OFFSET(la_call_v1, progress, 40);
LA_GOLDEN_OFFSET(la_call_v1, log, 48);
LA_GOLDEN_MIN_SIZE(la_call_v1, 56);

LA_GOLDEN_OFFSET(la_host_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_host_v1, abi_major, 4);
LA_GOLDEN_OFFSET(la_host_v1, abi_minor, 8);
LA_GOLDEN_OFFSET(la_host_v1, reserved0, 12);
LA_GOLDEN_OFFSET(la_host_v1, host_name, 16);
LA_GOLDEN_OFFSET(la_host_v1, host_version, 24);
LA_GOLDEN_OFFSET(la_host_v1, host_data, 32);
LA_GOLDEN_OFFSET(la_host_v1, log, 40);
LA_GOLDEN_OFFSET(la_host_v1, get_service, 48);
LA_GOLDEN_MIN_SIZE(la_host_v1, 56);

LA_GOLDEN_OFFSET(la_http_sink_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_http_sink_v1, reserved0, 4);
LA_GOLDEN_OFFSET(la_http_sink_v1, ctx, 8);
LA_GOLDEN_OFFSET(la_http_sink_v1, on_head, 16);
LA_GOLDEN_OFFSET(la_http_sink_v1, on_body, 24);
LA_GOLDEN_OFFSET(la_http_sink_v1, on_error, 32);
LA_GOLDEN_TYPE(la_http_sink_v1, on_error, void (*)(void *, la_status, la_str, la_str));
LA_GOLDEN_MIN_SIZE(la_http_sink_v1, 40);

LA_GOLDEN_OFFSET(la_http_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_http_v1, reserved0, 4);
LA_GOLDEN_OFFSET(la_http_v1, request, 8);
LA_GOLDEN_MIN_SIZE(la_http_v1, 16);

LA_GOLDEN_OFFSET(la_process_sink_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_process_sink_v1, reserved0, 4);
LA_GOLDEN_OFFSET(la_process_sink_v1, ctx, 8);
LA_GOLDEN_OFFSET(la_process_sink_v1, on_stdout, 16);
LA_GOLDEN_OFFSET(la_process_sink_v1, on_stderr, 24);
LA_GOLDEN_OFFSET(la_process_sink_v1, on_error, 32);
LA_GOLDEN_TYPE(la_process_sink_v1, on_error, void (*)(void *, la_status, la_str, la_str));
LA_GOLDEN_MIN_SIZE(la_process_sink_v1, 40);

LA_GOLDEN_OFFSET(la_process_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_process_v1, reserved0, 4);
LA_GOLDEN_OFFSET(la_process_v1, run, 8);
LA_GOLDEN_MIN_SIZE(la_process_v1, 16);

LA_GOLDEN_OFFSET(la_secrets_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_secrets_v1, reserved0, 4);
LA_GOLDEN_OFFSET(la_secrets_v1, register_secret, 8);
LA_GOLDEN_MIN_SIZE(la_secrets_v1, 16);

LA_GOLDEN_OFFSET(la_component_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_component_v1, flags, 4);
LA_GOLDEN_OFFSET(la_component_v1, kind, 8);
LA_GOLDEN_OFFSET(la_component_v1, name, 16);
LA_GOLDEN_OFFSET(la_component_v1, description, 24);
LA_GOLDEN_OFFSET(la_component_v1, uri_patterns, 32);
LA_GOLDEN_MIN_SIZE(la_component_v1, 40);

LA_GOLDEN_OFFSET(la_plugin_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_plugin_v1, abi_major, 4);
LA_GOLDEN_OFFSET(la_plugin_v1, abi_minor, 8);
LA_GOLDEN_OFFSET(la_plugin_v1, min_host_minor, 12);
LA_GOLDEN_OFFSET(la_plugin_v1, id, 16);
LA_GOLDEN_OFFSET(la_plugin_v1, name, 24);
LA_GOLDEN_OFFSET(la_plugin_v1, version, 32);
LA_GOLDEN_OFFSET(la_plugin_v1, vendor, 40);
LA_GOLDEN_OFFSET(la_plugin_v1, component_count, 48);
LA_GOLDEN_OFFSET(la_plugin_v1, reserved0, 52);
LA_GOLDEN_OFFSET(la_plugin_v1, components, 56);
LA_GOLDEN_OFFSET(la_plugin_v1, init, 64);
LA_GOLDEN_OFFSET(la_plugin_v1, create, 72);
LA_GOLDEN_OFFSET(la_plugin_v1, destroy, 80);
LA_GOLDEN_OFFSET(la_plugin_v1, get_interface, 88);
LA_GOLDEN_MIN_SIZE(la_plugin_v1, 96);

LA_GOLDEN_OFFSET(la_builder_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_builder_v1, reserved0, 4);
LA_GOLDEN_OFFSET(la_builder_v1, verify, 8);
LA_GOLDEN_OFFSET(la_builder_v1, build, 16);
LA_GOLDEN_MIN_SIZE(la_builder_v1, 24);

LA_GOLDEN_OFFSET(la_environment_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_environment_v1, reserved0, 4);
LA_GOLDEN_OFFSET(la_environment_v1, verify, 8);
LA_GOLDEN_OFFSET(la_environment_v1, policy, 16);
LA_GOLDEN_OFFSET(la_environment_v1, hints, 24);
LA_GOLDEN_MIN_SIZE(la_environment_v1, 32);

LA_GOLDEN_OFFSET(la_registry_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_registry_v1, reserved0, 4);
LA_GOLDEN_OFFSET(la_registry_v1, verify, 8);
LA_GOLDEN_OFFSET(la_registry_v1, resolve, 16);
LA_GOLDEN_OFFSET(la_registry_v1, credentials, 24);
LA_GOLDEN_MIN_SIZE(la_registry_v1, 32);

LA_GOLDEN_OFFSET(la_context_store_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_context_store_v1, reserved0, 4);
LA_GOLDEN_OFFSET(la_context_store_v1, verify, 8);
LA_GOLDEN_OFFSET(la_context_store_v1, exists, 16);
LA_GOLDEN_OFFSET(la_context_store_v1, upload, 24);
LA_GOLDEN_MIN_SIZE(la_context_store_v1, 32);

LA_GOLDEN_OFFSET(la_runner_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_runner_v1, reserved0, 4);
LA_GOLDEN_OFFSET(la_runner_v1, verify, 8);
LA_GOLDEN_OFFSET(la_runner_v1, launch, 16);
LA_GOLDEN_OFFSET(la_runner_v1, watch, 24);
LA_GOLDEN_OFFSET(la_runner_v1, cancel, 32);
LA_GOLDEN_MIN_SIZE(la_runner_v1, 40);

LA_GOLDEN_OFFSET(la_queue_v1, struct_size, 0);
LA_GOLDEN_OFFSET(la_queue_v1, reserved0, 4);
LA_GOLDEN_OFFSET(la_queue_v1, pop, 8);
LA_GOLDEN_OFFSET(la_queue_v1, ack, 16);
LA_GOLDEN_OFFSET(la_queue_v1, fail, 24);
LA_GOLDEN_OFFSET(la_queue_v1, finish, 32);
LA_GOLDEN_MIN_SIZE(la_queue_v1, 40);

/* The host's own symbol so that this translation unit is never empty. */
uint32_t la_abi_probe_version(void) { return (LA_ABI_MAJOR << 16) | LA_ABI_MINOR; }
