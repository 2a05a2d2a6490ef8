"""Which catalogue products a vendor's or a CVE record's product name designates, as the
(vendor, product) CPE keys matching works with.

CSAF advisories and CVE records name products as vendors write them ("Cisco IOS XR Software",
"FortiOS", "WG2600HS" by "NEC Corporation"); the catalogue knows models (model_number), their
makers (with aliases and CPE vendor names) and their CPEs. A statement designates a product when
its vendor names the product's maker (or one of the product's CPE vendors), and its product name
is the product's model or the product part of one of its CPEs ("ios_xr", "fortios").
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from kokuchi.catalog.models import Manufacturer, Product, normalize_maker_name
from kokuchi.core.cpe import cpe23_key
from kokuchi.exposures.advisories import ModelMention, cpe_key, find_mentions, model_key, usable_model_key

_NON_WORD = re.compile(r"[^a-z0-9]+")
_SUFFIXES = ("_software", "_firmware", "_os")
# Words vendors add to their own name in advisories ("Fortinet PSIRT", "Example Company ProductCERT").
_TEAM_WORDS = re.compile(r"\s+(psirt|productcert|product security|security)$", re.I)


def cpe_style(text: str) -> str:
    """A name as CPE products are written: NFKC, lower case, runs of other characters as "_"."""
    return _NON_WORD.sub("_", unicodedata.normalize("NFKC", text).lower()).strip("_")


@dataclass(frozen=True)
class _Product:
    pk: int
    manufacturer_id: int
    keys: frozenset[tuple[str, str]]
    model: str


@dataclass
class CatalogueIndex:
    """Catalogue products indexed by model key and CPE product name, with a cache of vendor names."""

    by_model: dict[str, list[_Product]] = field(default_factory=dict)
    by_cpe_product: dict[str, list[_Product]] = field(default_factory=dict)
    manufacturers: list[Manufacturer] = field(default_factory=list)
    _vendor_cache: dict[str, tuple[set[int], set[str]]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> CatalogueIndex:
        by_model: dict[str, list[_Product]] = defaultdict(list)
        by_cpe_product: dict[str, list[_Product]] = defaultdict(list)
        for pk, maker, model, fw, hw in Product.objects.values_list(
            "pk", "manufacturer_id", "model_number", "firmware_cpe", "hardware_cpe"
        ):
            keys = frozenset(found[1:] for value in (fw, hw) if value and (found := cpe23_key(value)) is not None)
            if not keys:
                continue  # matching works on CPE keys: a product without CPE cannot be evaluated
            product = _Product(pk, maker, keys, model or "")
            model_name = model_key(model or "")
            if usable_model_key(model_name):
                by_model[model_name].append(product)
            for _vendor, name in keys:
                by_cpe_product[name].append(product)
                for suffix in _SUFFIXES:
                    if name.endswith(suffix):
                        by_cpe_product[name.removesuffix(suffix)].append(product)
        return cls(dict(by_model), dict(by_cpe_product), list(Manufacturer.objects.all()))

    def _vendor(self, vendor: str) -> tuple[set[int], set[str]]:
        """Maker pks and CPE vendor names a vendor name designates."""
        if vendor not in self._vendor_cache:
            makers: set[int] = set()
            cpe_vendors = {cpe_style(vendor)} if vendor else set()
            plain = _TEAM_WORDS.sub("", vendor.strip())
            for name in dict.fromkeys((vendor, plain)):
                wanted = normalize_maker_name(name)
                if not wanted:
                    continue
                for maker in self.manufacturers:
                    if maker.name_rank(wanted) is not None:
                        makers.add(maker.pk)
                        cpe_vendors.update(maker.cpe_vendors or [maker.slug])
                cpe_vendors.add(cpe_style(name))
            self._vendor_cache[vendor] = (makers, cpe_vendors)
        return self._vendor_cache[vendor]

    def vendor_makers(self, vendor: str) -> set[int]:
        """Pks of the catalogue makers a vendor name designates."""
        return self._vendor(vendor)[0]

    def vendor_cpe_names(self, vendor: str) -> set[str]:
        """CPE vendor names a vendor name designates."""
        return self._vendor(vendor)[1]

    def statement_keys(
        self, *, vendor: str, product: str, cpe23: str, publisher: str = ""
    ) -> tuple[set[tuple[str, str]], bool]:
        """CPE keys a statement designates, and whether they come from its own CPE."""
        if cpe23 and (key := cpe_key(cpe23)) is not None:
            return {key}, True
        makers, cpe_vendors = self._vendor(vendor or publisher)
        if publisher and not makers:
            more_makers, more_vendors = self._vendor(publisher)
            makers, cpe_vendors = makers | more_makers, cpe_vendors | more_vendors

        def same_maker(candidate: _Product) -> bool:
            return candidate.manufacturer_id in makers or any(v in cpe_vendors for v, _p in candidate.keys)

        keys: set[tuple[str, str]] = set()
        model = model_key(product)
        if usable_model_key(model):
            for candidate in self.by_model.get(model, ()):
                if same_maker(candidate):
                    keys |= candidate.keys
        name = cpe_style(product)
        names = {name}
        for cpe_vendor in cpe_vendors:
            names.add(name.removeprefix(cpe_vendor + "_"))
        for variant in list(names):
            for suffix in _SUFFIXES:
                names.add(variant.removesuffix(suffix))
        for variant in names:
            for candidate in self.by_cpe_product.get(variant, ()):
                if same_maker(candidate):
                    keys |= {k for k in candidate.keys if k[0] in cpe_vendors} or candidate.keys
        return keys, False

    def text_mentions(self, description: str) -> dict[tuple[str, str], ModelMention]:
        """CPE key → mention, for every catalogue model the description names."""
        if not self.by_model:
            return {}
        models = {key: products[0].model for key, products in self.by_model.items()}
        out: dict[tuple[str, str], ModelMention] = {}
        for key, mention in find_mentions(description, models).items():
            for product in self.by_model[key]:
                for cpe in product.keys:
                    out.setdefault(cpe, mention)
        return out
