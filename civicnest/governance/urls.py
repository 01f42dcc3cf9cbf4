from django.urls import path

from civicnest.governance import views

app_name = "governance"
urlpatterns = [
    path("", views.topic_list_view, name="topic-list"),
    path("new/", views.topic_create_view, name="topic-create"),
    path("topics/<int:pk>/", views.topic_detail_view, name="topic-detail"),
    path("topics/<int:pk>/opinions/", views.opinion_post_view, name="opinion-post"),
    path("topics/<int:pk>/advance/", views.advance_view, name="topic-advance"),
    path("topics/<int:pk>/meetings/", views.meeting_create_view, name="meeting-create"),
    path("topics/<int:pk>/report/", views.report_view, name="report"),
    path("opinions/<int:pk>/support/", views.support_view, name="support"),
    path("opinions/<int:pk>/hide/", views.hide_view, name="hide"),
    path("opinions/<int:pk>/to-need/", views.to_need_view, name="to-need"),
    path("meetings/<int:pk>/", views.meeting_detail_view, name="meeting-detail"),
    path("meetings/<int:pk>/resolutions/", views.resolution_create_view, name="resolution-create"),
    path("resolutions/<int:pk>/progress/", views.progress_view, name="progress"),
]
