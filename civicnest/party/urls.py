from django.urls import path

from civicnest.party import views

app_name = "party"
urlpatterns = [
    path("", views.org_list, name="org-list"),
    path("new/", views.org_create, name="org-create"),
    path("<int:pk>/", views.org_detail, name="org-detail"),
    path("<int:pk>/activities/", views.activity_create, name="activity-create"),
    path("<int:pk>/dissolve/", views.org_dissolve, name="org-dissolve"),
    path("rule/", views.rule, name="rule"),
    path("guides/", views.guide_list, name="guide-list"),
    path("guides/new/", views.guide_create, name="guide-create"),
    path("guides/<int:pk>/", views.guide_detail, name="guide-detail"),
]
