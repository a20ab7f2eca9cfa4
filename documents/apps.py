from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"

    def ready(self) -> None:
        # The app's rows of the permission table (meetings.permissions).
        from documents import live, permissions  # noqa: F401

        live.register()
