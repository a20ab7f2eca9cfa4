from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo union and meeting (`manage.py seed_demo`). It composes every
    app, so it sits above them all and nothing imports it."""

    name = "demo"
