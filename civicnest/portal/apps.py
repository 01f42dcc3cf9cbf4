from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "civicnest.portal"
    label = "portal"
