from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def _on_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "postgresql":  # psycopg is imported only where it is used
        from clientela.core.postgres import register_dumpers

        register_dumpers(connection)


class CoreConfig(AppConfig):
    name = "clientela.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        connection_created.connect(_on_connection, dispatch_uid="clientela.core.register_dumpers")
