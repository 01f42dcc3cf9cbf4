from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "civicnest.training"
    label = "training"
    verbose_name = "培训、活动与人才"

    def ready(self) -> None:
        from civicnest.core.audit import register_audited
        from civicnest.training import metrics, models

        for model in (
            models.Course,
            models.Session,
            models.Enrolment,
            models.Feedback,
            models.Event,
            models.EventRegistration,
            models.EventPhoto,
            models.Placement,
        ):
            register_audited(model)
        register_audited(models.Volunteer, mask_fields=["id_number", "phone"])
        register_audited(models.ServiceHour)
        metrics.register_figures()
