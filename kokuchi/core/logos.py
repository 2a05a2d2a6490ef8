"""The reseller's logo: checked at upload, stored on the reseller profile, served to the customer page.

Only raster formats a browser shows without running anything (PNG, JPEG, WebP) are accepted, recognised
by their content rather than their name; SVG is refused because it can carry scripts.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from kokuchi.core.models import Reseller

# Pillow format name → the Content-Type the image is served with.
LOGO_CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
# Larger pictures are refused before decoding (a small file can declare a huge canvas).
LOGO_MAX_SIDE = 4096


@dataclass(frozen=True)
class CheckedLogo:
    data: bytes
    content_type: str
    width: int
    height: int


def check_logo_size(size: int) -> None:
    """Raise ValidationError when a file of `size` bytes is empty or larger than the setting allows."""
    limit = settings.RESELLER_LOGO_MAX_BYTES
    if not size:
        raise ValidationError(_("The logo file is empty."), code="empty")
    if size > limit:
        raise ValidationError(
            _("The logo is %(size)d KB; at most %(limit)d KB is accepted.")
            % {"size": (size + 1023) // 1024, "limit": limit // 1024},
            code="too_large",
        )


def check_logo(data: bytes) -> CheckedLogo:
    """Return the logo's type and size, or raise ValidationError saying what is wrong with the file."""
    check_logo_size(len(data))
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format or ""
            width, height = image.size
            if image_format not in LOGO_CONTENT_TYPES:
                raise ValidationError(_("The logo must be a PNG, JPEG or WebP image."), code="format")
            if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
                raise ValidationError(
                    _("The logo is %(width)d×%(height)d pixels; at most %(side)d pixels per side are accepted.")
                    % {"width": width, "height": height, "side": LOGO_MAX_SIDE},
                    code="too_many_pixels",
                )
            if not _is_complete(data, image_format):
                raise ValidationError(_("The logo file is cut off; save it again and upload it."), code="truncated")
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(_("The logo must be a PNG, JPEG or WebP image."), code="format") from error
    return CheckedLogo(data=data, content_type=LOGO_CONTENT_TYPES[image_format], width=width, height=height)


def _is_complete(data: bytes, image_format: str) -> bool:
    """Whether the file ends as its format requires. Decoding alone cannot tell: WeasyPrint, imported
    in the same process for the PDFs, makes Pillow accept truncated images (LOAD_TRUNCATED_IMAGES)."""
    if image_format == "PNG":
        return data.endswith(b"IEND\xaeB`\x82")
    if image_format == "JPEG":
        return data.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9")
    # WebP: a RIFF container whose header states its length.
    return len(data) >= 8 + int.from_bytes(data[4:8], "little")


def set_reseller_logo(*, reseller: Reseller, logo: CheckedLogo | None) -> None:
    """Store (or with None, remove) the reseller's logo; the caller saves the reseller."""
    if logo is None:
        reseller.logo = b""
        reseller.logo_content_type = ""
        reseller.logo_sha256 = ""
        reseller.logo_width = None
        reseller.logo_height = None
        return
    reseller.logo = logo.data
    reseller.logo_content_type = logo.content_type
    reseller.logo_sha256 = hashlib.sha256(logo.data).hexdigest()
    reseller.logo_width = logo.width
    reseller.logo_height = logo.height


def logo_data_uri(reseller: Reseller) -> str:
    """The logo as a data: URI, for documents that must carry it inside (the issued HTML and its PDF);
    empty when there is none."""
    if not reseller.logo_sha256:
        return ""
    data = bytes(Reseller.objects.filter(pk=reseller.pk).values_list("logo", flat=True).get())
    return f"data:{reseller.logo_content_type};base64,{base64.b64encode(data).decode('ascii')}"
