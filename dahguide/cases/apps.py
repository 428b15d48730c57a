from django.apps import AppConfig

IMPACT_SOURCE = "Saved cases"


class CasesConfig(AppConfig):
    name = "dahguide.cases"
    label = "cases"
    verbose_name = "Saved cases"

    def ready(self) -> None:
        from dahguide.cases.selectors import recent_case_intakes
        from dahguide.guidance.impact import register_impact_source

        # Reviewers see which saved cases a draft guideline would change (guidance never imports cases).
        register_impact_source(IMPACT_SOURCE, recent_case_intakes)

