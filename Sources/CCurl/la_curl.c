#define _GNU_SOURCE
#include "la_curl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode loaded = CURLE_FAILED_INIT;
static char load_error[512];

#define RESOLVE(field, name) \
    do { \
        *(void **)(&fn.field) = dlsym(lib, name); \
        if (!fn.field) { snprintf(load_error, sizeof load_error, "%s has no %s", soname, name); return; } \
    } while (0)

static void load(void) {
    /* The ABI-stable soname of libcurl 7 and 8; what libcurl4-openssl-dev links. */
    const char *soname = "libcurl.so.4";
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!lib) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error, "%s (install libcurl4 or libcurl4-openssl-dev)", why ? why : soname);
        return;
    }
    RESOLVE(global_init, "curl_global_init");
    RESOLVE(easy_init, "curl_easy_init");
    RESOLVE(easy_cleanup, "curl_easy_cleanup");
    RESOLVE(easy_reset, "curl_easy_reset");
    RESOLVE(easy_perform, "curl_easy_perform");
    RESOLVE(easy_strerror, "curl_easy_strerror");
    RESOLVE(easy_setopt, "curl_easy_setopt");
    RESOLVE(easy_getinfo, "curl_easy_getinfo");
    RESOLVE(slist_append, "curl_slist_append");
    RESOLVE(slist_free_all, "curl_slist_free_all");
    loaded = fn.global_init(CURL_GLOBAL_DEFAULT);
    if (loaded != CURLE_OK) snprintf(load_error, sizeof load_error, "curl_global_init failed (%d)", (int)loaded);
}

CURLcode la_curl_load(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *la_curl_load_error(void) {
    la_curl_load();
    return load_error;
}

CURL *la_curl_easy_init(void) { return la_curl_load() == CURLE_OK ? fn.easy_init() : NULL; }
void la_curl_easy_cleanup(CURL *h) { if (h && la_curl_load() == CURLE_OK) fn.easy_cleanup(h); }
void la_curl_easy_reset(CURL *h) { if (h && la_curl_load() == CURLE_OK) fn.easy_reset(h); }
CURLcode la_curl_easy_perform(CURL *h) { return la_curl_load() == CURLE_OK ? fn.easy_perform(h) : CURLE_FAILED_INIT; }
const char *la_curl_easy_strerror(CURLcode code) {
    return la_curl_load() == CURLE_OK ? fn.easy_strerror(code) : "libcurl could not be loaded";
}
struct curl_slist *la_curl_slist_append(struct curl_slist *list, const char *line) {
    return la_curl_load() == CURLE_OK ? fn.slist_append(list, line) : NULL;
}
void la_curl_slist_free_all(struct curl_slist *list) { if (list && la_curl_load() == CURLE_OK) fn.slist_free_all(list); }

#define SETOPT(h, o, v) (la_curl_load() == CURLE_OK ? fn.easy_setopt((h), (o), (v)) : CURLE_FAILED_INIT)
CURLcode la_curl_set_long(CURL *h, CURLoption o, long v) { return SETOPT(h, o, v); }
CURLcode la_curl_set_ptr(CURL *h, CURLoption o, const void *v) { return SETOPT(h, o, v); }
CURLcode la_curl_set_off(CURL *h, CURLoption o, curl_off_t v) { return SETOPT(h, o, v); }
CURLcode la_curl_get_long(CURL *h, CURLINFO i, long *v) {
    return la_curl_load() == CURLE_OK ? fn.easy_getinfo(h, i, v) : CURLE_FAILED_INIT;
}
CURLcode la_curl_set_blob(CURL *h, CURLoption o, const void *data, size_t len) {
    struct curl_blob blob = { (void *)data, len, CURL_BLOB_COPY };
    return SETOPT(h, o, &blob);
}
CURLcode la_curl_set_writefunction(CURL *h, curl_write_callback f) { return SETOPT(h, CURLOPT_WRITEFUNCTION, f); }
CURLcode la_curl_set_headerfunction(CURL *h, curl_write_callback f) { return SETOPT(h, CURLOPT_HEADERFUNCTION, f); }
CURLcode la_curl_set_readfunction(CURL *h, curl_read_callback f) { return SETOPT(h, CURLOPT_READFUNCTION, f); }
CURLcode la_curl_set_seekfunction(CURL *h, curl_seek_callback f) { return SETOPT(h, CURLOPT_SEEKFUNCTION, f); }
CURLcode la_curl_set_xferinfofunction(CURL *h, curl_xferinfo_callback f) { return SETOPT(h, CURLOPT_XFERINFOFUNCTION, f); }
