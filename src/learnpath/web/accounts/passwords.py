"""Readable generated passwords: the one generator for first passwords, teacher resets and the demo.

A generated password is read off a sheet or a screen, often by a child, and typed. So it uses only lower
case letters and digits that cannot be mistaken for one another in common fonts or handwriting: no 0/O/o,
1/l/I/i/j, 5/S/s, 2/Z/z, 6/b/G, 9/g/q, u/v, and none of the letters of the pairs that read as another
letter (rn/m, vv/w, cl/d). What is left is 20 symbols, ``acdefhkmnptwxy`` and ``346789``.

Three groups of four symbols, joined by dashes (``k7dm-f3wa-xpt9``): 12 symbols chosen uniformly with
``secrets`` give 12 × log2(20) ≈ 51.9 bits of entropy. Sign-in is throttled (learnpath.web.throttle) and
stored hashes use Argon2id (accounts/hashing.py), so that is far beyond online guessing and costly
offline; people are asked to choose their own at the first opportunity (Change password in the account
menu).
"""

from __future__ import annotations

import math
import secrets

READABLE_ALPHABET = "acdefhkmnptwxy346789"
GROUPS = 3
GROUP_LENGTH = 4
ENTROPY_BITS = GROUPS * GROUP_LENGTH * math.log2(len(READABLE_ALPHABET))


def password_generate() -> str:
    """A new random password of ``GROUPS`` dash-separated groups from ``READABLE_ALPHABET`` (≈ 51.9 bits)."""
    return "-".join(
        "".join(secrets.choice(READABLE_ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS)
    )
