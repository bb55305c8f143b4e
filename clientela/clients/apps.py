from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "clientela.clients"
    verbose_name = _("Clients")

    def ready(self) -> None:
        from clientela.clients.merge import MERGE_FIELD_PROVIDERS
        from clientela.clients.record_fields import merge_field_provider

        # Custom fields are choosable on the merge screen like built-in ones.
        if merge_field_provider not in MERGE_FIELD_PROVIDERS:
            MERGE_FIELD_PROVIDERS.append(merge_field_provider)
