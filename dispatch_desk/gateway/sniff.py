"""What a file is, from its first bytes (never from its name or the type the phone claims)."""

from __future__ import annotations

# ISO base media brands (the four bytes after "ftyp") and what they are.
_IMAGE_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}
_VIDEO_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"qt  ",
    b"3gp4",
    b"3gp5",
    b"3gp6",
    b"3g2a",
    b"dash",
}

HEAD_BYTES = 32


def sniff(head: bytes) -> tuple[str, str] | None:
    """(kind, MIME type) for a photo or video format a phone sends, or None for anything else.

    kind is "photo" or "video"."""
    if head.startswith(b"\xff\xd8\xff"):
        return "photo", "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "photo", "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "photo", "image/webp"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "photo", "image/gif"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _IMAGE_BRANDS:
            return "photo", "image/avif" if brand == b"avif" else "image/heic"
        if brand in _VIDEO_BRANDS:
            return "video", "video/quicktime" if brand == b"qt  " else "video/mp4"
        return None
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video", "video/webm"
    return None


EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "image/heic": ".heic",
    "image/avif": ".avif",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
}
