from django.apps import AppConfig
from django.core import checks

from core.checks import tested_versions


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        checks.register(tested_versions, checks.Tags.compatibility)
