"""Manufacturer list: read manufacturers.yaml (real PSIRT/support URLs with their sources, the
makers' CPE vendor names and the other names staff write for them) and upsert it into Manufacturer
rows, without ever undoing what staff confirmed or filled in.

`kokuchi load_manufacturers` loads the packaged copy kokuchi/catalog/data/manufacturers.yaml (or
any copy given as PATH); `kokuchi demo` loads the packaged copy too. Migrations load nothing.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction
from django.utils import translation

from kokuchi.catalog.models import Manufacturer, normalize_maker_name, validate_cpe_vendors, validate_maker_aliases

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "manufacturers.yaml"

# YAML key -> Manufacturer field, for the three URLs. A null in the YAML means "not seen".
URL_FIELDS: tuple[tuple[str, str], ...] = (
    ("psirt_url", "vulnerability_info_url"),
    ("support_url", "support_url"),
    ("csaf_provider_metadata", "csaf_provider_metadata_url"),
)
URL_MAX_LENGTH = 500
# YAML key (a list, optional) -> its Django validator; the Manufacturer field has the same name.
NAME_LIST_FIELDS: tuple[tuple[str, Any], ...] = (
    ("cpe_vendors", validate_cpe_vendors),
    ("aliases", validate_maker_aliases),
)


class ManufacturerDataError(ValueError):
    """The YAML does not have the expected shape; the message names the entry and the key."""


@dataclasses.dataclass(frozen=True)
class ManufacturerEntry:
    """One validated entry of manufacturers.yaml."""

    slug: str
    name_ja: str
    name_en: str
    urls: dict[str, str]  # Manufacturer field -> URL ("" when the YAML has null)
    verified: bool
    source: str
    notes: str
    cpe_vendors: list[str] = dataclasses.field(default_factory=list)
    aliases: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class LoadResult:
    """What a load did: slugs created, updated and unchanged, and URL values kept from the
    database instead of the YAML (as "slug.field")."""

    created: list[str] = dataclasses.field(default_factory=list)
    updated: list[str] = dataclasses.field(default_factory=list)
    unchanged: list[str] = dataclasses.field(default_factory=list)
    kept: list[str] = dataclasses.field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)


def read_manufacturers(path: Path) -> list[ManufacturerEntry]:
    """Parse and validate manufacturers.yaml; raise ManufacturerDataError naming the bad entry."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManufacturerDataError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ManufacturerDataError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("manufacturers"), list):
        raise ManufacturerDataError(f"{path}: expected a mapping with a 'manufacturers' list")
    entries: list[ManufacturerEntry] = []
    seen: set[str] = set()
    for index, raw in enumerate(document["manufacturers"]):
        entry = _parse_entry(index, raw)
        if entry.slug in seen:
            raise ManufacturerDataError(f"manufacturers[{index}] (id={entry.slug}): duplicate id")
        seen.add(entry.slug)
        entries.append(entry)
    _check_aliases_name_one_maker(entries)
    return entries


def _check_aliases_name_one_maker(entries: list[ManufacturerEntry]) -> None:
    """An alias may not also be a key, name or alias of another entry: imports would not know
    which maker it means."""
    owners: dict[str, str] = {}
    for entry in entries:
        for name in (entry.slug, entry.name_ja, entry.name_en):
            if name:
                owners.setdefault(normalize_maker_name(name), entry.slug)
    for index, entry in enumerate(entries):
        for alias in entry.aliases:
            owner = owners.setdefault(normalize_maker_name(alias), entry.slug)
            if owner != entry.slug:
                raise ManufacturerDataError(
                    f"manufacturers[{index}] (id={entry.slug}): aliases: {alias!r} already names {owner}"
                )


def _parse_entry(index: int, raw: Any) -> ManufacturerEntry:
    label = f"manufacturers[{index}]"
    if not isinstance(raw, dict):
        raise ManufacturerDataError(f"{label}: expected a mapping, got {type(raw).__name__}")
    slug = raw.get("id")
    if isinstance(slug, str):
        label = f"{label} (id={slug})"

    def fail(key: str, problem: str) -> ManufacturerDataError:
        return ManufacturerDataError(f"{label}: {key}: {problem}")

    if not isinstance(slug, str) or not slug:
        raise fail("id", "required, a non-empty string")
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise fail("id", "only letters, digits, '-' and '_' are allowed") from exc
    if len(slug) > 60:
        raise fail("id", "at most 60 characters")
    for key, required in (("name_ja", True), ("name_en", False), ("source", False), ("notes", False)):
        value = raw.get(key)
        if value is None and not required:
            continue
        if not isinstance(value, str) or (required and not value.strip()):
            raise fail(key, "required, a non-empty string" if required else "must be a string")
        if key.startswith("name") and len(value) > 200:
            raise fail(key, "at most 200 characters")
    verified = raw.get("verified")
    if not isinstance(verified, bool):
        raise fail("verified", "required, true or false")
    urls: dict[str, str] = {}
    validate_url = URLValidator(schemes=["http", "https"])
    for key, field in URL_FIELDS:
        if key not in raw:
            raise fail(key, "missing (use null when no URL was seen)")
        value = raw[key]
        if value is None:
            urls[field] = ""
            continue
        if not isinstance(value, str) or len(value) > URL_MAX_LENGTH:
            raise fail(key, f"must be null or a URL of at most {URL_MAX_LENGTH} characters")
        try:
            validate_url(value)
        except ValidationError as exc:
            raise fail(key, f"not a valid http(s) URL: {value!r}") from exc
        urls[field] = value
    if verified and not urls["vulnerability_info_url"]:
        raise fail("verified", "true needs a psirt_url")
    name_lists: dict[str, list[str]] = {}
    for key, validate in NAME_LIST_FIELDS:
        value = raw.get(key)
        if value is None:
            name_lists[key] = []
            continue
        try:
            validate(value)
        except ValidationError as exc:
            with translation.override("en"):  # the file's other messages are English too
                problem = " ".join(exc.messages)
            raise fail(key, problem) from exc
        if len(set(value)) != len(value):
            raise fail(key, "names a value twice")
        name_lists[key] = [item.strip() for item in value]
    return ManufacturerEntry(
        slug=slug,
        name_ja=raw["name_ja"].strip(),
        name_en=(raw.get("name_en") or "").strip(),
        urls=urls,
        verified=verified,
        source=raw.get("source") or "",
        notes=raw.get("notes") or "",
        **name_lists,
    )


def apply_manufacturers(entries: list[ManufacturerEntry], *, model) -> LoadResult:
    """Upsert `entries` into `model` (the Manufacturer class, or its historical version inside a
    migration), keyed by slug.

    Names, source and notes follow the YAML. A URL from the YAML only fills an empty field: a URL
    already in the database was either confirmed or typed in by staff, or is the YAML's own
    earlier value, and a reload must never undo the first two. `verified` only ever goes from off
    to on, when the YAML confirms the very URL the database holds. The YAML's CPE vendor names and
    aliases are added to the row's lists when missing there; a name already in a list (the YAML's
    or one staff added) stays where it is.
    """
    result = LoadResult()
    existing = {m.slug: m for m in model.objects.filter(slug__in=[e.slug for e in entries])}
    for entry in entries:
        manufacturer = existing.get(entry.slug)
        if manufacturer is None:
            model.objects.create(
                slug=entry.slug,
                name_ja=entry.name_ja,
                name_en=entry.name_en,
                verified=entry.verified,
                source=entry.source,
                notes=entry.notes,
                cpe_vendors=entry.cpe_vendors,
                aliases=entry.aliases,
                **entry.urls,
            )
            result.created.append(entry.slug)
            continue
        changed: list[str] = []
        for field in ("name_ja", "name_en", "source", "notes"):
            if getattr(manufacturer, field) != getattr(entry, field):
                setattr(manufacturer, field, getattr(entry, field))
                changed.append(field)
        for field, value in entry.urls.items():
            current = getattr(manufacturer, field)
            if current == value:
                continue
            if not current:
                setattr(manufacturer, field, value)
                changed.append(field)
            elif value:
                result.kept.append(f"{entry.slug}.{field}")
        if (
            entry.verified
            and not manufacturer.verified
            and manufacturer.vulnerability_info_url == entry.urls["vulnerability_info_url"]
        ):
            manufacturer.verified = True
            changed.append("verified")
        for field, _validate in NAME_LIST_FIELDS:
            current = list(getattr(manufacturer, field) or [])
            known = {normalize_maker_name(name) for name in current}
            missing = [name for name in getattr(entry, field) if normalize_maker_name(name) not in known]
            if missing:
                setattr(manufacturer, field, current + missing)
                changed.append(field)
        if changed:
            manufacturer.save(update_fields=[*changed, "updated_at"])
            result.updated.append(entry.slug)
        else:
            result.unchanged.append(entry.slug)
    return result


def load_manufacturers(*, path: Path | str | None = None) -> LoadResult:
    """Validate the YAML at `path` (the packaged copy by default), then upsert every entry in
    one transaction. Nothing is written when any entry is malformed."""

    entries = read_manufacturers(Path(path) if path else DEFAULT_PATH)
    with transaction.atomic():
        return apply_manufacturers(entries, model=Manufacturer)
