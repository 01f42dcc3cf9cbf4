from django.apps import AppConfig


class IncubationConfig(AppConfig):
    name = "civicnest.incubation"
    label = "incubation"
    verbose_name = "孵化培育"

    def ready(self) -> None:
        from civicnest.core.audit import register_audited
        from civicnest.incubation import metrics, models

        for model in (
            models.IncubationProgram,
            models.IntakeRound,
            models.Application,
            models.ApplicationReview,
            models.Agreement,
            models.Desk,
            models.Tenancy,
            models.ServiceRecord,
            models.Milestone,
            models.Mentorship,
            models.ProgressReview,
            models.GraduationAssessment,
            models.FollowUp,
        ):
            register_audited(model)
        metrics.register_figures()
