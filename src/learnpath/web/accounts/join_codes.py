"""Class join codes: what a child types from the board to make an account in a class, or to join one.

A code is 8 symbols from the readable alphabet of :mod:`learnpath.web.accounts.passwords` (20 symbols, no
look-alikes: no 0/O, 1/l/I, 5/S, 2/Z …), shown as two groups of four (``k7dm-f3wa``). Typing is forgiving:
case, spaces and dashes are ignored.

Entropy: 8 × log2(20) ≈ 34.6 bits, 2.56 × 10^10 codes. A code only makes learner accounts in one class,
which its teacher sees, and can be replaced or switched off at once, so it needs to resist online guessing,
not offline attack. Wrong codes are limited per address (``SIGN_UP_PER_ADDRESS``: 30 in 15 minutes, enough
for a class behind one school address to mistype) and per signed-in learner
(``throttle.JOIN_CODE_PER_USER``). Even with 10,000 classes' codes active at once, one address needs on
average 2.56 × 10^10 / 10^4 / 2,880 ≈ 890 days of guessing at the limit to hit any of them.
"""

from __future__ import annotations

import math
import secrets

from learnpath.web import throttle
from learnpath.web.accounts.passwords import READABLE_ALPHABET

JOIN_CODE_ALPHABET = READABLE_ALPHABET
JOIN_CODE_LENGTH = 8
JOIN_CODE_GROUP = 4
JOIN_CODE_ENTROPY_BITS = JOIN_CODE_LENGTH * math.log2(len(JOIN_CODE_ALPHABET))

SIGN_UP_PER_ADDRESS = throttle.Limit("join-sign-up-address", attempts=30, window=15 * 60)


def join_code_generate() -> str:
    """A new random code of ``JOIN_CODE_LENGTH`` symbols from ``JOIN_CODE_ALPHABET`` (≈ 34.6 bits), as stored:
    no dash, lower case. ``join_code_display`` adds the dash."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def join_code_normalise(text: str) -> str:
    """A typed code as stored: lower case, without spaces, dashes or dots."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())[:32]


def join_code_display(code: str) -> str:
    """A stored code in groups of four, joined by dashes (``k7dm-f3wa``)."""
    return "-".join(code[i : i + JOIN_CODE_GROUP] for i in range(0, len(code), JOIN_CODE_GROUP))
