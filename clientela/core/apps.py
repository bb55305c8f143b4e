from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "clientela.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from clientela.core.postgres import register_dumpers

        connection_created.connect(register_dumpers, dispatch_uid="clientela.core.postgres.register_dumpers")
