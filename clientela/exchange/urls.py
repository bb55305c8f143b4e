from django.urls import path

from clientela.exchange import views
from clientela.exchange.import_urls import urlpatterns as import_urlpatterns

app_name = "exchange"
urlpatterns = [
    path("clients/<int:pk>/pdf/", views.client_pdf, name="client_pdf"),
    path("clients/<int:pk>/vcard/", views.client_vcard, name="client_vcard"),
    path("clients/export/", views.client_list_export, name="client_export"),
    *import_urlpatterns,
]
