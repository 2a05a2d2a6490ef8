import datetime
import json

import pytest
from django.core.exceptions import ValidationError

from kokuchi.catalog.models import Manufacturer, Product, ProductCategory
from kokuchi.catalog.tests.factories import make_product
from kokuchi.core.cpe import cpe22_to_cpe23

pytestmark = pytest.mark.django_db


def test_migrations_load_no_manufacturers():
    """A new database gets them from `kokuchi load_manufacturers` (or `kokuchi demo`), so a test starts empty."""
    assert Manufacturer.objects.count() == 0


@pytest.mark.parametrize(
    ("internet_connectable", "firmware_updatable", "expected"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_g4_in_scope_needs_both_flags(internet_connectable, firmware_updatable, expected):
    product = make_product(internet_connectable=internet_connectable, firmware_updatable=firmware_updatable)
    assert product.in_scope is expected
    assert list(Product.objects.in_scope().filter(pk=product.pk)) == ([product] if expected else [])


def test_g4_in_scope_queryset_returns_exactly_the_in_scope_products():
    both = make_product(internet_connectable=True, firmware_updatable=True)
    make_product(internet_connectable=True, firmware_updatable=False)
    make_product(internet_connectable=False, firmware_updatable=True)
    make_product(internet_connectable=False, firmware_updatable=False)
    assert list(Product.objects.in_scope()) == [both]


@pytest.mark.parametrize(
    ("category", "is_network", "is_iot"),
    [
        (ProductCategory.ROUTER, True, True),
        (ProductCategory.SWITCH, True, True),
        (ProductCategory.FIREWALL, True, True),
        (ProductCategory.WIRELESS_AP, True, True),
        (ProductCategory.NAS, False, True),
        (ProductCategory.PC, False, False),
        (ProductCategory.SERVER, False, False),
        (ProductCategory.PRINTER, False, True),
        (ProductCategory.NETWORK_CAMERA, False, True),
        (ProductCategory.OTHER_IOT, False, True),
        (ProductCategory.OTHER, False, False),
    ],
)
def test_g4_g5_1_5_network_and_iot_flags_per_category(category, is_network, is_iot):
    product = make_product(category=category)
    assert product.is_network_device is is_network
    assert product.is_iot is is_iot


def test_every_category_is_covered_by_the_flag_table():
    """The parametrized table above lists all eleven categories."""
    assert len(ProductCategory.values) == 11


def _labelled(**overrides) -> Product:
    product = make_product(category=ProductCategory.ROUTER)
    fields = {
        "jc_star_level": 1,
        "jc_star_registration_number": "DEMO-0001",
        "jc_star_issued_on": datetime.date(2025, 5, 21),
    } | overrides
    for field, value in fields.items():
        setattr(product, field, value)
    return product


def test_g5_1_5_jc_star_expiry_defaults_to_two_years_after_issue():
    product = _labelled()
    product.full_clean()
    assert product.jc_star_expires_on == datetime.date(2027, 5, 21)


def test_g5_1_5_jc_star_expiry_of_exactly_two_years_is_accepted():
    product = _labelled(jc_star_expires_on=datetime.date(2027, 5, 21))
    product.full_clean()
    assert product.jc_star_expires_on == datetime.date(2027, 5, 21)


def test_g5_1_5_jc_star_expiry_later_than_two_years_is_refused():
    product = _labelled(jc_star_expires_on=datetime.date(2027, 5, 22))
    with pytest.raises(ValidationError) as excinfo:
        product.full_clean()
    assert set(excinfo.value.message_dict) == {"jc_star_expires_on"}
    assert "2027-05-22" not in str(excinfo.value)
    assert "2027-05-21" in str(excinfo.value)


def test_g5_1_5_jc_star_expiry_before_issue_is_refused():
    product = _labelled(jc_star_expires_on=datetime.date(2025, 5, 20))
    with pytest.raises(ValidationError) as excinfo:
        product.full_clean()
    assert set(excinfo.value.message_dict) == {"jc_star_expires_on"}


def test_g5_1_5_jc_star_issued_on_29_february_expires_on_28_february():
    product = _labelled(jc_star_issued_on=datetime.date(2024, 2, 29))
    product.full_clean()
    assert product.jc_star_expires_on == datetime.date(2026, 2, 28)
    product.jc_star_expires_on = datetime.date(2026, 3, 1)
    with pytest.raises(ValidationError):
        product.full_clean()


def test_g5_1_5_jc_star_label_needs_level_number_and_issue_date():
    product = _labelled(jc_star_registration_number="")
    with pytest.raises(ValidationError) as excinfo:
        product.full_clean()
    assert set(excinfo.value.message_dict) == {"jc_star_level"}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2025, 5, 20), False),
        (datetime.date(2025, 5, 21), True),
        (datetime.date(2027, 5, 21), True),
        (datetime.date(2027, 5, 22), False),
    ],
)
def test_g5_1_5_jc_star_valid_on_boundaries(day, expected):
    product = _labelled()
    product.full_clean()
    product.save()
    assert product.jc_star_valid_on(day) is expected


def test_g5_1_5_product_without_label_is_never_valid():
    product = make_product()
    assert product.jc_star_valid_on(datetime.date(2026, 1, 1)) is False


def _sample_cpes(feeds) -> list[str]:
    """The CPE match criteria of two real NVD records and the CPE 2.2 names of a JVN record."""
    cpes = []
    for name in ("CVE-2024-21762.json", "CVE-2024-22366.json", "CVE-2023-20198.json"):
        record = json.loads((feeds / "nvd" / "cve-records" / name).read_text())
        cpes += [
            match["criteria"]
            for conf in record["configurations"]
            for node in conf["nodes"]
            for match in node["cpeMatch"]
        ]
    return cpes


def test_cpe_validation_accepts_every_cpe_of_the_nvd_samples(feed_samples_dir):
    cpes = _sample_cpes(feed_samples_dir)
    assert len(cpes) == 23
    product = make_product()
    for cpe in cpes:
        field = "hardware_cpe" if cpe.startswith("cpe:2.3:h:") else "firmware_cpe"
        setattr(product, field, cpe)
        product.full_clean()


def test_cpe_validation_accepts_converted_jvn_cpe22_names(feed_samples_dir):
    text = (feed_samples_dir / "jvn" / "myjvn-api-examples" / "hnd" / "dataFeed_jvndb_detail_hnd.xml").read_text()
    assert "cpe:/o:nec:aterm_wx3600hp_firmware" in text
    product = make_product(firmware_cpe=cpe22_to_cpe23("cpe:/o:nec:aterm_wx3600hp_firmware"))
    product.full_clean()
    assert product.firmware_cpe == "cpe:2.3:o:nec:aterm_wx3600hp_firmware:*:*:*:*:*:*:*:*"


@pytest.mark.parametrize(
    "value",
    [
        "cpe:2.3:o:fortinet:fortios",  # too few parts
        "cpe:/o:nec:aterm_wx3600hp_firmware",  # CPE 2.2 URI, not converted
        "cpe:2.3:x:fortinet:fortios:*:*:*:*:*:*:*:*",  # no such part
        "cpe:2.3:o:fortinet:forti os:*:*:*:*:*:*:*:*",  # unescaped space
        "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*:*",  # 14 parts
        "fortinet fortios 7.2.5",
    ],
)
def test_cpe_validation_refuses_malformed_values(value):
    product = make_product()
    product.firmware_cpe = value
    with pytest.raises(ValidationError) as excinfo:
        product.full_clean()
    assert set(excinfo.value.message_dict) == {"firmware_cpe"}
