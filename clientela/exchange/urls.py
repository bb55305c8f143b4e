from django.urls import path

from clientela.exchange import views

app_name = "exchange"
urlpatterns = [
    path("clients/<int:pk>/pdf/", views.client_pdf, name="client_pdf"),
    path("clients/<int:pk>/vcard/", views.client_vcard, name="client_vcard"),
]
