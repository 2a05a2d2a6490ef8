"""Language selection (Japanese first), the Permissions-Policy header and the two-factor login step."""

from django.conf import settings
from django.core.exceptions import BadRequest
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.http import urlencode

from kokuchi.core import two_factor


class JapaneseFirstLocaleMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but the browser's Accept-Language is not consulted.

    Staff and customers read Japanese; a browser configured in English must not switch the
    documents and screens. English is used only when chosen: the language switch (cookie) or
    KOKUCHI_LANGUAGE for the whole installation.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class PermissionsPolicyMiddleware:
    """Send settings.PERMISSIONS_POLICY (browser features switched off) with every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


class TwoFactorMiddleware:
    """Staff who enrolled an authenticator enter its code after the password; with
    REQUIRE_2FA_FOR_ADMINS on, administrators without one are sent to enrol first.

    Until then only the two-factor pages, logging out, the language switch and static files answer.
    """

    EXEMPT_URL_NAMES = frozenset({"two_factor_verify", "two_factor_enrol", "logout", "set_language", "login"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        redirect_to = self._redirect(request)
        if redirect_to is not None:
            return redirect_to
        return self.get_response(request)

    def _redirect(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        step = request.session.get(two_factor.SESSION_STEP)
        if step is None:  # a session from before two-factor login existed: decide once
            step = two_factor.remember_login_step(request)
        if not step or user.is_verified():
            return None
        match = _resolve(request.path_info)
        if match is not None and match.url_name in self.EXEMPT_URL_NAMES:
            return None
        return redirect_to_login_step(request, "two_factor_verify" if step == "verify" else "two_factor_enrol")


def _resolve(path: str):
    try:
        return resolve(path)
    except Resolver404:
        return None


def redirect_to_login_step(request, url_name: str):
    return redirect(f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")


class RejectNulMiddleware:
    """Answer 400 to a URL or query string carrying a NUL character.

    No list, search or token lookup means NUL, and PostgreSQL refuses it in any text parameter (a
    500 otherwise); forms already refuse it in posted fields.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in key or "\x00" in value for key, value in _query_items(request)):
            raise BadRequest("NUL character in the URL")
        return self.get_response(request)


def _query_items(request):
    for key, values in request.GET.lists():
        for value in values:
            yield key, value
