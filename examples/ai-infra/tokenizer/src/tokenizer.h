#ifndef TOKENIZER_H
#define TOKENIZER_H
#include <stddef.h>

size_t tokenize(const char *text, int *out, size_t cap);
size_t detokenize(const int *ids, size_t n, char *out, size_t cap);
#endif
