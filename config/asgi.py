"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import asyncio
import gc
import os
import weakref
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.http import SyncChainHandler
from core.checks import tested_versions
from core.proxies import TrustedProxies

django.setup(set_prefix=False)

# daphne runs no system checks: refuse to start on framework versions whose
# internals config/http.py and live/ were not tested against (core.checks).
if _unfit := tested_versions():
    raise ImproperlyConfigured(" ".join(str(error.msg) for error in _unfit))
django_asgi_app = SyncChainHandler()

if settings.GC_TUNING:
    # Everything loaded so far lives as long as the process: keep it out of
    # the collector's scans, and collect young objects less often. Frames
    # and ballots make many short-lived objects; this cuts CPU per frame.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)

from config.routing import websocket_urlpatterns  # noqa: E402
from live import coalesce, follow  # noqa: E402
from voting import services, turnout  # noqa: E402

http_app: Any = django_asgi_app
if settings.SERVE_STATIC:
    from config.compression import StaticFilesHandler

    # Gzipped, with cache headers: a phone on a weak network loads less.
    http_app = StaticFilesHandler(django_asgi_app)
if settings.HTTP_CONCURRENCY:
    from config.concurrency import RequestLimit

    http_app = RequestLimit(http_app, settings.HTTP_CONCURRENCY)

router: Any = ProtocolTypeRouter(
    {
        # Following a meeting over HTTP where WebSockets do not get through: a
        # long-poll of the live layer's own, outside Django's chain and the
        # request limit (it holds no thread while it waits).
        "http": follow.mount(http_app),
        # Cookies only: the meeting socket reads its session and member on
        # its own threads, with the rest of a connect's reads, and never
        # writes the session (Channels' session middleware would check it
        # for changes before every frame sent; live.consumer).
        "websocket": AllowedHostsOriginValidator(
            CookieMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)

# The client's address behind our own proxies (core.proxies): run daphne
# without --proxy-headers, which believes a client's forged X-Forwarded-For.
router = TrustedProxies(router)

_started_on: "weakref.WeakSet[asyncio.AbstractEventLoop]" = weakref.WeakSet()
_background: set["asyncio.Task[None]"] = set()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The router, plus the server loop's timers: coalesced live updates and
    poll deadlines run on the loop that first serves a request."""
    loop = asyncio.get_running_loop()
    if loop not in _started_on:
        _started_on.add(loop)
        coalesce.remember_loop()
        task = loop.create_task(turnout.resume_timers(services.polls_close_due))
        _background.add(task)
        task.add_done_callback(_background.discard)
    await router(scope, receive, send)
