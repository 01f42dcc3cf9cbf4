from django.urls import path

from civicnest.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.region_browse, name="browse"),
    path("new/", views.region_create_view, name="create"),
    path("<str:code>/", views.region_browse, name="browse-node"),
]
