from django.contrib import admin

from civicnest.network.models import Center, CenterStaff


class CenterStaffInline(admin.TabularInline):
    model = CenterStaff
    extra = 0
    fields = (
        "name",
        "position",
        "employment",
        "social_worker_level",
        "is_party_member",
        "phone",
        "is_active",
    )


@admin.register(Center)
class CenterAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "center_type", "region", "status", "premises_area")
    list_filter = ("level", "center_type", "status", "operation_mode")
    search_fields = ("name", "region__name", "region__code", "address")
    raw_id_fields = ("region", "parent")
    list_select_related = ("region",)
    inlines = [CenterStaffInline]


@admin.register(CenterStaff)
class CenterStaffAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "center",
        "position",
        "employment",
        "social_worker_level",
        "is_party_member",
        "is_active",
    )
    list_filter = ("position", "employment", "social_worker_level", "is_party_member", "is_active")
    search_fields = ("name", "center__name")
    raw_id_fields = ("center",)
    list_select_related = ("center",)
