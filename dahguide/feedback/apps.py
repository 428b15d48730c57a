from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "dahguide.feedback"
    label = "feedback"
    verbose_name = "Recommendations not followed"

    def ready(self) -> None:
        from dahguide.cases.extensions import register_case_panel, register_reevaluation_panel, register_revisions_saved
        from dahguide.feedback import panels, services
        from dahguide.guidance.extensions import register_recommendation_panel, register_workspace_panel
        from dahguide.wizard.extensions import register_plan_panel

        # Each saved revision counts its recommendations as shown once (the cases never import feedback).
        register_revisions_saved(services.impressions_record_revisions)
        register_case_panel(panels.case_panel)
        register_reevaluation_panel(panels.reevaluation_panel)
        register_plan_panel(panels.plan_panel)
        # For editors, next to the content they edit: counts only.
        register_workspace_panel(panels.workspace_panel)
        register_recommendation_panel(panels.recommendation_panel)
