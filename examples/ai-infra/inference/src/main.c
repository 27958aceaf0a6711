/* A two-layer quantized classifier with deterministic weights: the serving binary's shape, small
 * enough to run at build time as a self-test under emulation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>

#include "tensor.h"
#include "weights.h"

#ifndef MODEL_VERSION
#define MODEL_VERSION "dev"
#endif

#if defined(__aarch64__)
#define BUILT_FOR "aarch64"
#elif defined(__x86_64__)
#define BUILT_FOR "x86_64"
#else
#define BUILT_FOR "other"
#endif

enum { IN = 512, HIDDEN = 256, OUT = 10 };

static int classify(int rounds, int *label, float *confidence, unsigned long *packed) {
    struct qmatrix stored, l1, l2;
    if (qmatrix_init(&stored, HIDDEN, IN, 42) || qmatrix_init(&l2, OUT, HIDDEN, 7))
        return -1;
    if (weights_round_trip(&stored, &l1, packed) != 0)
        return -1;
    qmatrix_free(&stored);
    float x[IN], h[HIDDEN], y[OUT];
    for (int i = 0; i < IN; i++)
        x[i] = (float)((i * 37) % 101) / 101.0f;
    for (int r = 0; r < rounds; r++) {
        qmatvec(&l1, x, h);
        relu(h, HIDDEN);
        qmatvec(&l2, h, y);
        softmax(y, OUT);
    }
    *label = 0;
    for (int i = 1; i < OUT; i++)
        if (y[i] > y[*label])
            *label = i;
    *confidence = y[*label];
    qmatrix_free(&l1);
    qmatrix_free(&l2);
    return 0;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 && strcmp(argv[1], "--bench") == 0 ? 2000 : 50;
    int label;
    float confidence;
    unsigned long packed;
    if (classify(rounds, &label, &confidence, &packed) != 0) {
        fprintf(stderr, "inference: cannot load the model weights\n");
        return 1;
    }
    struct utsname u;
    uname(&u);
    printf("inference %s uname=%s built-for=%s label=%d confidence=%.3f rounds=%d zlib=%s packed=%lu\n",
           MODEL_VERSION, u.machine, BUILT_FOR, label, confidence, rounds, zlibVersion(), packed);
    return strcmp(u.machine, BUILT_FOR) == 0 ? 0 : 2;
}
