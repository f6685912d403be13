"""Signatures are stored across runs: the fast word splitter and the batch signer must give exactly
what the regex and one-body-at-a-time signing gave, or stored articles stop matching new copies."""

import re

import numpy as np
from hypothesis import given, settings, strategies as st
from rensa import RMinHash

from newsbot.dedup.signature import Signer, words

_WORD = re.compile(r"\w+", re.UNICODE)
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

# Text as articles have it, and worse: ASCII punctuation and controls, curly quotes, dashes,
# accents, CJK, non-breaking and other Unicode spaces, combining marks, digits, underscores.
TEXT = st.text(alphabet=st.sampled_from(list("abcXYZ019_ .,;:'\"!?-()[]\t\n\x00\x1f\x7f")
                                      + list("’‘“”—–…éÉßİıﬁ\u00a0\u2009\u3000日本語\u0301€Ωω")), max_size=120)


def reference_signature(signer: Signer, body: str) -> np.ndarray:
    """How a body was signed before the batch signer: regex words, shingles of one body."""
    tokens = _WORD.findall(body.casefold())
    if not tokens:
        shingles = np.zeros(1, dtype=np.uint64)
    else:
        hashes = np.asarray(RMinHash.hash_token_sets([tokens])[0], dtype=np.uint64)
        k = min(signer.shingle_words, len(hashes))
        count = len(hashes) - k + 1
        shingles = hashes[:count].copy()
        for offset in range(1, k):
            shingles = shingles * _MULTIPLIER + hashes[offset:offset + count]
    digest = RMinHash.digest_matrix_from_flat_token_hashes(shingles, [0, len(shingles)], signer.num_perm, signer.seed)
    return np.asarray(digest.to_rows()[0], dtype=np.uint32)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_words_are_the_regex_words(text):
    assert words(text) == _WORD.findall(text.casefold())


# A Signer keeps only its parameters, which take ~15 ms to work out: one for all the examples.
SIGNER = Signer()


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=6))
def test_a_batch_is_signed_as_each_body_alone(bodies):
    signer = SIGNER
    batch = signer.sign_many(bodies)
    assert batch.shape == (len(bodies), signer.num_perm)
    for body, signature in zip(bodies, batch):
        assert np.array_equal(signature, reference_signature(signer, body))
        assert np.array_equal(signer.sign(body), signature)


def test_long_bodies_in_one_batch_do_not_share_shingles():
    signer = Signer()
    first = "the minister resigned after the vote on the budget " * 8
    second = "storm warnings were issued for the northern coast today " * 8
    batch = signer.sign_many([first, second, first])
    assert np.array_equal(batch[0], batch[2])
    assert np.array_equal(batch[1], reference_signature(signer, second))
    assert signer.similarity(batch[0], batch[1]) < 0.2
