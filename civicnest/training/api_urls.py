from django.urls import path

from civicnest.training import apis

urlpatterns = [
    path("courses/", apis.CourseListApi.as_view(), name="course-list"),
    path("sessions/", apis.SessionListApi.as_view(), name="session-list"),
    path("enrolments/", apis.EnrolmentListApi.as_view(), name="enrolment-list"),
    path("events/", apis.EventListApi.as_view(), name="event-list"),
    path("volunteers/", apis.VolunteerListApi.as_view(), name="volunteer-list"),
]
