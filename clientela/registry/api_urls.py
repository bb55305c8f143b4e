from django.urls import path

from clientela.registry.api import RegistryLookupView

urlpatterns = [
    path("lookup/", RegistryLookupView.as_view(), name="registry-lookup"),
]
