#ifndef WEIGHTS_H
#define WEIGHTS_H
#include "tensor.h"

/* Weights travel compressed (as they would from a model store): packs a layer with zlib, unpacks
 * it into a fresh matrix, and checks the CRC. Returns 0 on success. */
int weights_round_trip(const struct qmatrix *m, struct qmatrix *out, unsigned long *packed_bytes);
#endif
