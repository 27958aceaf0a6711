#include "tensor.h"

#include <math.h>
#include <stdlib.h>

static uint64_t xorshift(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

int qmatrix_init(struct qmatrix *m, size_t rows, size_t cols, uint64_t seed) {
    m->rows = rows;
    m->cols = cols;
    m->w = malloc(rows * cols);
    m->scale = malloc(rows * sizeof(float));
    if (!m->w || !m->scale) {
        qmatrix_free(m);
        return -1;
    }
    uint64_t s = seed ? seed : 0x9e3779b97f4a7c15ull;
    for (size_t r = 0; r < rows; r++) {
        m->scale[r] = 1.0f / (64.0f * (float)(1 + r % 7));
        for (size_t c = 0; c < cols; c++)
            m->w[r * cols + c] = (int8_t)(xorshift(&s) % 255 - 127);
    }
    return 0;
}

void qmatrix_free(struct qmatrix *m) {
    free(m->w);
    free(m->scale);
    m->w = NULL;
    m->scale = NULL;
}

void qmatvec(const struct qmatrix *m, const float *x, float *y) {
    for (size_t r = 0; r < m->rows; r++) {
        const int8_t *row = m->w + r * m->cols;
        float acc = 0.0f;
        for (size_t c = 0; c < m->cols; c++)
            acc += (float)row[c] * x[c];
        y[r] = acc * m->scale[r];
    }
}

void relu(float *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (v[i] < 0.0f)
            v[i] = 0.0f;
}

void softmax(float *v, size_t n) {
    float max = v[0], sum = 0.0f;
    for (size_t i = 1; i < n; i++)
        if (v[i] > max)
            max = v[i];
    for (size_t i = 0; i < n; i++)
        sum += v[i] = expf(v[i] - max);
    for (size_t i = 0; i < n; i++)
        v[i] /= sum;
}
