"""The REST API: version 1 of the resources, its OpenAPI schema and an offline Swagger UI."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from clientela.accounts.api import RoleViewSet, ShareViewSet, TeamViewSet, UserViewSet
from clientela.clients.api import ClientViewSet, ContactViewSet, GroupViewSet
from clientela.clients.api.fields import FieldViewSet
from clientela.exchange.import_api import ImportViewSet

app_name = "api"


class Router(DefaultRouter):
    # No ".json" suffix routes: one URL per resource keeps the schema free of duplicates.
    include_format_suffixes = False


router = Router()
router.register("clients", ClientViewSet, basename="client")
router.register("groups", GroupViewSet, basename="group")
router.register("contacts", ContactViewSet, basename="contact")
router.register("fields", FieldViewSet, basename="field")
router.register("users", UserViewSet, basename="user")
router.register("roles", RoleViewSet, basename="role")
router.register("teams", TeamViewSet, basename="team")
router.register("shares", ShareViewSet, basename="share")
router.register("imports", ImportViewSet, basename="import")

urlpatterns = [
    path("v1/registry/", include("clientela.registry.api_urls")),
    path("v1/", include("clientela.exchange.api_urls")),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's files come from drf-spectacular-sidecar (SWAGGER_UI_DIST = "SIDECAR"): no CDN.
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
