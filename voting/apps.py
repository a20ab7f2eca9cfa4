from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "voting"

    def ready(self) -> None:
        # The app's rows of the permission table (meetings.permissions).
        from voting import live, permissions  # noqa: F401

        live.register()
        # A copied meeting gets its polls as drafts.
        from meetings.services import register_copy_hook
        from voting.services.polls import polls_copy

        register_copy_hook(polls_copy)
