"""SplitMix64 (Steele, Lea and Flood 2014) on Python integers: the seed mixing of the
streaming dataset's epochs and the plain-Python twin of the alignment-based switching
kernels (:mod:`csgen.aligned.switch` compiles the same steps with Numba on uint64, and a
test holds the two equal)."""

from __future__ import annotations

MASK64 = (1 << 64) - 1


def splitmix64(z: int) -> int:
    """One SplitMix64 step: ``finalise(z + 0x9E3779B97F4A7C15)`` modulo 2**64.

    >>> splitmix64(0)
    16294208416658607535
    """
    z = (z + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)
