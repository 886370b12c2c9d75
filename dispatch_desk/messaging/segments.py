"""How long an SMS body is on the air: encoding, characters and segments, as carriers bill them.

GSM-7 (3GPP TS 23.038 basic table + extension table) when every character is in it: 160 septets
in a single message, 153 per segment once it is split (the user data header takes the rest);
an extension character (^ { } \\ [ ] ~ | € and form feed) takes two septets, an escape and the
character. Anything else makes the whole message UCS-2: 70 UTF-16 code units alone, 67 per
segment; an emoji outside the Basic Multilingual Plane takes two. As Twilio's segment
calculator does, a character is never split between two segments: an escape pair or a
user-perceived character (an emoji with its modifiers, a letter with its accents) that does not
fit whole starts the next segment.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# 3GPP TS 23.038 default alphabet, in table order (0x1B, the escape to the extension table, is
# not a character anyone types and is left out).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[]~|€")

SINGLE = {GSM7: 160, UCS2: 70}
PER_SEGMENT = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # GSM7 or UCS2
    characters: int  # what a person would count (an emoji with its skin tone is one)
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2) the body takes
    segments: int  # 0 for an empty body
    limit: int  # units a segment holds now: 160/70 for one message, 153/67 once split
    remaining: int  # units still free in the last segment before another one starts
    ucs2_chars: tuple[str, ...]  # the characters that forced UCS-2, each once, in order

    @property
    def is_gsm7(self) -> bool:
        return self.encoding == GSM7


def is_gsm7(char: str) -> bool:
    return char in GSM7_BASIC or char in GSM7_EXTENSION


def septets(char: str) -> int:
    return 2 if char in GSM7_EXTENSION else 1


def utf16_units(text: str) -> int:
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def count(body: str) -> SegmentCount:
    """Count ``body`` as a carrier would send it (no "smart encoding" substitutions)."""
    forcing = tuple(dict.fromkeys(c for c in body if not is_gsm7(c)))
    if not forcing:
        sizes = [septets(c) for c in body]
        encoding = GSM7
        characters = len(body)
    else:
        clusters = list(_clusters(body))
        sizes = [utf16_units(cluster) for cluster in clusters]
        encoding = UCS2
        characters = len(clusters)
    units = sum(sizes)
    single = SINGLE[encoding]
    if units <= single:
        segments = 1 if units else 0
        return SegmentCount(
            encoding, characters, units, segments, single, single - units, _shown(forcing)
        )
    per = PER_SEGMENT[encoding]
    segments, used = 1, 0
    for size in sizes:  # pack whole characters: none is split between two segments
        if used + size > per:
            segments += 1
            used = 0
        used += size
    return SegmentCount(encoding, characters, units, segments, per, per - used, _shown(forcing))


def _shown(chars: tuple[str, ...]) -> tuple[str, ...]:
    # A lone combining mark or joiner means nothing on its own in a notice; keep what can be seen.
    return tuple(c for c in chars if not _attaches(c)) or chars


def _attaches(char: str) -> bool:
    """True for a code point that belongs to the character before it."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or 0xFE00 <= code <= 0xFE0F  # variation selectors (emoji / text presentation)
        or 0x1F3FB <= code <= 0x1F3FF  # skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
        or code == 0x200D  # zero-width joiner
    )


def _clusters(text: str) -> Iterator[str]:
    """User-perceived characters, close enough to Unicode's grapheme clusters for counting:
    a base with its combining marks, selectors and modifiers; emoji joined by ZWJ; flag pairs."""
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        if _is_regional(text[i]) and j < n and _is_regional(text[j]):
            j += 1  # a flag: two regional indicators
        while j < n:
            if text[j - 1] == "\u200d" and not _attaches(text[j]):
                j += 1  # the character a joiner joins on
            elif _attaches(text[j]):
                j += 1
            else:
                break
        if text[i] == "\r" and j == i + 1 and j < n and text[j] == "\n":
            j += 1
        yield text[i:j]
        i = j


def _is_regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def describe(result: SegmentCount) -> str:
    """The counter line under the composer, e.g. "GSM-7 · 42/160 · 1 segment"."""
    plural = "" if result.segments == 1 else "s"
    used = result.limit - result.remaining
    text = f"{result.encoding} · {used}/{result.limit} · {result.segments} segment{plural}"
    if not result.is_gsm7:
        shown = " ".join(result.ucs2_chars[:5]) + (" …" if len(result.ucs2_chars) > 5 else "")
        text += f" · UCS-2 because of {shown}"
    return text
