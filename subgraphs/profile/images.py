"""Avatar images: the format told by the bytes themselves, then decoded and re-encoded by
Pillow (scaled to fit, metadata dropped), so what is stored is always a clean image."""

from __future__ import annotations

import asyncio
import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from subgraphs.profile.errors import InvalidImage, UnsupportedImage

# Refuse decompression bombs: a small file that decodes to a huge bitmap.
MAX_DECODED_PIXELS = 40_000_000


@dataclass(frozen=True, slots=True)
class ImageFormat:
    pillow: str
    extension: str
    media_type: str


PNG = ImageFormat("PNG", "png", "image/png")
JPEG = ImageFormat("JPEG", "jpg", "image/jpeg")
WEBP = ImageFormat("WEBP", "webp", "image/webp")
BY_EXTENSION = {item.extension: item for item in (PNG, JPEG, WEBP)}


def sniff(data: bytes) -> ImageFormat:
    """The format from the file's magic bytes; anything else is refused."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    raise UnsupportedImage()


def _normalise(data: bytes, kind: ImageFormat, max_side: int) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind.pillow]) as opened:
                if opened.width * opened.height > MAX_DECODED_PIXELS:
                    raise InvalidImage("The image has too many pixels")
                opened.load()
                image: Image.Image = opened
                if kind is JPEG and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                image.thumbnail((max_side, max_side))  # keeps the aspect ratio; never enlarges
                out = io.BytesIO()
                image.save(out, format=kind.pillow)
                return out.getvalue()
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        SyntaxError,
    ):
        raise InvalidImage() from None


async def normalise(data: bytes, kind: ImageFormat, max_side: int) -> bytes:
    """Decode, scale to at most `max_side` px a side, re-encode (in a worker thread)."""
    return await asyncio.to_thread(_normalise, data, kind, max_side)
