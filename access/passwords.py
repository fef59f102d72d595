"""Salted scrypt password hashes: ``scrypt$N$r$p$<salt b64>$<hash b64>``, compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

N, R, P = 2**14, 8, 1  # ~16 MB and ~50 ms per check on this machine: slow for guessing, fine for a login
SALT_BYTES, HASH_BYTES = 16, 32


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, salt: bytes | None = None, n: int = N, r: int = R, p: int = P) -> str:
    """A new salted hash of ``password`` (a fresh random salt unless one is given)."""
    if not password:
        raise ValueError("the password is empty")
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=HASH_BYTES,
                            maxmem=256 * n * r + 2**20)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches ``encoded``; a malformed hash never matches (and never raises)."""
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        candidate = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt, validate=True),
                                   n=int(n), r=int(r), p=int(p), dklen=len(expected),
                                   maxmem=256 * int(n) * int(r) + 2**20)
    except (ValueError, TypeError, AttributeError):
        return False
    return hmac.compare_digest(candidate, expected)
