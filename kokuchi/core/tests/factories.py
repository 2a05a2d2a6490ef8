"""Plain factories: each returns a saved object; every default is visible here."""

from __future__ import annotations

import io
import itertools

from django.contrib.auth.models import Group, User
from PIL import Image

from kokuchi.core.logos import check_logo, set_reseller_logo
from kokuchi.core.models import Reseller
from kokuchi.core.roles import Role

_seq = itertools.count(1)


def make_user(role: Role | str | None = Role.SALES, **overrides) -> User:
    n = next(_seq)
    fields = {"username": f"user{n}", "email": f"user{n}@example.jp"} | overrides
    password = fields.pop("password", "pass-for-tests")
    user = User.objects.create_user(password=password, **fields)
    if role:
        group, _ = Group.objects.get_or_create(name=str(Role(role).value))
        user.groups.add(group)
    return user


def make_reseller(**overrides) -> Reseller:
    fields = {
        "company_name": "株式会社テスト販売",
        "support_desk_name": "テスト販売サポートセンター",
        "support_desk_phone": "03-0000-0000",
        "support_desk_email": "support@example.jp",
        "support_desk_hours": "平日 9:00〜17:30",
        "offers_maintenance_menu": True,
        "vulnerability_policy": "当社は、販売した製品の脆弱性情報の入手先をお知らせします。",
    } | overrides
    Reseller.objects.all().delete()
    return Reseller.objects.create(**fields)


def make_logo_image(*, image_format: str = "PNG", size: tuple[int, int] = (160, 48)) -> bytes:
    """A plain two-colour picture in `image_format` (a stand-in for a reseller's logo file)."""
    image = Image.new("RGB", size, (11, 92, 173))
    image.paste((255, 255, 255), (size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


def give_reseller_logo(reseller: Reseller, data: bytes | None = None) -> Reseller:
    """Store a logo on the reseller (checked as an upload would be) and save it."""
    set_reseller_logo(reseller=reseller, logo=check_logo(data or make_logo_image()))
    reseller.save()
    return reseller
