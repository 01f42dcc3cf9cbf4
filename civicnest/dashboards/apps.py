from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "civicnest.dashboards"
    label = "dashboards"
