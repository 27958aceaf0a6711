#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "tokenizer.h"

#ifndef TOKENIZER_VERSION
#define TOKENIZER_VERSION "dev"
#endif

int main(int argc, char **argv) {
    const char *text = argc > 1 ? argv[1] : "the model is tokenizing the inference request";
    int ids[256];
    char back[1024];
    size_t n = tokenize(text, ids, 256);
    detokenize(ids, n, back, sizeof back);
    struct utsname u;
    uname(&u);
    printf("tokenizer %s uname=%s tokens=%zu bytes=%zu\n", TOKENIZER_VERSION, u.machine, n, strlen(text));
    return strcmp(back, text) == 0 ? 0 : 1;
}
