from django.contrib import admin

from civicnest.core.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "event", "created_at", "read_at")
    list_filter = ("event",)
    search_fields = ("title", "recipient__username")
    raw_id_fields = ("recipient",)
