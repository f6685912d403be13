"""MinHash signatures of article bodies (rensa, a Rust MinHash) and their LSH band keys."""

from __future__ import annotations

import re

import numpy as np
from datasketch.lsh import _optimal_param
from rensa import RMinHash

_WORD = re.compile(r"\w+", re.UNICODE)
DTYPE = np.uint32
_SHINGLE_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)   # odd 64-bit constant (golden ratio)
_MIX_1, _MIX_2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)   # splitmix64
_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31))
_LOW_63 = np.uint64(2**63 - 1)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, element-wise (uint64 arithmetic wraps): every input bit moves every output bit."""
    x = x ^ (x >> _SHIFTS[0])
    x *= _MIX_1
    x ^= x >> _SHIFTS[1]
    x *= _MIX_2
    x ^= x >> _SHIFTS[2]
    return x


class Signer:
    """Turns a body into a MinHash over word shingles, and a MinHash into LSH band keys.

    The band layout (bands x rows) is datasketch's optimum for the threshold, so candidates
    found through any band are then confirmed by their estimated Jaccard similarity. Signatures
    are stored: the hashing (rensa's token hash and RMinHash, both seeded and stable across
    processes) must not change between runs, which is why rensa is pinned.
    """

    def __init__(self, threshold: float = 0.4, num_perm: int = 128, shingle_words: int = 3, seed: int = 1):
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"near-duplicate threshold must be between 0 and 1, got {threshold}")
        self.threshold, self.num_perm, self.shingle_words, self.seed = threshold, num_perm, shingle_words, seed
        self.bands, self.rows = _optimal_param(threshold, num_perm, 0.5, 0.5)
        self._band_seeds = _mix(np.arange(1, self.bands + 1, dtype=np.uint64) * _SHINGLE_MULTIPLIER)

    def shingle_hashes(self, body: str) -> np.ndarray:
        """64-bit hashes of the body's word k-shingles.

        Each word is hashed once (in rensa) and the k word hashes of a shingle are combined with
        numpy, instead of building and hashing a string per shingle: a long article costs well
        under a millisecond.
        """
        words = _WORD.findall(body.casefold())
        if not words:
            return np.zeros(1, dtype=np.uint64)
        hashes = np.asarray(RMinHash.hash_token_sets([words])[0], dtype=np.uint64)
        k = min(self.shingle_words, len(hashes))
        count = len(hashes) - k + 1
        combined = hashes[:count].copy()
        for offset in range(1, k):
            combined = combined * _SHINGLE_MULTIPLIER + hashes[offset:offset + count]  # wraps mod 2**64
        return combined

    def sign(self, body: str) -> np.ndarray:
        hashes = self.shingle_hashes(body)
        digest = RMinHash.digest_matrix_from_flat_token_hashes(hashes, [0, len(hashes)], self.num_perm, self.seed)
        return np.asarray(digest.to_rows()[0], dtype=DTYPE)

    def band_keys(self, signature: np.ndarray) -> np.ndarray:
        """One 63-bit key per band (band index included), to store and look up."""
        return self.band_key_matrix(signature)

    def band_key_matrix(self, signatures: np.ndarray) -> np.ndarray:
        """Band keys of many signatures at once, an (n, bands) uint64 array (rebuilding an index);
        of one signature, a (bands,) array.

        Each band's rows are folded in by xor-multiply from a per-band seed and the result goes
        through splitmix64's finaliser, in numpy: a few vector operations per signature, and the
        same keys one signature at a time or many.
        """
        rows = signatures[..., :self.bands * self.rows].astype(np.uint64).reshape(*signatures.shape[:-1], self.bands,
                                                                                 self.rows)
        keys = self._band_seeds
        for row in range(self.rows):
            keys = (keys ^ rows[..., row]) * _SHINGLE_MULTIPLIER
        keys = _mix(keys)
        keys &= _LOW_63
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
