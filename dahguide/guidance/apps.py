from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "dahguide.guidance"
    label = "guidance"
    verbose_name = "Guideline content"
