from django.contrib import admin

from kokuchi.core.deletion import DeletionRefused, references_to, unseen_references
from kokuchi.core.models import Reseller, ThrottleCounter


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that are records (evidence, issued documents, feed data, match history): the admin
    shows them and never adds, changes or deletes one; their own workflows write them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reseller)
class ResellerAdmin(admin.ModelAdmin):
    list_display = ["company_name", "support_desk_name", "offers_maintenance_menu", "retention_years"]

    def has_add_permission(self, request):
        # One profile per installation.
        return not Reseller.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ThrottleCounter)
class ThrottleCounterAdmin(ReadOnlyAdmin):
    """Shared failure counts (customer-link guesses); keys are hashes, so nothing here names a client.
    Deleting a counter lifts its limit at once."""

    list_display = ["key", "count", "window_started"]

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


class EvidenceReferencedAdmin(admin.ModelAdmin):
    """The admin's delete page and "delete selected" action refuse rows that evidence refers to.
    Protecting foreign keys are listed by Django itself; references no foreign key expresses (an
    issued 告知書 naming a deal's devices) are added to the same list of reasons."""

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for record in objs:
            references = unseen_references(record)
            if references:
                protected.append(DeletionRefused(record=record, references=references).message)
        return deleted, model_count, perms_needed, protected


class EvidenceReferencedInline:
    """An inline whose rows may be referred to by evidence: deleting rows from the parent's page is
    offered only when none of them is referred to."""

    def has_delete_permission(self, request, obj=None):
        if obj is not None:
            fk = self.fk_name or next(  # type: ignore[attr-defined]
                field.name
                for field in self.model._meta.get_fields()  # type: ignore[attr-defined]
                if field.is_relation and field.many_to_one and field.related_model is type(obj)
            )
            children = self.model.objects.filter(**{fk: obj})  # type: ignore[attr-defined]
            if any(references_to(child) for child in children):
                return False
        return super().has_delete_permission(request, obj)  # type: ignore[misc]
