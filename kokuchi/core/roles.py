"""Staff roles (admin, sales, viewer) and the view guards that enforce them.

Roles are Django groups so that admins manage them in the admin site. A superuser counts as admin.
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.views import View

if TYPE_CHECKING:
    # The mixin always comes before a view class, whose dispatch() it wraps.
    _ViewBase = View
else:
    _ViewBase = object


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SALES = "sales", _("Sales")
    VIEWER = "viewer", _("Viewer (read-only)")


EDITOR_ROLES = frozenset({Role.ADMIN, Role.SALES})


def user_role(user) -> Role | None:
    """Return the strongest role of the user, or None for anonymous or role-less users."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    names = set(user.groups.values_list("name", flat=True))
    for role in (Role.ADMIN, Role.SALES, Role.VIEWER):
        if role.value in names:
            return role
    return None


def has_role(user, *roles: Role) -> bool:
    role = user_role(user)
    return role is not None and (not roles or role in roles)


def can_edit(user) -> bool:
    return has_role(user, *EDITOR_ROLES)


class RoleRequiredMixin(AccessMixin, _ViewBase):
    """Require login and one of `allowed_roles` (any role when empty); 403 otherwise."""

    allowed_roles: tuple[Role, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user, *self.allowed_roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class StaffRequiredMixin(RoleRequiredMixin):
    """Any staff role may read."""

    allowed_roles = ()


class EditorRequiredMixin(RoleRequiredMixin):
    """Admin and sales may change data; viewers may not."""

    allowed_roles = (Role.ADMIN, Role.SALES)


class AdminRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.ADMIN,)


def role_required(*roles: Role):
    """Function-view guard: login, then one of `roles` (any staff role when none given)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required()
editor_required = role_required(Role.ADMIN, Role.SALES)
admin_required = role_required(Role.ADMIN)
