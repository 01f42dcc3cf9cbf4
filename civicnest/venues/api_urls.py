from django.urls import path

from civicnest.venues import apis

urlpatterns = [
    path("rooms/", apis.RoomListApi.as_view(), name="room-list"),
    path("bookings/", apis.BookingListApi.as_view(), name="booking-list"),
]
