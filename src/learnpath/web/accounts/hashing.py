"""How passwords are stored: Argon2id at the parameters OWASP's Password Storage Cheat Sheet gives as its
first recommendation (19 MiB of memory, 2 passes, 1 lane), not Django's (100 MiB, 2 passes, 8 lanes).

Measured on the 2-core benchmark machine, Django's parameters cost about 190 ms of CPU per sign-in and
these about 21 ms (docs/decisions/0087-password-hashing-cost.md): a class of 30 signing in at the start of
a lesson took a core for 6 seconds, in front of every answer waiting behind it. Online guessing is held by
the sign-in limits (decision 0073), not by the hash; the hash's cost matters for a stolen database, where
these parameters are what OWASP considers sufficient. Hashes made with other parameters (Django's, or
stronger ones an operator chose) keep working and are rewritten with these at the person's next sign-in.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Django's Argon2id hasher with OWASP's first recommended parameters."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
