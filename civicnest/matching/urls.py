from django.urls import path

from civicnest.matching import views

app_name = "matching"
urlpatterns = [
    path("", views.board_view, name="board"),
    path("needs/", views.need_list_view, name="need-list"),
    path("needs/new/", views.need_create_view, name="need-create"),
    path("needs/<int:pk>/", views.need_detail_view, name="need-detail"),
    path("needs/<int:pk>/matches/", views.need_matches_view, name="need-matches"),
    path("needs/<int:pk>/offer/", views.offer_view, name="offer"),
    path("needs/<int:pk>/refresh/", views.refresh_view, name="refresh"),
    path("inbox/", views.inbox_view, name="inbox"),
    path("matches/<int:pk>/respond/", views.respond_view, name="respond"),
    path("matches/<int:pk>/schedule/", views.schedule_view, name="schedule"),
    path("matches/<int:pk>/deliver/", views.deliver_view, name="deliver"),
    path("matches/<int:pk>/rate/", views.rate_view, name="rate"),
    path("matches/<int:pk>/close/", views.close_view, name="close"),
    path("services/", views.offering_list_view, name="offering-list"),
    path("services/new/", views.offering_form_view, name="offering-create"),
    path("services/<int:pk>/", views.offering_detail_view, name="offering-detail"),
    path("services/<int:pk>/edit/", views.offering_form_view, name="offering-edit"),
]
