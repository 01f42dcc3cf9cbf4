from django.urls import path

from civicnest.governance import apis

urlpatterns = [
    path("topics/", apis.TopicListApi.as_view(), name="topic-list"),
    path("opinions/", apis.OpinionListApi.as_view(), name="opinion-list"),
    path("meetings/", apis.MeetingListApi.as_view(), name="meeting-list"),
]
