"""Two-factor login for staff: a TOTP authenticator (django-otp) after the password.

Staff with a confirmed authenticator always enter its 6-digit code after the password. With
REQUIRE_2FA_FOR_ADMINS on, an administrator without one must enrol before any other page opens.
Enrolment makes an unconfirmed device, shows its otpauth:// URI as a QR code and as text, and
confirms it with the first correct code.
"""

from __future__ import annotations

import django_otp
import segno
from django.conf import settings
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from kokuchi.core.roles import Role, user_role

DEVICE_NAME = "authenticator"
# What this session must do after the password: "verify", "enrol" or "" (nothing). Decided at login,
# so that ordinary requests cost no query.
SESSION_STEP = "kokuchi_two_factor_step"


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def enrolment_required(user) -> bool:
    return bool(settings.REQUIRE_2FA_FOR_ADMINS) and user_role(user) == Role.ADMIN and not has_device(user)


def login_step(user) -> str:
    if has_device(user):
        return "verify"
    if enrolment_required(user):
        return "enrol"
    return ""


def remember_login_step(request: HttpRequest, user=None) -> str:
    step = login_step(user or request.user)
    request.session[SESSION_STEP] = step
    return step


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        remember_login_step(request, user)


def pending_device(user) -> TOTPDevice:
    """The user's unconfirmed authenticator, made on first call (its secret stays until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def provisioning_uri(device: TOTPDevice) -> str:
    return device.config_url


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no script, no external request)."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff")


def confirm_enrolment(*, request: HttpRequest, device: TOTPDevice, token: str) -> bool:
    """Confirm the pending device with its first code; the session counts as verified then."""
    if not device.verify_token(_digits(token)):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    django_otp.login(request, device)
    request.session[SESSION_STEP] = "verify"
    return True


def verify(*, request: HttpRequest, token: str) -> bool:
    """Check the code against the user's confirmed devices and mark the session verified."""
    digits = _digits(token)
    for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
        if device.verify_token(digits):
            django_otp.login(request, device)
            return True
    return False


def _digits(token: str) -> str:
    return "".join(character for character in token if character.isdigit())[:8]
