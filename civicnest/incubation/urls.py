from django.urls import path

from civicnest.incubation import views

app_name = "incubation"
urlpatterns = [
    path("", views.board_view, name="board"),
    path("centers/<int:pk>/programs/new/", views.program_create_view, name="program-create"),
    path("centers/<int:pk>/desks/", views.desk_list_view, name="desks"),
    path("programs/<int:pk>/rounds/new/", views.round_create_view, name="round-create"),
    path("rounds/<int:pk>/", views.round_detail_view, name="round-detail"),
    path("rounds/<int:pk>/apply/", views.application_create_view, name="application-create"),
    path("applications/<int:pk>/", views.application_detail_view, name="application-detail"),
    path("applications/<int:pk>/decide/", views.decide_view, name="application-decide"),
    path("applications/<int:pk>/review/", views.review_view, name="application-review"),
    path("applications/<int:pk>/agreement/", views.agreement_create_view, name="agreement-create"),
    path("applications/<int:pk>/agreement/sign/", views.agreement_sign_view, name="agreement-sign"),
    path("applications/<int:pk>/agreement.pdf", views.agreement_pdf_view, name="agreement-pdf"),
    path(
        "applications/<int:pk>/certificate.pdf", views.certificate_pdf_view, name="certificate-pdf"
    ),
    path("applications/<int:pk>/tenancies/", views.tenancy_create_view, name="tenancy-create"),
    path("applications/<int:pk>/services/", views.service_create_view, name="service-create"),
    path("applications/<int:pk>/milestones/", views.milestone_create_view, name="milestone-create"),
    path("applications/<int:pk>/mentors/", views.mentor_create_view, name="mentor-create"),
    path("applications/<int:pk>/progress/", views.progress_create_view, name="progress-create"),
    path(
        "applications/<int:pk>/assessment/", views.assessment_create_view, name="assessment-create"
    ),
    path("tenancies/<int:pk>/move-out/", views.tenancy_move_out_view, name="tenancy-move-out"),
    path("milestones/<int:pk>/achieve/", views.milestone_achieve_view, name="milestone-achieve"),
    path("follow-ups/<int:pk>/", views.follow_up_view, name="follow-up"),
]
