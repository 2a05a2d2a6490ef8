from __future__ import annotations

import itertools

from kokuchi.catalog.models import Manufacturer, Product, ProductCategory, ServicePlan, ServicePlanKind

_seq = itertools.count(1)


def make_manufacturer(**overrides) -> Manufacturer:
    n = next(_seq)
    fields = {
        "slug": f"maker{n}",
        "name_ja": f"メーカー{n}",
        "name_en": f"Maker {n}",
        "vulnerability_info_url": "https://www.fortiguard.com/psirt",
        "verified": True,
    } | overrides
    return Manufacturer.objects.create(**fields)


def make_product(**overrides) -> Product:
    n = next(_seq)
    if "manufacturer" not in overrides:
        overrides["manufacturer"] = make_manufacturer()
    fields = {
        "model_number": f"MODEL-{n}",
        "category": ProductCategory.ROUTER,
        "internet_connectable": True,
        "firmware_updatable": True,
        "latest_firmware": "1.0.0",
    } | overrides
    return Product.objects.create(**fields)


def make_plan(**overrides) -> ServicePlan:
    n = next(_seq)
    fields = {
        "name": f"保守プラン{n}",
        "kind": ServicePlanKind.CONTINUOUS_MAINTENANCE,
        "price": 120000,
    } | overrides
    return ServicePlan.objects.create(**fields)
