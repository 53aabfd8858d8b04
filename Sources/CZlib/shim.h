#include <zlib.h>

/* deflateInit2 is a macro (it passes the version and struct size), which
 * Swift does not import. */
static inline int la_deflate_init_gzip(z_stream *s, int level) {
    /* 15 window bits + 16: a gzip wrapper. Its header is written with mtime 0,
     * no file name and OS "unknown" unless deflateSetHeader is called, so the
     * output depends only on the input, the level and zlib's version. */
    return deflateInit2(s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
