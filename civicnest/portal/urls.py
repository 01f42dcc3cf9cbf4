from django.urls import path

from civicnest.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("organizations/", views.portal_organizations, name="organizations"),
    path("events/", views.portal_events, name="events"),
    path("evaluation/", views.portal_evaluation, name="evaluation"),
]
