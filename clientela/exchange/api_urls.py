"""Mounted under /api/v1/ before the router: these sit beside the clients resource's own actions."""

from django.urls import path

from clientela.exchange import api

urlpatterns = [
    path("clients/<int:pk>/pdf/", api.ClientPdfView.as_view(), name="client-pdf"),
    path("clients/<int:pk>/vcard/", api.ClientVcardView.as_view(), name="client-vcard"),
]
