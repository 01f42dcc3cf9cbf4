from django.urls import path

from civicnest.core import views

app_name = "core"
urlpatterns = [
    path("notifications/", views.notification_inbox, name="notifications"),
    path("notifications/read/", views.notification_read, name="notification-read"),
]
