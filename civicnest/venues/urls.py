from django.urls import path

from civicnest.venues import views

app_name = "venues"
urlpatterns = [
    path("", views.room_list_view, name="room-list"),
    path("bookings/", views.booking_list_view, name="booking-list"),
    path("bookings/<int:pk>/decide/", views.booking_decide_view, name="booking-decide"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel_view, name="booking-cancel"),
    path("rooms/<int:pk>/", views.room_detail_view, name="room-detail"),
    path("rooms/<int:pk>/edit/", views.room_edit_view, name="room-edit"),
    path("rooms/<int:pk>/photos/", views.room_photo_add_view, name="room-photo-add"),
    path("photos/<int:pk>/", views.room_photo_view, name="room-photo"),
    path("centers/<int:pk>/rooms/new/", views.room_create_view, name="room-create"),
    path("centers/<int:pk>/calendar/", views.center_calendar_view, name="center-calendar"),
    path("centers/<int:pk>/usage/", views.usage_view, name="usage"),
]
