from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicnest.core"
    label = "core"
    verbose_name = "核心"
