"""Numbers as a dispatcher says them: "1234 Main" is "twelve thirty-four Main", unit "M7" is
"Medic seven". English only; Spanish numbers are left to the engine, which reads them well."""

from __future__ import annotations

ONES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
TENS = (
    "_",
    "_",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
)
ORDINALS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def cardinal(n: int) -> str:
    """0 .. 999 999 in words: 415 -> "four hundred fifteen"."""
    if n < 0 or n >= 1_000_000:
        raise ValueError(f"{n} is out of range")
    if n < 20:
        return ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return TENS[tens] + (f"-{ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{ONES[hundreds]} hundred" + (f" {cardinal(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    return f"{cardinal(thousands)} thousand" + (f" {cardinal(rest)}" if rest else "")


def ordinal(n: int) -> str:
    """21 -> "twenty-first"."""
    words = cardinal(n)
    head, sep, last = words.rpartition("-") if "-" in words else words.rpartition(" ")
    if last in ORDINALS:
        last = ORDINALS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return f"{head}{sep}{last}"


def _pair(n: int) -> str:
    # "05" inside a house number is "oh five".
    return cardinal(n) if n >= 10 else f"oh {ONES[n]}"


def house_number(digits: str) -> str:
    """A house number in pairs, as it is read on the radio.

    400 -> "four hundred", 415 -> "four fifteen", 1200 -> "twelve hundred",
    1234 -> "twelve thirty-four", 2000 -> "two thousand", 2005 -> "two thousand five",
    12345 -> "one twenty-three forty-five". Leading zeros or more than five digits: digit by
    digit.
    """
    if not digits.isdigit():
        raise ValueError(f"{digits!r} is not a number")
    n = int(digits)
    if digits.startswith("0") or len(digits) > 5:
        return " ".join(ONES[int(d)] for d in digits)
    if n < 100:
        return cardinal(n)
    if len(digits) == 4 and n % 1000 < 10:  # 2000, 2005: "two thousand five"
        return cardinal(n)
    if n % 100 == 0 and n < 10000:
        return f"{cardinal(n // 100)} hundred"
    if len(digits) == 3:
        return f"{ONES[n // 100]} {_pair(n % 100)}"
    if len(digits) == 4:
        return f"{cardinal(n // 100)} {_pair(n % 100)}"
    return f"{ONES[n // 10000]} {_pair(n // 100 % 100)} {_pair(n % 100)}"


def digits_each(text: str) -> str:
    """911 -> "nine one one"."""
    return " ".join(ONES[int(d)] for d in text if d.isdigit())
