"""The interface's language: Chinese unless the reader chose English with the switch in the header.

Django's LocaleMiddleware would also follow the browser's Accept-Language, so an English-language
browser would open the archive in English; the archive is a Chinese newspaper's, and Chinese is
its default. The reader's choice (Django's ``set_language`` view, a POST from the switch) is kept
in the language cookie, and only that cookie changes the language. Addresses stay the same in
both languages.
"""
from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


def chosen_language(request) -> str:
    """The language the reader chose with the switch, else the default (zh-hans)."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    supported = {code for code, _ in settings.LANGUAGES}
    return code if code in supported else settings.LANGUAGE_CODE


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", "zh-Hans" if language == "zh-hans" else language)
        translation.deactivate()
        return response
