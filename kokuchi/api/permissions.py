"""Token scopes and staff roles: a request needs both the token's scope on the resource and the
role the staff UI requires for the same action."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import permissions

from kokuchi.api.models import Access, ApiToken
from kokuchi.core.roles import EDITOR_ROLES, has_role


class TokenScopePermission(permissions.BasePermission):
    """Reads need the resource's read scope and any staff role; writes need its write scope and
    one of the view's ``write_roles`` (admin and sales unless the view says otherwise)."""

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        resource = getattr(view, "api_resource", None)
        if resource is None:
            return False
        write = request.method not in permissions.SAFE_METHODS
        access = Access.WRITE if write else Access.READ
        if not token.allows(resource, access):
            self.message = _("The token has no %(access)s scope on %(resource)s.") % {
                "access": access,
                "resource": resource,
            }
            return False
        roles = getattr(view, "write_roles", EDITOR_ROLES) if write else ()
        if not has_role(request.user, *roles):
            self.message = _("The integration's role may not do this.")
            return False
        return True
