from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "dahguide.plans"
    label = "plans"
    verbose_name = "Plan presentation"
