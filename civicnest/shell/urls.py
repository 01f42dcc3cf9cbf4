from django.urls import path

from civicnest.shell import views

app_name = "shell"
urlpatterns = [
    path("", views.home, name="home"),
    path("core/audit/", views.audit_search, name="audit"),
]
