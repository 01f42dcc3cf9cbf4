from django.urls import path

from civicnest.network import views

app_name = "network"
urlpatterns = [
    path("", views.network_tree_view, name="tree"),
    path("centers/", views.center_list_view, name="center-list"),
    path("centers/new/", views.center_create_view, name="center-create"),
    path("centers/<int:pk>/", views.center_detail_view, name="center-detail"),
    path("centers/<int:pk>/edit/", views.center_edit_view, name="center-edit"),
    path("centers/<int:pk>/staff/new/", views.staff_create_view, name="staff-create"),
    path("staff/<int:pk>/edit/", views.staff_edit_view, name="staff-edit"),
]
