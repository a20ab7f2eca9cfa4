from django.apps import AppConfig


class SpeakersConfig(AppConfig):
    name = "speakers"

    def ready(self) -> None:
        from speakers import live

        live.register()
