from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clientela.web import views as web_views

urlpatterns = [
    path("", include("clientela.web.urls")),
    path("login/", web_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("clients/", include("clientela.clients.urls")),
    path("settings/fields/", include("clientela.clients.field_urls")),
    path("settings/", include("clientela.accounts.urls")),
    path("registry/", include("clientela.registry.urls")),
    path("exchange/", include("clientela.exchange.urls")),
    path("api/", include("clientela.api.urls")),
    path("admin/", admin.site.urls),
]
