"""MinHash signatures of article bodies (rensa, a Rust MinHash) and their LSH band keys."""

from __future__ import annotations

import itertools
import re
from typing import Sequence

import numpy as np
from datasketch.lsh import _optimal_param
from rensa import RMinHash

_WORD = re.compile(r"\w+", re.UNICODE)
DTYPE = np.uint32
_SHINGLE_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)   # odd 64-bit constant (golden ratio)
_MIX_1, _MIX_2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)   # splitmix64
_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31))
_LOW_63 = np.uint64(2**63 - 1)
# ASCII bytes that are not word characters (what \w leaves out) -> space; bytes >= 128 kept.
_ASCII_NON_WORD = bytes(b if b >= 128 or chr(b).isalnum() or b == ord("_") else ord(" ") for b in range(256))


def words(text: str) -> list[str]:
    r"""The casefolded `\w+` runs of a text, as the regex finds them, five times faster.

    ASCII punctuation becomes a space in one bytes.translate over the UTF-8 text (the bytes of
    a multi-byte character are all >= 128, untouched), str.split() cuts there and at Unicode
    spaces; only tokens holding other non-ASCII characters (curly quotes, dashes, accented
    letters) go through the regex.
    """
    folded = text.casefold()
    tokens = folded.encode("utf-8", "surrogatepass").translate(_ASCII_NON_WORD).decode("utf-8", "surrogatepass").split()
    if folded.isascii():
        return tokens
    return [word for token in tokens for word in ((token,) if token.isascii() else _WORD.findall(token))]


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

    def _shingles(self, bodies: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """The shingle hashes of many bodies in one flat array, and the offsets where each begins
        (and the last ends).

        Each word is hashed once (rensa, one call for the whole batch) and the k word hashes of a
        shingle are combined with numpy, instead of building and hashing a string per shingle.
        A body shorter than k words has one shingle of all its words; one without words, one
        shingle 0.
        """
        token_lists = [words(body) for body in bodies]
        counts = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
        hashes = np.fromiter(itertools.chain.from_iterable(RMinHash.hash_token_sets(token_lists)), dtype=np.uint64,
                             count=int(counts.sum()))
        k = self.shingle_words
        if len(counts) == 1:   # one body (a crawl's item arriving alone): no batch bookkeeping
            shingles = self._combine(hashes, min(k, int(counts[0])))
            return shingles, [0, len(shingles)]
        if not len(counts) or counts.min() < k:
            parts = [self._combine(hashes[start:start + count], min(k, count))
                     for start, count in zip(np.cumsum(counts) - counts, counts)]
            return np.concatenate(parts), [0, *itertools.accumulate(map(len, parts))]
        combined = self._combine(hashes, k)
        # Shingles that would run from one body into the next are left out.
        keep = np.ones(len(combined), dtype=bool)
        for offset in range(1, k):
            keep[np.cumsum(counts[:-1]) - offset] = False
        return combined[keep], np.concatenate([[0], np.cumsum(counts - (k - 1))]).tolist()

    @staticmethod
    def _combine(hashes: np.ndarray, k: int) -> np.ndarray:
        if not len(hashes):
            return np.zeros(1, dtype=np.uint64)
        count = len(hashes) - k + 1
        combined = hashes[:count].copy()
        for offset in range(1, k):
            combined *= _SHINGLE_MULTIPLIER   # wraps mod 2**64
            combined += hashes[offset:offset + count]
        return combined

    def sign(self, body: str) -> np.ndarray:
        return self.sign_many([body])[0]

    def sign_many(self, bodies: Sequence[str]) -> np.ndarray:
        """MinHash signatures of many bodies, an (n, num_perm) array: one rensa call for all."""
        shingles, offsets = self._shingles(bodies)
        digest = RMinHash.digest_matrix_from_flat_token_hashes(shingles, offsets, self.num_perm, self.seed)
        return np.array(digest.to_rows(), dtype=DTYPE).reshape(len(bodies), self.num_perm)

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
