/* A greedy longest-match tokenizer over a fixed vocabulary, with byte fallback: the shape of the
 * serving path's pre-processing, small enough to test under emulation at build time. */
#include "tokenizer.h"

#include <string.h>

static const char *const VOCAB[] = {
    "the", "ing", "tion", " a", " the", " in", "er", "ed", "es", "on", "model", "token",
    " model", " token", "infer", "ence", " infer", "re", "an", "at", "st", "en", " to", " of",
};
enum { VOCAB_SIZE = sizeof VOCAB / sizeof VOCAB[0], BYTE_BASE = 1000 };

size_t tokenize(const char *text, int *out, size_t cap) {
    size_t n = 0;
    while (*text && n < cap) {
        int best = -1;
        size_t best_len = 0;
        for (int v = 0; v < VOCAB_SIZE; v++) {
            size_t len = strlen(VOCAB[v]);
            if (len > best_len && strncmp(text, VOCAB[v], len) == 0) {
                best = v;
                best_len = len;
            }
        }
        if (best < 0) {
            out[n++] = BYTE_BASE + (unsigned char)*text;
            text++;
        } else {
            out[n++] = best;
            text += best_len;
        }
    }
    return n;
}

size_t detokenize(const int *ids, size_t n, char *out, size_t cap) {
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *piece;
        char byte[2] = {0, 0};
        if (ids[i] >= BYTE_BASE) {
            byte[0] = (char)(ids[i] - BYTE_BASE);
            piece = byte;
        } else {
            piece = VOCAB[ids[i]];
        }
        size_t plen = strlen(piece);
        if (len + plen + 1 > cap)
            break;
        memcpy(out + len, piece, plen);
        len += plen;
    }
    out[len] = '\0';
    return len;
}
