from django.apps import AppConfig


class PhilanthropyConfig(AppConfig):
    name = "civicnest.philanthropy"
    label = "philanthropy"
    verbose_name = "公益创投与政府购买服务"

    def ready(self) -> None:
        from civicnest.core.audit import register_audited
        from civicnest.philanthropy import metrics, models

        for model in (
            models.Fund,
            models.FundingProgram,
            models.RubricCriterion,
            models.ExpertAssignment,
            models.ConflictDeclaration,
            models.Proposal,
            models.Review,
            models.Project,
            models.Subscription,
            models.Tender,
            models.Bid,
            models.Contract,
            models.Tranche,
            models.ProgressReport,
            models.Evaluation,
            models.Receipt,
            models.LedgerEntry,
        ):
            register_audited(model)
        metrics.register_figures()
