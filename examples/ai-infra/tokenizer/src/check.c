/* Round-trip and known-split checks, run by `make check` in the image build. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "tokenizer.h"

static void round_trip(const char *text) {
    int ids[512];
    char back[2048];
    size_t n = tokenize(text, ids, 512);
    detokenize(ids, n, back, sizeof back);
    if (strcmp(back, text) != 0) {
        fprintf(stderr, "round trip failed: '%s' -> '%s'\n", text, back);
        assert(0);
    }
}

int main(void) {
    int ids[16];
    assert(tokenize("the", ids, 16) == 1);
    assert(tokenize(" the model", ids, 16) == 2);
    assert(tokenize("zzz", ids, 16) == 3);
    round_trip("");
    round_trip("inference on the edge, token by token");
    round_trip("bytes \x01\x7f and UTF-8 \xc3\xa9 fall back to byte ids");
    puts("tokenizer: all checks passed");
    return 0;
}
