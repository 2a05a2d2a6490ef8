"""Disclosures (告知書): the frozen, versioned documents a deal produces, the reseller's editable
document templates, and the staff's override of the chapter-6 clause (G6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kokuchi.deals.models import Deal


class ImmutableRecordError(Exception):
    """Raised when code tries to change or delete an issued document version."""


class DocumentKind(models.TextChoices):
    DISCLOSURE = "disclosure", _("Disclosure (告知書)")
    QUOTE = "quote", _("Quote (見積書)")


class ClauseFamily(models.TextChoices):
    COMMON = "common", "【共通】"
    NETWORK = "network", "【ネットワーク機器に特化したもの】"


class ClauseOption(models.IntegerChoices):
    NOTICE_ONLY = 1, _("① Notice only")
    SUPPORT_DESK = 2, _("② Refer to the support desk")
    MAINTENANCE_MENU = 3, _("③ Propose the maintenance menu")


class DocumentTemplate(models.Model):
    """One version of a reseller-edited document template (Django template source). The newest
    version of a kind is used for new documents; without any row the packaged template is used.
    Versions are never edited: a change is a new row, so an issued document can name the
    exact wording it was rendered from."""

    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    version = models.PositiveIntegerField(_("version"))
    body = models.TextField(_("template source"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        ordering = ["kind", "-version"]
        verbose_name = _("document template version")
        verbose_name_plural = _("document template versions")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"],
                name="unique_template_version",
                violation_error_message=_("This template version exists already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableRecordError("A document template version is never changed; add a new version.")
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        """The template version as recorded on issued documents (e.g. ``custom-3``)."""
        return f"custom-{self.version}"


class Disclosure(models.Model):
    """The sale-time disclosure (告知書) of one deal: the container of its issued versions."""

    deal = models.OneToOneField(Deal, on_delete=models.PROTECT, related_name="disclosure", verbose_name=_("deal"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")

    def __str__(self) -> str:
        return f"{self.deal.number}"


# The only columns a service may set on an issued version, once, when a newer one replaces it.
SUPERSEDE_FIELDS = frozenset({"superseded_by", "superseded_at"})


class DisclosureVersionQuerySet(models.QuerySet):
    def delete(self):
        raise ImmutableRecordError("Issued disclosure versions are kept; they cannot be deleted.")

    def update(self, **kwargs):
        if not set(kwargs) <= SUPERSEDE_FIELDS:
            raise ImmutableRecordError("Only superseded_by/superseded_at may change on an issued disclosure version.")
        return super().update(**kwargs)

    def current(self):
        """Versions not replaced by a newer issue."""
        return self.filter(superseded_by__isnull=True)


class DisclosureVersion(models.Model):
    """One issued version of a disclosure, frozen (S-EVID): the PDF exactly as handed to the
    customer, its sha256, the template version, when and by whom it was issued. It never
    changes; issuing again creates a new version and marks this one superseded."""

    disclosure = models.ForeignKey(
        Disclosure, on_delete=models.PROTECT, related_name="versions", verbose_name=_("disclosure")
    )
    number = models.PositiveIntegerField(_("version"))
    document_number = models.CharField(_("document number"), max_length=60, unique=True)
    template_version = models.CharField(_("template version"), max_length=40)
    clause_family = models.CharField(_("clause family"), max_length=10, choices=ClauseFamily.choices)
    clause_option = models.PositiveSmallIntegerField(_("clause variant"), choices=ClauseOption.choices)
    html = models.TextField(_("rendered HTML"))
    pdf = models.BinaryField(_("PDF"))
    sha256 = models.CharField(_("PDF sha256"), max_length=64)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    superseded_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    # The pre-issue check's warnings staff acknowledged, each with its reason (key, code,
    # device_id, requirement_id, message, reason); also in the "issued" evidence event.
    acknowledged_warnings = models.JSONField(_("acknowledged warnings"), default=list, blank=True)
    # What the document stated per device and plan, compared with the next version's to say
    # what changed (devices added or removed, firmware, plans).
    facts = models.JSONField(_("facts stated"), default=dict, blank=True)
    changes = models.JSONField(_("changes from the previous version"), default=list, blank=True)

    objects = DisclosureVersionQuerySet.as_manager()

    class Meta:
        ordering = ["disclosure", "-number"]
        verbose_name = _("issued disclosure version")
        verbose_name_plural = _("issued disclosure versions")
        constraints = [
            models.UniqueConstraint(
                fields=["disclosure", "number"],
                name="unique_disclosure_version",
                violation_error_message=_("This disclosure version exists already."),
            ),
        ]

    def __str__(self) -> str:
        return self.document_number

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableRecordError("An issued disclosure version never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("Issued disclosure versions are kept; they cannot be deleted.")

    @property
    def filename(self) -> str:
        return f"{self.document_number}.pdf"


class ClauseOverride(models.Model):
    """Staff's choice of a chapter-6 clause variant for a deal instead of the automatic one,
    with the reason recorded (G6)."""

    deal = models.OneToOneField(Deal, on_delete=models.CASCADE, related_name="clause_override", verbose_name=_("deal"))
    family = models.CharField(_("clause family"), max_length=10, choices=ClauseFamily.choices)
    option = models.PositiveSmallIntegerField(_("clause variant"), choices=ClauseOption.choices)
    reason = models.TextField(_("reason"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("set by")
    )
    set_at = models.DateTimeField(_("set at"), auto_now=True)

    class Meta:
        verbose_name = _("clause override")
        verbose_name_plural = _("clause overrides")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""),
                name="clause_override_reason_required",
                violation_error_message=_("An override needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal.number}: {self.get_family_display()} {self.option}"


class FirmwareUnknown(models.Model):
    """Staff's statement that a delivered device's firmware at sale cannot be known, with the
    reason (G5.1-3): the pre-issue check then lets the disclosure say so instead of blocking."""

    device = models.OneToOneField(
        "devices.Device", on_delete=models.PROTECT, related_name="firmware_unknown", verbose_name=_("device")
    )
    reason = models.TextField(_("reason"))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("marked by")
    )
    marked_at = models.DateTimeField(_("marked at"), auto_now=True)

    class Meta:
        verbose_name = _("firmware at sale unknown")
        verbose_name_plural = _("firmware at sale unknown")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""),
                name="firmware_unknown_reason_required",
                violation_error_message=_("Give the reason why the firmware at sale is unknown."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id}: {self.reason}"
