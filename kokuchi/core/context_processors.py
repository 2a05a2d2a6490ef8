from kokuchi.core.roles import can_edit, is_admin, user_role


def roles(request):
    """Expose the user's role to templates so that edit buttons show only to editors."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "user_role": user_role(user),
        "user_can_edit": can_edit(user),
        "user_is_admin": is_admin(user),
    }
