from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"

    def ready(self) -> None:
        # The app's rows of the permission table (meetings.permissions).
        from documents import live, permissions  # noqa: F401

        live.register()
        from documents.services import take_down
        from meetings.projector_scenes import register_take_down

        register_take_down("documents", take_down)
