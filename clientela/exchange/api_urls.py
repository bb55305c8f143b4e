"""Mounted under /api/v1/ before the router: these sit beside the clients resource's own actions."""

from django.urls import path

from clientela.exchange import api, export_api

urlpatterns = [
    # Before the router, whose clients/{pk}/ would otherwise answer clients/export/ with a 404.
    path("clients/export/", export_api.ClientListExportView.as_view(), name="client-export"),
    path("clients/<int:pk>/pdf/", api.ClientPdfView.as_view(), name="client-pdf"),
    path("clients/<int:pk>/vcard/", api.ClientVcardView.as_view(), name="client-vcard"),
]
