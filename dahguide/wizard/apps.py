from django.apps import AppConfig


class WizardConfig(AppConfig):
    name = "dahguide.wizard"
    label = "wizard"
    verbose_name = "Bedside assessments"
