"""Voting REST API URLs, included at /api/ by config/urls.py."""

from django.urls import URLPattern, path

from voting.api import audit, views

app_name = "voting_api"

urlpatterns: list[URLPattern] = [
    path(
        "meetings/<int:meeting_id>/polls/",
        views.MeetingPollsView.as_view(),
        name="meeting-polls",
    ),
    path(
        "meetings/<int:meeting_id>/polls/reorder/",
        views.MeetingPollsReorderView.as_view(),
        name="meeting-polls-reorder",
    ),
    path(
        "meetings/<int:meeting_id>/results.csv",
        views.MeetingResultsCsvView.as_view(),
        name="meeting-results-csv",
    ),
    path(
        "meetings/<int:meeting_id>/voting-settings/",
        views.VotingSettingsView.as_view(),
        name="voting-settings",
    ),
    path("meetings/<int:meeting_id>/quorum/", views.QuorumView.as_view(), name="quorum"),
    path(
        "meetings/<int:meeting_id>/proxies/",
        views.ProxyListView.as_view(),
        name="proxy-list",
    ),
    path(
        "meetings/<int:meeting_id>/proxies/<int:proxy_id>/revoke/",
        views.ProxyRevokeView.as_view(),
        name="proxy-revoke",
    ),
    path("polls/<int:poll_id>/", views.PollDetailView.as_view(), name="poll-detail"),
    path("polls/<int:poll_id>/open/", views.PollOpenView.as_view(), name="poll-open"),
    path("polls/<int:poll_id>/close/", views.PollCloseView.as_view(), name="poll-close"),
    path("polls/<int:poll_id>/cancel/", views.PollCancelView.as_view(), name="poll-cancel"),
    path("polls/<int:poll_id>/publish/", views.PollPublishView.as_view(), name="poll-publish"),
    path(
        "polls/<int:poll_id>/decide-tie/",
        views.PollDecideTieView.as_view(),
        name="poll-decide-tie",
    ),
    path("polls/<int:poll_id>/ballots/", views.BallotCastView.as_view(), name="poll-ballots"),
    path(
        "polls/<int:poll_id>/paper-ballots/",
        views.PaperBallotView.as_view(),
        name="poll-paper-ballots",
    ),
    path("polls/<int:poll_id>/roll/", views.PollRollView.as_view(), name="poll-roll"),
    path("polls/<int:poll_id>/turnout/", views.PollTurnoutView.as_view(), name="poll-turnout"),
    path(
        "polls/<int:poll_id>/ballots.csv",
        views.PollBallotsCsvView.as_view(),
        name="poll-ballots-csv",
    ),
]

# Audit records: key, board, proofs, export (voting.api.audit).
urlpatterns += [
    path("audit/key/", audit.AuditKeyView.as_view(), name="audit-key"),
    path("receipt-qr/", audit.ReceiptQrView.as_view(), name="receipt-qr"),
    path("polls/<int:poll_id>/board/", audit.PollBoardView.as_view(), name="poll-board"),
    path("polls/<int:poll_id>/proof/", audit.PollProofView.as_view(), name="poll-proof"),
    path("polls/<int:poll_id>/audit/", audit.PollAuditExportView.as_view(), name="poll-audit"),
]
