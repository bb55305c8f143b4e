from django.urls import path

from clientela.registry import views

app_name = "registry"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("preview/", views.preview, name="preview"),
    path("apply/", views.apply, name="apply"),
]
