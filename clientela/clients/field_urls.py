"""The field settings screen, mounted at /settings/fields/ (before the other settings)."""

from django.urls import path

from clientela.clients.views import fields as views

app_name = "fields"
urlpatterns = [
    path("", views.field_list, name="list"),
    path("new/", views.field_create, name="create"),
    path("reorder/", views.field_reorder, name="reorder"),
    path("<int:pk>/", views.field_edit, name="edit"),
    path("<int:pk>/delete/", views.field_delete, name="delete"),
    path("<int:pk>/options/", views.field_options, name="options"),
    path("<int:pk>/options/reorder/", views.option_reorder, name="option_reorder"),
    path("<int:pk>/options/<int:option_id>/", views.option_edit, name="option_edit"),
    path("<int:pk>/options/cities/", views.import_cities, name="import_cities"),
]
