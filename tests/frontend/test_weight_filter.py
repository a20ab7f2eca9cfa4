"""Weights on the server's pages: no trailing zeros, in the reader's notation
(the board's `weight` filter); CSV exports keep the four stored decimals."""

from __future__ import annotations

import pytest
from django.utils import translation

from frontend.templatetags.numbers import weight


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        ("en", "6.0000", "6"),
        ("en", "2.5000", "2.5"),
        ("en", "10.0000", "10"),
        ("vi", "2.5000", "2,5"),
        ("vi", "1.3333", "1,3333"),
        ("ar", "6.0000", "6"),
    ],
)
def test_a_weight_is_shown_without_trailing_zeros(language: str, value: str, shown: str) -> None:
    with translation.override(language):
        assert weight(value) == shown
