from django.apps import AppConfig


class ShellConfig(AppConfig):
    """The top of the house: home page, side menu, audit search, demo orchestration, site-wide commands."""

    name = "civicnest.shell"
    label = "shell"
    verbose_name = "外壳"
