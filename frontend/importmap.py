"""The import map of pages that load frontend/elgamal.js (encrypted ballots).

@noble/curves imports @noble/hashes by bare name, so such a page declares
an import map. It is an inline script, which config/csp.py refuses unless
the response allows its hash: a view that renders `IMPORT_MAP` in
`<script type="importmap">…</script>` (verbatim) sets
`response.csp_extra = {"script-src": [IMPORT_MAP_CSP_SOURCE]}`.
"""

from __future__ import annotations

import base64
import hashlib
import json

from django.conf import settings

_PREFIXES = ("curves", "hashes", "ciphers")

IMPORT_MAP = json.dumps(
    {
        "imports": {
            f"@noble/{name}/": f"{settings.STATIC_URL}vendor/noble-{name}/" for name in _PREFIXES
        }
    },
    separators=(",", ":"),
)
"""The script's exact text."""

IMPORT_MAP_CSP_SOURCE = (
    "'sha256-" + base64.b64encode(hashlib.sha256(IMPORT_MAP.encode()).digest()).decode() + "'"
)
