"""Catalogue: manufacturers (メーカー), products (情報システム関連製品) and service plans."""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kokuchi.core.cpe import is_cpe_vendor, validate_cpe23
from kokuchi.core.models import TimeStampedModel

# Legal-form words that staff and feeds add to or leave off a maker's name (after NFKC, so ㈱ and
# （株） arrive as "(株)"); Japanese ones stand before or after the name, English ones after it.
_JAPANESE_LEGAL_FORMS = ("株式会社", "(株)")
# A trailing catalogue label in full- or half-width brackets: 「ヤマハ株式会社（ネットワーク製品 / RTXルーター）」.
INTERNAL_LABEL_RE = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")
_ENGLISH_LEGAL_FORM = re.compile(r"[\s,]*\b(co\.?,?\s*ltd\.?|corporation|corp\.|inc\.?|ltd\.?|limited)$")


def normalize_maker_name(text: str) -> str:
    """The form in which two ways of writing a maker's name compare equal: NFKC (full-width
    letters and half-width kana folded), case folded, blanks collapsed, legal forms (株式会社, (株),
    Inc., Co., Ltd., Ltd., Corporation) dropped. "ヤマハ株式会社", "ＹＡＭＡＨＡ" and "Yamaha Corporation"
    all become the name without them."""
    name = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    previous = None
    while name != previous:
        previous = name
        for form in _JAPANESE_LEGAL_FORMS:
            name = name.removeprefix(form).removesuffix(form).strip()
        name = _ENGLISH_LEGAL_FORM.sub("", name).strip(" ,")
    return name


def validate_cpe_vendors(value) -> None:
    """Django validator: a list of CPE vendor names as NVD/JVN write them ("yamaha", "paloaltonetworks")."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("Expected a list of CPE vendor names."), code="invalid_cpe_vendors")
    for item in value:
        if not is_cpe_vendor(item):
            raise ValidationError(
                _("%(value)r is not a CPE vendor name (lower-case letters, digits, '-', '_' and '.')."),
                params={"value": item},
                code="invalid_cpe_vendor",
            )


def validate_maker_aliases(value) -> None:
    """Django validator: a list of non-empty names of at most 200 characters."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("Expected a list of names."), code="invalid_aliases")
    for item in value:
        if not normalize_maker_name(item) or len(item) > 200:
            raise ValidationError(
                _("%(value)r is not a name (non-empty, at most 200 characters)."),
                params={"value": item},
                code="invalid_alias",
            )


class ManufacturerQuerySet(models.QuerySet):
    def named(self, text: str) -> list[Manufacturer]:
        """Every manufacturer `text` names, however it is written (see normalize_maker_name):
        those whose key or own name it is first, then those whose alias or CPE vendor name it is,
        each group in list order.

        Compared in Python: the list is short, and the JSON lists cannot be searched the same way
        on SQLite and PostgreSQL.
        """
        wanted = normalize_maker_name(text)
        if not wanted:
            return []
        ranked = [(rank, m) for m in self if (rank := m.name_rank(wanted)) is not None]
        return [m for _rank, m in sorted(ranked, key=lambda pair: pair[0])]

    def by_name(self, text: str) -> Manufacturer | None:
        """The manufacturer `text` names (the first of named()), or None."""
        return next(iter(self.named(text)), None)


class Manufacturer(TimeStampedModel):
    """A manufacturer (メーカー): the party responsible for publishing vulnerability information
    about its products (G5.2-3). Loaded from data/manufacturers.yaml by `kokuchi load_manufacturers`; an entry whose
    advisory URL has not been confirmed is shown as 要確認 until staff confirm or fill it.
    """

    slug = models.SlugField(_("key"), max_length=60, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    vulnerability_info_url = models.URLField(
        _("vulnerability-information URL"),
        max_length=500,
        blank=True,
        help_text=_("The manufacturer's security advisory (PSIRT) page."),
    )
    support_url = models.URLField(_("support / firmware URL"), max_length=500, blank=True)
    csaf_provider_metadata_url = models.URLField(_("CSAF provider-metadata URL"), max_length=500, blank=True)
    verified = models.BooleanField(
        _("URL confirmed"),
        default=False,
        help_text=_("Off means the vulnerability-information URL still needs checking (要確認)."),
    )
    source = models.TextField(_("where the URLs were seen"), blank=True)
    # The name printed for customers; empty: name_ja without its internal parenthetical label.
    customer_name_ja = models.CharField(_("name shown to customers"), max_length=200, blank=True)
    url_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("URL confirmed by"),
    )
    url_confirmed_at = models.DateTimeField(_("URL confirmed at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Vendor names as they appear in NVD/JVN CPEs (["buffalo"], ["paloaltonetworks"]); used for CPE suggestions.
    cpe_vendors = models.JSONField(_("CPE vendor names"), default=list, blank=True, validators=[validate_cpe_vendors])
    # Other names staff write for the maker (ヤマハ, 日本電気, I-O DATA …); imports resolve them.
    aliases = models.JSONField(_("other names"), default=list, blank=True, validators=[validate_maker_aliases])

    objects = ManufacturerQuerySet.as_manager()

    class Meta:
        ordering = ["name_ja"]
        verbose_name = _("manufacturer")
        verbose_name_plural = _("manufacturers")

    def __str__(self) -> str:
        return self.name_ja

    def get_absolute_url(self) -> str:
        return reverse("catalog:manufacturer_detail", args=[self.pk])

    @property
    def customer_name(self) -> str:
        """The maker's name as customers read it: the customer-facing name when set, otherwise
        the Japanese name without the catalogue's parenthetical label (「（ネットワーク製品 / …）」)."""
        if self.customer_name_ja:
            return self.customer_name_ja
        return INTERNAL_LABEL_RE.sub("", self.name_ja).strip() or self.name_ja

    @property
    def needs_confirmation(self) -> bool:
        """True while the vulnerability-information URL is unknown or unconfirmed (要確認)."""
        return not self.verified or not self.vulnerability_info_url

    def name_rank(self, normalized: str) -> int | None:
        """0 when `normalized` (a normalize_maker_name result) is this maker's key or own name, 1
        when it is one of its aliases or CPE vendor names, None otherwise."""
        if normalized in {normalize_maker_name(n) for n in (self.slug, self.name_ja, self.name_en) if n}:
            return 0
        if normalized in {normalize_maker_name(n) for n in (*self.aliases, *self.cpe_vendors)}:
            return 1
        return None

    def other_names_contain(self, text: str) -> bool:
        """True when every word of `text` is part of one of the aliases or CPE vendor names (search)."""
        names = [normalize_maker_name(n) for n in (*self.aliases, *self.cpe_vendors)]
        words = [normalize_maker_name(w) for w in text.split()]
        return bool(names and words) and all(any(w in n for n in names) for w in words if w)


class ProductCategory(models.TextChoices):
    ROUTER = "router", _("Router")
    SWITCH = "switch", _("Switch")
    FIREWALL = "firewall", _("Firewall / UTM")
    WIRELESS_AP = "wireless_ap", _("Wireless access point")
    NAS = "nas", _("NAS")
    PC = "pc", _("PC")
    SERVER = "server", _("Server")
    PRINTER = "printer", _("Printer / MFP")
    NETWORK_CAMERA = "network_camera", _("Network camera")
    OTHER_IOT = "other_iot", _("Other IoT device")
    OTHER = "other", _("Other")


# G4: "ルーターやスイッチなどのネットワーク機器" get the network wording of G6.
NETWORK_CATEGORIES = frozenset(
    {ProductCategory.ROUTER, ProductCategory.SWITCH, ProductCategory.FIREWALL, ProductCategory.WIRELESS_AP}
)
# G5.1-5: JC-STAR covers IoT products (routers, APs, cameras, NAS …) but not PCs or servers.
IOT_CATEGORIES = frozenset(
    {
        ProductCategory.ROUTER,
        ProductCategory.SWITCH,
        ProductCategory.FIREWALL,
        ProductCategory.WIRELESS_AP,
        ProductCategory.NAS,
        ProductCategory.PRINTER,
        ProductCategory.NETWORK_CAMERA,
        ProductCategory.OTHER_IOT,
    }
)


class JcStarLevel(models.IntegerChoices):
    STAR1 = 1, "★1"
    STAR2 = 2, "★2"
    STAR3 = 3, "★3"
    STAR4 = 4, "★4"


JC_STAR_MAX_VALIDITY_YEARS = 2


def add_years(day: datetime.date, years: int) -> datetime.date:
    """Return the same calendar day `years` later (29 Feb → 28 Feb)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class ProductQuerySet(models.QuerySet):
    def in_scope(self):
        """Products in the guideline's scope (G4): internet-connectable and firmware-updatable."""
        return self.filter(internet_connectable=True, firmware_updatable=True)


class Product(TimeStampedModel):
    """A product (情報システム関連製品) the reseller sells. It is in scope of the guideline (G4)
    when it can connect to the internet and its firmware can be updated.
    """

    manufacturer = models.ForeignKey(
        Manufacturer,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("manufacturer"),
    )
    model_number = models.CharField(_("model number"), max_length=120)
    name = models.CharField(_("product name"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=ProductCategory.choices)
    internet_connectable = models.BooleanField(_("can connect to the internet"), default=True)
    firmware_updatable = models.BooleanField(_("firmware can be updated"), default=True)
    latest_firmware = models.CharField(_("latest firmware version"), max_length=80, blank=True)
    latest_firmware_date = models.DateField(_("latest firmware release date"), null=True, blank=True)
    end_of_sale = models.DateField(_("end of sale"), null=True, blank=True)
    end_of_support = models.DateField(_("end of support"), null=True, blank=True)
    hardware_cpe = models.CharField(
        _("hardware CPE"),
        max_length=300,
        blank=True,
        validators=[validate_cpe23],
        help_text=_("CPE 2.3, e.g. cpe:2.3:h:fortinet:fortigate-60f:-:*:*:*:*:*:*:*"),
    )
    firmware_cpe = models.CharField(
        _("firmware / OS CPE"),
        max_length=300,
        blank=True,
        validators=[validate_cpe23],
        help_text=_(
            "CPE 2.3 of the firmware or OS with the version as *, e.g. cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"
        ),
    )
    jc_star_level = models.PositiveSmallIntegerField(
        _("JC-STAR level"), choices=JcStarLevel.choices, null=True, blank=True
    )
    jc_star_registration_number = models.CharField(_("JC-STAR registration number"), max_length=60, blank=True)
    jc_star_issued_on = models.DateField(_("JC-STAR label issue date"), null=True, blank=True)
    jc_star_expires_on = models.DateField(
        _("JC-STAR label expiry"),
        null=True,
        blank=True,
        help_text=_("At most two years after the issue date."),
    )
    jc_star_product_page_url = models.URLField(
        _("IPA product page URL"),
        max_length=500,
        blank=True,
        help_text=_("The IPA page the label's QR code points to."),
    )

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["manufacturer__name_ja", "model_number"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(
                fields=["manufacturer", "model_number"],
                name="unique_product_model",
                violation_error_message=_("This manufacturer already has a product with this model number."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer.name_en or self.manufacturer.name_ja} {self.model_number}"

    def get_absolute_url(self) -> str:
        return reverse("catalog:product_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        label_fields = (self.jc_star_level, self.jc_star_registration_number, self.jc_star_issued_on)
        if any(label_fields) and not all(label_fields):
            errors["jc_star_level"] = _("A JC-STAR label needs its level, registration number and issue date.")
        if self.jc_star_issued_on:
            limit = add_years(self.jc_star_issued_on, JC_STAR_MAX_VALIDITY_YEARS)
            if self.jc_star_expires_on is None:
                self.jc_star_expires_on = limit
            elif self.jc_star_expires_on > limit:
                errors["jc_star_expires_on"] = _(
                    "A JC-STAR label is valid for at most two years from its issue date (until %(limit)s)."
                ) % {"limit": limit.isoformat()}
            elif self.jc_star_expires_on < self.jc_star_issued_on:
                errors["jc_star_expires_on"] = _("The expiry cannot be before the issue date.")
        if errors:
            raise ValidationError(errors)

    @property
    def in_scope(self) -> bool:
        """G4: in scope when internet-connectable and firmware-updatable."""
        return self.internet_connectable and self.firmware_updatable

    @property
    def is_network_device(self) -> bool:
        return self.category in NETWORK_CATEGORIES

    @property
    def is_iot(self) -> bool:
        return self.category in IOT_CATEGORIES

    def jc_star_valid_on(self, day: datetime.date) -> bool:
        """True when the product has a JC-STAR label valid on `day`."""
        return bool(
            self.jc_star_level
            and self.jc_star_issued_on
            and self.jc_star_expires_on
            and self.jc_star_issued_on <= day <= self.jc_star_expires_on
        )


class ServicePlanKind(models.TextChoices):
    CONTINUOUS_MAINTENANCE = "continuous_maintenance", _("Continuous maintenance contract")
    SPOT_MAINTENANCE = "spot_maintenance", _("Spot maintenance work")
    OPERATIONS_SUPPORT = "operations_support", _("Operations support (outsourced operation)")
    SOC = "soc", _("SOC (security monitoring)")
    INCIDENT_RESPONSE = "incident_response", _("Incident response readiness")
    OTHER = "other", _("Other")


# Plans that count as maintenance for G5.3 / G6 variant ③.
MAINTENANCE_KINDS = frozenset({ServicePlanKind.CONTINUOUS_MAINTENANCE, ServicePlanKind.SPOT_MAINTENANCE})


class ServicePlan(TimeStampedModel):
    """A service plan (サービス・プラン) the reseller proposes: maintenance, spot work, operations
    support (代行) or SOC (G5.1-4, G5.4), own or third-party, with its registration on IPA's
    情報セキュリティサービス基準適合サービスリスト (G5.1-6).
    """

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=ServicePlanKind.choices)
    description = models.TextField(_("description"), blank=True)
    price = models.PositiveIntegerField(_("price (yen)"), null=True, blank=True)
    price_unit = models.CharField(_("price unit"), max_length=40, blank=True, help_text=_("e.g. per year, per visit"))
    is_third_party = models.BooleanField(_("third-party provider"), default=False)
    provider_name = models.CharField(_("provider name"), max_length=200, blank=True)
    ipa_service_category = models.CharField(
        _("IPA service-list category"),
        max_length=100,
        blank=True,
        help_text=_("e.g. セキュリティ監視・運用サービス, 脆弱性診断サービス"),
    )
    ipa_registration_number = models.CharField(_("IPA registration number"), max_length=60, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("service plan")
        verbose_name_plural = _("service plans")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.is_third_party and not self.provider_name:
            raise ValidationError({"provider_name": _("Name the third-party provider.")})
        if bool(self.ipa_service_category) != bool(self.ipa_registration_number):
            raise ValidationError(
                {
                    "ipa_registration_number": _(
                        "An IPA registration needs both its category and its registration number."
                    )
                }
            )

    @property
    def is_registered(self) -> bool:
        """G5.1-6: listed on IPA's information-security-service list."""
        return bool(self.ipa_registration_number)

    @property
    def is_maintenance(self) -> bool:
        return self.kind in MAINTENANCE_KINDS
