from django.apps import AppConfig

IMPACT_SOURCE = "Saved cases"


class CasesConfig(AppConfig):
    name = "dahguide.cases"
    label = "cases"
    verbose_name = "Saved cases"

    def ready(self) -> None:
        from dahguide.cases.selectors import recent_case_intakes
        from dahguide.cases.views import save_case_panel
        from dahguide.guidance.impact import register_impact_source
        from dahguide.wizard.extensions import register_plan_panel

        # Reviewers see which saved cases a draft guideline would change (guidance never imports cases).
        register_impact_source(IMPACT_SOURCE, recent_case_intakes)
        # The wizard's plan page offers the save form (the wizard never imports cases).
        register_plan_panel(save_case_panel)
