"""The import wizard's pages, under /exchange/imports/."""

from django.urls import path

from clientela.exchange import import_views as views

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/read/", views.import_read, name="import_read"),
    path("imports/<int:pk>/mapping/", views.import_apply_mapping, name="import_apply_mapping"),
    path("imports/<int:pk>/start/", views.import_start, name="import_start"),
    path("imports/<int:pk>/run/", views.import_run, name="import_run"),
    path("imports/<int:pk>/revert/", views.import_revert, name="import_revert"),
    path("imports/<int:pk>/rejected.csv", views.import_rejected, name="import_rejected"),
]
