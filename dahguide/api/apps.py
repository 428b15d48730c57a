from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dahguide.api"
    label = "api"
    verbose_name = "API, CDS Hooks and FHIR export"
