// zlib (Debian zlib1g-dev) for BoundedZlib: inflate with a hard output bound (DMARC report
// attachments, docs/dmarc-reports.md). Only Sources/BoundedZlib imports CZlib.
#include <zlib.h>

// deflateInit2/inflateInit2 are macros in zlib.h; Swift sees functions only.
static inline int hato_inflate_init(z_stream *stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
static inline int hato_deflate_init(z_stream *stream, int level, int windowBits) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
