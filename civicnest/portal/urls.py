from django.urls import path

from civicnest.portal import views
from civicnest.portal.feeds import AnnouncementFeed

app_name = "portal"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("organizations/", views.portal_organizations, name="organizations"),
    path("events/", views.portal_events, name="events"),
    path("announcements/", views.portal_announcements, name="announcements"),
    path("announcements/<int:pk>/", views.portal_announcement_detail, name="announcement-detail"),
    path("attachments/<int:pk>/", views.portal_attachment, name="attachment"),
    path("centers/<int:pk>/", views.portal_center_detail, name="center-detail"),
    path("disclosures/<int:pk>/file/", views.portal_disclosure_file, name="disclosure-file"),
    path("feed/", AnnouncementFeed(), name="feed"),
    path("projects/", views.portal_projects, name="projects"),
    path("projects/<int:pk>/", views.portal_project_detail, name="project-detail"),
    path("evaluation/", views.portal_evaluation, name="evaluation"),
]
