from django.urls import path

from civicnest.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("organizations/", views.portal_organizations, name="organizations"),
    path("events/", views.portal_events, name="events"),
    path("projects/", views.portal_projects, name="projects"),
    path("projects/<int:pk>/", views.portal_project_detail, name="project-detail"),
]
