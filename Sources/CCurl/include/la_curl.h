#ifndef LA_CURL_H
#define LA_CURL_H
/*
 * The host's only door to libcurl. libcurl (and the ~30 libraries it pulls
 * in: OpenSSL, nghttp2, libssh2, GSS-API, LDAP, ...) is loaded with dlopen on
 * the first HTTP request instead of at process start: most agent commands
 * never speak HTTP, and loading it eagerly cost ~9 ms and ~6 MiB per process
 * (docs/benchmarks.md). <curl/curl.h> is used for its types and constants only.
 *
 * Every function is safe to call from any thread; the first call of any of
 * them loads the library once.
 */
#include <curl/curl.h>

/* Loads libcurl (libcurl.so.4) and curl_global_init's it, once. Returns
 * CURLE_OK, or CURLE_FAILED_INIT with a reason from la_curl_load_error(). */
CURLcode la_curl_load(void);
/* Why la_curl_load failed (dlerror's text or the missing symbol); "" when it did not. */
const char *la_curl_load_error(void);

/* The libcurl functions the host uses, through the loaded library. Call only
 * after la_curl_load() returned CURLE_OK. */
CURL *la_curl_easy_init(void);
void la_curl_easy_cleanup(CURL *h);
void la_curl_easy_reset(CURL *h);
CURLcode la_curl_easy_perform(CURL *h);
const char *la_curl_easy_strerror(CURLcode code);
struct curl_slist *la_curl_slist_append(struct curl_slist *list, const char *line);
void la_curl_slist_free_all(struct curl_slist *list);

/* curl_easy_setopt/getinfo are variadic, which Swift cannot call; these typed
 * wrappers are the only way the host sets options. */
CURLcode la_curl_set_long(CURL *h, CURLoption o, long v);
CURLcode la_curl_set_ptr(CURL *h, CURLoption o, const void *v);
CURLcode la_curl_set_off(CURL *h, CURLoption o, curl_off_t v);
CURLcode la_curl_get_long(CURL *h, CURLINFO i, long *v);
/* A PEM blob (CA bundle, client certificate or key), copied by libcurl. */
CURLcode la_curl_set_blob(CURL *h, CURLoption o, const void *data, size_t len);

/* Typed callback setters for the host HTTP service (Services/HTTPClient.swift).
 * One wrapper per option, so a @convention(c) Swift function can only ever be
 * installed for the option whose signature it has (no bit-casting to void *). */
CURLcode la_curl_set_writefunction(CURL *h, curl_write_callback f);
CURLcode la_curl_set_headerfunction(CURL *h, curl_write_callback f);
CURLcode la_curl_set_readfunction(CURL *h, curl_read_callback f);
CURLcode la_curl_set_seekfunction(CURL *h, curl_seek_callback f);
CURLcode la_curl_set_xferinfofunction(CURL *h, curl_xferinfo_callback f);

#endif
