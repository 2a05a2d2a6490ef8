from kokuchi.core.roles import EDITOR_ROLES, Role, user_role


def roles(request):
    """Expose the user's role to templates so that edit buttons show only to editors."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    # One role lookup per page (each lookup reads the user's groups).
    role = user_role(user)
    return {
        "user_role": role,
        "user_can_edit": role in EDITOR_ROLES,
        "user_is_admin": role == Role.ADMIN,
    }
