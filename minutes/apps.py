from django.apps import AppConfig


class MinutesConfig(AppConfig):
    name = "minutes"

    def ready(self) -> None:
        # The app's rows of the permission table, before the first request.
        from minutes import permissions  # noqa: F401
