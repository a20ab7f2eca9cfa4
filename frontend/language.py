"""The language switcher and the JavaScript catalogue (rule: meetings.language)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views import i18n

from core.language import offered
from meetings import services
from meetings.models import Member

CATALOGUE_DOMAIN = "djangojs"


def set_language(request: HttpRequest) -> HttpResponseBase:
    """Django's set_language (cookie, then back to `next`); for a logged-in
    member it also stores the choice as their preferred language."""
    response: HttpResponseBase = i18n.set_language(request)
    language = offered(request.POST.get("language")) if request.method == "POST" else None
    if language and isinstance(request.user, Member):
        services.member_language_set(actor=request.user, language=language)
    return response


@functools.cache
def catalogue_version(language: str) -> str:
    """Changes whenever the language's JavaScript catalogue does (or Django,
    whose date and number formats the catalogue carries)."""
    digest = hashlib.sha256(django.__version__.encode())
    for folder in settings.LOCALE_PATHS:
        compiled = Path(folder) / language / "LC_MESSAGES" / f"{CATALOGUE_DOMAIN}.mo"
        if compiled.is_file():
            digest.update(compiled.read_bytes())
    return digest.hexdigest()[:12]


def catalogue_url(language: str) -> str:
    return f"{reverse('javascript-catalog')}?language={language}&v={catalogue_version(language)}"


def i18n_urls(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the JavaScript catalogue of the page's language."""
    return {"js_catalog_url": catalogue_url(translation.get_language() or settings.LANGUAGE_CODE)}


class JavaScriptCatalog(i18n.JavaScriptCatalog):
    """Only this project's strings (LOCALE_PATHS), not every installed app's.
    With ?language=xx&v=<version> (what the pages link) the answer depends on
    the URL alone, so browsers keep it for a year."""

    domain = CATALOGUE_DOMAIN
    packages = ["frontend"]  # no locale folder of its own: LOCALE_PATHS only

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = offered(request.GET.get("language"))
        if language is None:
            return super().get(request, *args, **kwargs)
        with translation.override(language):
            response = super().get(request, *args, **kwargs)
        response["Content-Language"] = language
        if request.GET.get("v") == catalogue_version(language):
            patch_cache_control(response, public=True, max_age=365 * 24 * 3600, immutable=True)
        return response
