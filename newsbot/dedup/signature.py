"""MinHash signatures of article bodies (datasketch) and their LSH band keys."""

from __future__ import annotations

import hashlib
import re
import zlib

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param

_WORD = re.compile(r"\w+", re.UNICODE)
SCHEME = "affine32"
DTYPE = np.uint32


class Signer:
    """Turns a body into a MinHash over word shingles, and a MinHash into LSH band keys.

    The band layout (bands x rows) is datasketch's optimum for the threshold, so candidates
    found through any band are then confirmed by their estimated Jaccard similarity.
    """

    def __init__(self, threshold: float = 0.4, num_perm: int = 128, shingle_words: int = 3, seed: int = 1):
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"near-duplicate threshold must be between 0 and 1, got {threshold}")
        self.threshold, self.num_perm, self.shingle_words = threshold, num_perm, shingle_words
        self.permutations = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
        self.bands, self.rows = _optimal_param(threshold, num_perm, 0.5, 0.5)

    def shingles(self, body: str) -> list[bytes]:
        words = _WORD.findall(body.casefold())
        k = self.shingle_words
        if len(words) <= k:
            return [" ".join(words).encode("utf-8")] if words else [b""]
        return list({" ".join(words[i:i + k]).encode("utf-8") for i in range(len(words) - k + 1)})

    def sign(self, body: str) -> np.ndarray:
        # crc32 is stable across processes (str hash() is not) and fast; MinHash mixes it further.
        m = MinHash(num_perm=self.num_perm, hashfunc=zlib.crc32, permutations=self.permutations, scheme=SCHEME)
        m.update_batch(self.shingles(body))
        return m.hashvalues.astype(DTYPE, copy=False)

    def band_keys(self, signature: np.ndarray) -> list[int]:
        """One signed 63-bit key per band (band index included), to store and look up."""
        keys = []
        for band in range(self.bands):
            chunk = signature[band * self.rows:(band + 1) * self.rows].tobytes()
            digest = hashlib.blake2b(band.to_bytes(2, "little") + chunk, digest_size=8).digest()
            keys.append(int.from_bytes(digest, "little") >> 1)
        return keys

    @staticmethod
    def to_bytes(signature: np.ndarray) -> bytes:
        return signature.astype(DTYPE, copy=False).tobytes()

    @staticmethod
    def from_bytes(data: bytes) -> np.ndarray:
        return np.frombuffer(data, dtype=DTYPE)

    @staticmethod
    def similarity(a: np.ndarray, b: np.ndarray) -> float:
        if len(a) != len(b) or not len(a):
            return 0.0
        return float(np.count_nonzero(a == b)) / len(a)
