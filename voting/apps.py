from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "voting"

    def ready(self) -> None:
        # The app's rows of the permission table (meetings.permissions).
        from voting import live, permissions  # noqa: F401

        live.register()
