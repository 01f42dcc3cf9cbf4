from django.contrib import admin

from civicnest.registry.models import (
    ActivityTeam,
    AnnualReport,
    ArchiveDocument,
    ConsultingSession,
    CreditRecord,
    RegistrationGuidance,
    SocialOrganization,
)


@admin.register(SocialOrganization)
class SocialOrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "org_type", "category", "stage", "grade", "region", "status")
    list_filter = ("org_type", "category", "stage", "grade", "status")
    search_fields = ("name", "uscc", "name_initials")
    raw_id_fields = ("region", "center")
    list_select_related = ("region",)
    readonly_fields = ("name_pinyin", "name_initials")


@admin.register(ActivityTeam)
class ActivityTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "category", "region", "status", "filing_number")
    list_filter = ("kind", "category", "status")
    search_fields = ("name", "filing_number")
    raw_id_fields = ("region", "submitted_by", "reviewed_by")
    list_select_related = ("region",)


@admin.register(AnnualReport)
class AnnualReportAdmin(admin.ModelAdmin):
    list_display = ("organization", "year", "income", "expenses", "status", "result")
    list_filter = ("year", "status", "result")
    search_fields = ("organization__name",)
    raw_id_fields = ("organization", "submitted_by", "reviewed_by")


@admin.register(CreditRecord)
class CreditRecordAdmin(admin.ModelAdmin):
    list_display = ("organization", "kind", "occurred_on", "recorded_by")
    list_filter = ("kind",)
    raw_id_fields = ("organization", "recorded_by")


@admin.register(ArchiveDocument)
class ArchiveDocumentAdmin(admin.ModelAdmin):
    list_display = (
        "organization",
        "doc_type",
        "title",
        "version",
        "size",
        "uploaded_by",
        "created_at",
    )
    list_filter = ("doc_type",)
    raw_id_fields = ("organization", "uploaded_by")


admin.site.register(ConsultingSession)
admin.site.register(RegistrationGuidance)
