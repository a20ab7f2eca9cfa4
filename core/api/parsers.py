"""The JSON parser every API view uses: DRF's, with a bound on nesting."""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DrfJSONParser

from core import jsonlimits


class JSONParser(DrfJSONParser):
    """A JSON body nested deeper than core.jsonlimits.MAX_DEPTH answers 400."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
        except UnicodeDecodeError as exc:
            raise ParseError(_("The request body is not valid text.")) from exc
        try:
            return jsonlimits.loads(text, parse_constant=_refuse_constant)
        except jsonlimits.JsonTooDeep as exc:
            raise ParseError(
                _("The JSON is nested too deep (at most %(depth)d levels).")
                % {"depth": jsonlimits.MAX_DEPTH}
            ) from exc
        except ValueError as exc:
            raise ParseError(_("The request body is not valid JSON.")) from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
