#include <curl/curl.h>

/* curl_easy_setopt is variadic, which Swift cannot call; these typed
 * wrappers are the only way the host sets options. */
static inline CURLcode la_curl_set_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode la_curl_set_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode la_curl_set_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
/* A PEM blob (CA bundle, client certificate or key), copied by libcurl. */
static inline CURLcode la_curl_set_blob(CURL *h, CURLoption o, const void *data, size_t len) {
    struct curl_blob blob = { (void *)data, len, CURL_BLOB_COPY };
    return curl_easy_setopt(h, o, &blob);
}
static inline CURLcode la_curl_get_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }

/* Typed callback setters for the host HTTP service (Services/HTTPClient.swift).
 * One wrapper per option, so a @convention(c) Swift function can only ever be
 * installed for the option whose signature it has (no bit-casting to void *). */
static inline CURLcode la_curl_set_writefunction(CURL *h, curl_write_callback f) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f); }
static inline CURLcode la_curl_set_headerfunction(CURL *h, curl_write_callback f) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, f); }
static inline CURLcode la_curl_set_readfunction(CURL *h, curl_read_callback f) { return curl_easy_setopt(h, CURLOPT_READFUNCTION, f); }
static inline CURLcode la_curl_set_seekfunction(CURL *h, curl_seek_callback f) { return curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, f); }
static inline CURLcode la_curl_set_xferinfofunction(CURL *h, curl_xferinfo_callback f) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, f); }
/* CURL_GLOBAL_DEFAULT is a macro expression Swift does not import. */
static inline CURLcode la_curl_global_init_default(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }
