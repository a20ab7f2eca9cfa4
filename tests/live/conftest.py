"""The socket fixtures for every test of the live layer."""

from tests.live.test_consumer import live_world, socket_layer  # noqa: F401
