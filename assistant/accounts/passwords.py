"""Password rules and hashing (OWASP ASVS 5.0 chapter 6).

At least 12 characters, long passphrases allowed, no composition rules and no forced rotation;
passwords that are common or trivially guessable are refused (zxcvbn's frequency lists and
estimate). Hashes are Argon2id through pwdlib, which also tells when a hash needs upgrading.
"""

from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from zxcvbn import zxcvbn

from assistant.errors import N_, InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 1024
MIN_ZXCVBN_SCORE = 3  # 0–4; 3 means "safely unguessable": over 10^8 guesses
# zxcvbn knows English passwords; these words make the obvious local ones guessable too.
LOCAL_WORDS = [
    "salasana",
    "lösenord",
    "password",
    "vuoropuhe",
    "hyvinvointialue",
    "välfärdsområde",
    "pohjanmaa",
    "österbotten",
    "vaasa",
    "vasa",
    "pirkanmaa",
    "tampere",
    "suomi",
    "finland",
    "kissa",
    "koira",
    "kesä",
    "talvi",
    "syksy",
    "kevät",
    "perkele",
    "qwerty",
    "asdfgh",
]


@lru_cache(maxsize=1)
def hasher() -> PasswordHash:
    """The Argon2id hasher."""
    return PasswordHash((Argon2Hasher(),))


def check_password(password: str, *, user_inputs: list[str] | None = None) -> None:
    """Raise InvalidInput when the password breaks a rule; the email can be passed as context."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            N_("The password must be at least %(min)s characters long."),
            field="password",
            min=MIN_LENGTH,
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(
            N_("The password can be at most %(max)s characters long."),
            field="password",
            max=MAX_LENGTH,
        )
    # zxcvbn is slow on very long input and such passphrases are strong anyway.
    if len(password) <= 100:
        result = zxcvbn(password, user_inputs=[*LOCAL_WORDS, *(user_inputs or [])], max_length=100)
        if result["score"] < MIN_ZXCVBN_SCORE:
            raise InvalidInput(
                N_("This password is too common or too easy to guess. Try a longer passphrase."),
                field="password",
            )


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return hasher().hash(password)


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Whether the password matches, and a re-computed hash when the stored one is outdated."""
    return hasher().verify_and_update(password, password_hash)


def burn_time(password: str) -> None:
    """Verify against a dummy hash so an unknown email takes as long as a wrong password."""
    verify_password(password, _dummy_hash())


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("a dummy password that nobody ever types")
