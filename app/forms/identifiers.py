"""Validation, normalization and masking of Chinese personal identifiers.

Resident ID numbers follow GB 11643-1999 (ISO 7064 MOD 11-2 check digit); mobile
numbers are 11-digit +86 numbers; bank accounts get a length check only (no Luhn).
"""

from __future__ import annotations

import re
from datetime import date

# Full-width forms (common from Chinese IMEs): ０-９ Ａ-Ｚ ａ-ｚ and the bits of
# punctuation people type in phone numbers. Mapped explicitly rather than with
# NFKC so that e.g. circled "①" does not silently become a digit.
_FULLWIDTH = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        **{chr(0xFF21 + i): chr(ord("A") + i) for i in range(26)},
        **{chr(0xFF41 + i): chr(ord("a") + i) for i in range(26)},
        "＋": "+",
        "－": "-",
        "（": "(",
        "）": ")",
    }
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_EARLIEST_BIRTH = date(1900, 1, 1)

# ASCII-only patterns: str.isdigit() would also accept e.g. Arabic-Indic digits.
_DIGITS = re.compile(r"[0-9]*")
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def _strip_whitespace(value: str) -> str:
    # str.split() with no argument splits on all Unicode whitespace, incl. U+3000.
    return "".join(value.split())


# --- Resident ID number (居民身份证号码) -------------------------------------


def normalize_id_number(value: str) -> str:
    return _strip_whitespace(value).translate(_FULLWIDTH).upper()


def id_number_check_digit(first17: str) -> str:
    """Check character for the first 17 digits (GB 11643-1999, ISO 7064 MOD 11-2)."""
    if not re.fullmatch(r"[0-9]{17}", first17):
        raise ValueError("expected exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK_CHARS[total % 11]


def _birth_date_or_none(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def id_number_problem(value: str, today: date | None = None) -> str | None:
    """None if valid, else "length", "characters", "birth_date" or "check_digit"."""
    number = normalize_id_number(value)
    if len(number) != 18:
        return "length"
    if not _ID_SHAPE.fullmatch(number):
        return "characters"
    born = _birth_date_or_none(number)
    if born is None or not _ID_EARLIEST_BIRTH <= born <= (today or date.today()):
        return "birth_date"
    if id_number_check_digit(number[:17]) != number[17]:
        return "check_digit"
    return None


def _valid_id_number(value: str) -> str:
    number = normalize_id_number(value)
    problem = id_number_problem(number)
    if problem is not None:
        raise ValueError(f"invalid ID number ({problem})")
    return number


def id_number_birth_date(value: str) -> date:
    """Birth date encoded in a valid ID number; ValueError if it is invalid."""
    born = _birth_date_or_none(_valid_id_number(value))
    assert born is not None  # guaranteed by id_number_problem
    return born


def id_number_gender(value: str) -> str:
    """"male" or "female" from the 17th digit (odd = male); ValueError if invalid."""
    return "male" if int(_valid_id_number(value)[16]) % 2 else "female"


# --- Mobile number (手机号码) ------------------------------------------------


def normalize_mobile(value: str) -> str:
    number = re.sub(r"[-()]", "", _strip_whitespace(value).translate(_FULLWIDTH))
    # Drop the country code only when an 11-digit national number remains, so a
    # bare 11-digit number that happens to start with 86 is never shortened.
    for prefix in ("+86", "0086", "86"):
        rest = number[len(prefix) :]
        if number.startswith(prefix) and len(rest) == 11 and _DIGITS.fullmatch(rest):
            return rest
    return number


def mobile_problem(value: str) -> str | None:
    """None if a mainland mobile number, else "characters", "length" or "prefix"."""
    number = normalize_mobile(value)
    if not _DIGITS.fullmatch(number):
        return "characters"
    if len(number) != 11:
        return "length"
    if not _MOBILE.fullmatch(number):
        return "prefix"
    return None


# --- Bank account (银行账号) -------------------------------------------------


def normalize_bank_account(value: str) -> str:
    return _strip_whitespace(value).translate(_FULLWIDTH).replace("-", "")


def bank_account_problem(value: str) -> str | None:
    """None if 12-19 digits, else "characters" or "length".

    Debit cards are 16-19 digits and passbook accounts can be shorter. No Luhn
    check: not every Chinese card number carries a Luhn check digit.
    """
    number = normalize_bank_account(value)
    if not _DIGITS.fullmatch(number):
        return "characters"
    if not 12 <= len(number) <= 19:
        return "length"
    return None


# --- Masking for display ----------------------------------------------------


def _mask(value: str, keep_start: int, keep_end: int, min_length: int) -> str:
    # A value shorter than a real one is probably partial input; showing its
    # ends could reveal most of it, so mask every character instead.
    if len(value) < min_length:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end :]


def mask_id_number(value: str) -> str:
    """"110101196610120013" -> "110101********0013" (region code and last 4)."""
    # 15 is the length of the old first-generation ID numbers.
    return _mask(normalize_id_number(value), 6, 4, min_length=15)


def mask_mobile(value: str) -> str:
    """"13800000001" -> "138****0001"."""
    return _mask(normalize_mobile(value), 3, 4, min_length=11)


def mask_bank_account(value: str) -> str:
    """Only the last 4 digits, e.g. "**** **** **** 1234".

    The masked groups are fixed so the display does not reveal the length.
    """
    number = normalize_bank_account(value)
    if len(number) < 12:
        return "*" * len(number)
    return "**** **** **** " + number[-4:]


def mask_name(value: str) -> str:
    """"王秀英" -> "王**": the family name only, as helpers and notices show it."""
    value = (value or "").strip()
    return value[:1] + "*" * (len(value) - 1) if len(value) > 1 else value
