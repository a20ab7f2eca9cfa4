from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import checks

from core.checks import tested_versions


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core import loginguard

        checks.register(tested_versions, checks.Tags.compatibility)
        user_login_failed.connect(loginguard.on_login_failed, dispatch_uid="loginguard-failed")
        user_logged_in.connect(loginguard.on_logged_in, dispatch_uid="loginguard-success")
