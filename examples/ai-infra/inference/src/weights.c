#include "weights.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int weights_round_trip(const struct qmatrix *m, struct qmatrix *out, unsigned long *packed_bytes) {
    uLong raw = (uLong)(m->rows * m->cols);
    uLongf packed_len = compressBound(raw);
    Bytef *packed = malloc(packed_len);
    if (!packed)
        return -1;
    if (compress2(packed, &packed_len, (const Bytef *)m->w, raw, Z_BEST_COMPRESSION) != Z_OK) {
        free(packed);
        return -1;
    }
    uLong crc = crc32(0L, (const Bytef *)m->w, raw);
    out->rows = m->rows;
    out->cols = m->cols;
    out->w = malloc(raw);
    out->scale = malloc(m->rows * sizeof(float));
    uLongf unpacked_len = raw;
    int ok = out->w && out->scale &&
             uncompress((Bytef *)out->w, &unpacked_len, packed, packed_len) == Z_OK &&
             unpacked_len == raw && crc32(0L, (const Bytef *)out->w, raw) == crc;
    if (ok)
        memcpy(out->scale, m->scale, m->rows * sizeof(float));
    free(packed);
    *packed_bytes = packed_len;
    return ok ? 0 : -1;
}
