from django.urls import path

from civicnest.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.region_browse, name="browse"),
    path("new/", views.region_create_view, name="create"),
    path("picker/search/", views.region_picker_search, name="picker-search"),
    path("<str:code>/", views.region_browse, name="browse-node"),
]
