from django.urls import path

from civicnest.disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("", views.announcement_list, name="announcement-list"),
    path("new/", views.announcement_create, name="announcement-create"),
    path("<int:pk>/", views.announcement_detail, name="announcement-detail"),
    path("<int:pk>/publish/", views.announcement_publish, name="announcement-publish"),
    path("<int:pk>/withdraw/", views.announcement_withdraw, name="announcement-withdraw"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment-add"),
    path("centers/<int:pk>/", views.center_disclosures, name="center-disclosures"),
    path("yearly/<int:pk>/publish/", views.disclosure_publish, name="disclosure-publish"),
]
