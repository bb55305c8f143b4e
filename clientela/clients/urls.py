from django.urls import path

from clientela.clients import views
from clientela.clients.views import bulk as bulk_views
from clientela.clients.views import duplicates as duplicate_views
from clientela.clients.views import merge as merge_views
from clientela.clients.views import sharing as sharing_views
from clientela.clients.views import transfer as transfer_views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("bulk/", bulk_views.client_bulk, name="bulk"),
    path("duplicates/", duplicate_views.duplicate_list, name="duplicates"),
    path("duplicates/scan/", duplicate_views.duplicate_scan_request, name="duplicate-scan"),
    path("duplicates/progress/", duplicate_views.duplicate_scan_progress, name="duplicate-progress"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/contacts/", views.client_contacts, name="contacts"),
    path("<int:pk>/history/", views.client_history, name="history"),
    path("<int:pk>/sharing/", sharing_views.client_sharing, name="sharing"),
    path("<int:pk>/sharing/add/", sharing_views.share_add, name="share_add"),
    path("<int:pk>/sharing/<int:share_id>/remove/", sharing_views.share_remove, name="share_remove"),
    path("transfer/from/<int:user_pk>/", transfer_views.transfer_from_user, name="transfer_from_user"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/changes/", views.client_changes, name="changes"),
    path("<int:pk>/invalidate/", views.client_invalidate, name="invalidate"),
    path("<int:pk>/restore/", views.client_restore, name="restore"),
    path("<int:pk>/lock/", views.client_lock, name="lock"),
    path("<int:pk>/unlock/", views.client_unlock, name="unlock"),
    path("<int:pk>/delete/", views.client_delete, name="delete"),
    path("<int:pk>/merge/", merge_views.client_merge_page, name="merge"),
    path("<int:pk>/merges/<int:merge_id>/undo/", merge_views.client_merge_undo_view, name="merge_undo"),
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
