#ifndef TENSOR_H
#define TENSOR_H
#include <stddef.h>
#include <stdint.h>

/* A row-major matrix of int8 weights with one float scale per row (symmetric quantization). */
struct qmatrix {
    size_t rows, cols;
    int8_t *w;
    float *scale;
};

int qmatrix_init(struct qmatrix *m, size_t rows, size_t cols, uint64_t seed);
void qmatrix_free(struct qmatrix *m);
void qmatvec(const struct qmatrix *m, const float *x, float *y);
void relu(float *v, size_t n);
void softmax(float *v, size_t n);
#endif
