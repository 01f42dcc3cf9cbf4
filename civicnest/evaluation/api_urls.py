from django.urls import path

from civicnest.evaluation import apis

urlpatterns = [
    path("evaluation/rounds/", apis.RoundListApi.as_view(), name="evaluation-round-list"),
    path(
        "evaluation/assessments/",
        apis.AssessmentListApi.as_view(),
        name="evaluation-assessment-list",
    ),
    path("compliance/", apis.ComplianceListApi.as_view(), name="compliance-list"),
    path("surveys/", apis.SurveyListApi.as_view(), name="survey-list"),
]
