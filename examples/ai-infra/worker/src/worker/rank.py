"""Re-ranking of retrieved passages by cosine similarity, batched with numpy."""

import zlib

import numpy as np


def embed(texts, dim=64):
    """A stand-in embedding: hashed character trigrams, L2-normalised."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        padded = f"  {text.lower()}  "
        for i in range(len(padded) - 2):
            out[row, zlib.crc32(padded[i : i + 3].encode()) % dim] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-9)


def rank(query, passages):
    scores = embed(passages) @ embed([query])[0]
    order = np.argsort(-scores, kind="stable")
    return [(passages[i], float(scores[i])) for i in order]
