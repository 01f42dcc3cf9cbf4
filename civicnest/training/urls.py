from django.urls import path

from civicnest.training import views

app_name = "training"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("hours/", views.hours_view, name="hours"),
    path("centers/<int:pk>/courses/new/", views.course_create_view, name="course-create"),
    path("centers/<int:pk>/events/new/", views.event_create_view, name="event-create"),
    path("courses/<int:pk>/", views.course_detail_view, name="course-detail"),
    path("courses/<int:pk>/sessions/", views.session_create_view, name="session-create"),
    path("sessions/<int:pk>/", views.session_detail_view, name="session-detail"),
    path("sessions/<int:pk>/enrol/", views.enrol_view, name="enrol"),
    path(
        "sessions/<int:pk>/attendance.xlsx", views.attendance_export_view, name="attendance-export"
    ),
    path("enrolments/<int:pk>/cancel/", views.enrolment_cancel_view, name="enrolment-cancel"),
    path("enrolments/<int:pk>/feedback/", views.feedback_view, name="feedback"),
    path("enrolments/<int:pk>/certificate.pdf", views.certificate_view, name="certificate"),
    path("checkin/<str:token>/", views.checkin_view, name="checkin"),
    path("events/<int:pk>/", views.event_detail_view, name="event-detail"),
    path("events/<int:pk>/action/", views.event_action_view, name="event-action"),
    path("events/<int:pk>/photos/", views.event_photo_add_view, name="event-photo-add"),
    path("event-photos/<int:pk>/", views.event_photo_view, name="event-photo"),
    path("talent/", views.talent_list_view, name="talent-list"),
    path("talent/new/", views.talent_create_view, name="talent-create"),
    path("talent/<int:pk>/", views.talent_detail_view, name="talent-detail"),
    path("talent/<int:pk>/hours/", views.hour_record_view, name="hour-record"),
    path("talent/<int:pk>/placements/", views.placement_create_view, name="placement-create"),
    path("hours/<int:pk>/verify/", views.hour_verify_view, name="hour-verify"),
    path("hours/export.xlsx", views.hours_export_view, name="hours-export"),
]
