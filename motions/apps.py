from django.apps import AppConfig


class MotionsConfig(AppConfig):
    name = "motions"

    def ready(self) -> None:
        from motions import live, outcomes

        live.register()
        outcomes.register()
        from meetings.projector_scenes import register_take_down
        from motions.services import take_down

        register_take_down("motions", take_down)
