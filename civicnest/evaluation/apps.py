from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "civicnest.evaluation"
    label = "evaluation"
    verbose_name = "评估与监督"

    def ready(self) -> None:
        from civicnest.core.audit import register_audited
        from civicnest.evaluation import metrics, models

        for model in (
            models.IndicatorTemplate,
            models.GradingRound,
            models.Assessment,
            models.EvaluatorAssignment,
            models.Appeal,
            models.CenterReview,
            models.Reward,
            models.Survey,
            models.BreachAcknowledgement,
            models.NetworkTarget,
        ):
            register_audited(model)
        metrics.register_figures()
