from django.urls import path

from clientela.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.settings_home, name="settings"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("roles/", views.role_grid, name="role_grid"),
    path("roles/new/", views.role_create, name="role_create"),
    path("roles/<int:pk>/delete/", views.role_delete, name="role_delete"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("teams/<int:pk>/delete/", views.team_delete, name="team_delete"),
]
