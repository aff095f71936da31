"""What a typed value means, whatever keyboard typed it: the one place where codes, ID numbers,
phone numbers and numbers are normalized before anything checks or looks them up.

A Chinese input method in full-width mode types ４１４２８００００４ for 4142800004, ｘ for x, （０２７）
for (027); Excel and WeChat add no-break and zero-width spaces. Forms (``core.form_fields``), the
API (``core.api_fields``), spreadsheet rows (``core.tabular``) and the validators of each kind
(school and credit codes, GB 11643 ID numbers, phones) all call these functions, so a value is the
same value on every path. NFKC folds full-width letters, digits and punctuation to ASCII; only the
kinds below get it — names and addresses keep their own punctuation (``text``).
"""

import decimal as _decimal
import re
import unicodedata

# Zero-width characters and the byte-order mark, which copied text carries invisibly.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"\s+")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?", re.ASCII)


def halfwidth(value) -> str:
    """NFKC of the value as text, without invisible characters, trimmed."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value).translate(_INVISIBLE)).strip()


def text(value) -> str:
    """Plain text (a name, an address, a reason), trimmed of ordinary, full-width and no-break
    spaces and invisible characters; its characters are left as typed."""
    if value is None:
        return ""
    return str(value).translate(_INVISIBLE).replace("\u00a0", " ").strip()


def code(value) -> str:
    """A code (school code, credit code, certificate or site code, certificate number, course
    code): half-width, trimmed, upper-case, no spaces inside (a code never has one)."""
    return _SPACES.sub("", halfwidth(value)).upper()


def id_number(value) -> str:
    """An ID number: half-width, no spaces, upper-case (the GB 11643 check character X)."""
    return _SPACES.sub("", halfwidth(value)).upper()


def phone(value) -> str:
    """A phone number: half-width (（０２７）－ → (027)-), no spaces; brackets and hyphens are
    kept for the phone check to judge."""
    return _SPACES.sub("", halfwidth(value))


_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)


def mobile(value) -> str:
    """A mainland mobile number as its 11 digits, however typed (full-width, spaces, dashes,
    brackets, +86 or 0086 in front); ValueError when it is not one. The one mobile rule: sign-up,
    account forms and complaint contacts all check through it."""
    digits = re.sub(r"[-()]", "", phone(value))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
            break
    if not _MOBILE.fullmatch(digits):
        raise ValueError(value)
    return digits


def number(value) -> str:
    """A number as text: half-width (１２．５ → 12.5), without spaces, and without thousands
    separators where they group thousands (１，２００ → 1200; "2,5" stays as typed, to be refused,
    never read as 25). The caller parses it (``integer``, ``decimal``) and says what is wrong."""
    value = _SPACES.sub("", halfwidth(value))
    return value.replace(",", "") if _GROUPED.fullmatch(value) else value


_INTEGER = re.compile(r"[+-]?[0-9]+(\.0*)?", re.ASCII)
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", re.ASCII)


def integer(value) -> int:
    """A whole number (a count, a year), from text as typed ("1,200", "１２０", Excel's "120.0");
    ValueError when it is not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    clean = number(value)
    if not _INTEGER.fullmatch(clean):
        raise ValueError(value)
    return int(clean.split(".", 1)[0])


def decimal(value) -> _decimal.Decimal:
    """A decimal (an amount, a score, credits); ValueError when it is not one."""
    if isinstance(value, _decimal.Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _decimal.Decimal(value)
    clean = number(value)
    if not _DECIMAL.fullmatch(clean):
        raise ValueError(value)
    return _decimal.Decimal(clean)
