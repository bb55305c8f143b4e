from django.urls import path

from clientela.clients import views
from clientela.clients.views import duplicates as duplicate_views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("duplicates/", duplicate_views.duplicate_list, name="duplicates"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/contacts/", views.client_contacts, name="contacts"),
    path("<int:pk>/history/", views.client_history, name="history"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/invalidate/", views.client_invalidate, name="invalidate"),
    path("<int:pk>/restore/", views.client_restore, name="restore"),
    path("<int:pk>/lock/", views.client_lock, name="lock"),
    path("<int:pk>/unlock/", views.client_unlock, name="unlock"),
    path("<int:pk>/delete/", views.client_delete, name="delete"),
    path("<int:pk>/history/<int:history_id>/restore/", views.client_restore_version, name="restore_version"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:pk>/delete/", views.group_delete, name="group_delete"),
]
