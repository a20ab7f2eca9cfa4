from django.apps import AppConfig


class MotionsConfig(AppConfig):
    name = "motions"

    def ready(self) -> None:
        from motions import live, outcomes

        live.register()
        outcomes.register()
