"""Document API URLs, included at /api/ by config/urls.py."""

from django.urls import URLPattern, path

from documents.api import views

app_name = "documents_api"

urlpatterns: list[URLPattern] = [
    path(
        "meetings/<int:meeting_id>/documents/",
        views.MeetingDocumentsView.as_view(),
        name="meeting-documents",
    ),
    path(
        "meetings/<int:meeting_id>/documents/pack.zip",
        views.MeetingPackView.as_view(),
        name="meeting-pack",
    ),
    path(
        "meetings/<int:meeting_id>/presentation/",
        views.PresentationView.as_view(),
        name="presentation",
    ),
    path(
        "meetings/<int:meeting_id>/presentation/presenter/",
        views.PresenterView.as_view(),
        name="presenter",
    ),
    path("documents/<int:document_id>/", views.DocumentDetailView.as_view(), name="document"),
    path(
        "documents/<int:document_id>/versions/",
        views.DocumentVersionsView.as_view(),
        name="document-versions",
    ),
    path(
        "document-versions/<str:key>/download/",
        views.VersionDownloadView.as_view(),
        name="version-download",
    ),
    path(
        "document-versions/<str:key>/pages/<int:number>/image/<str:size>/",
        views.PageImageView.as_view(),
        name="page-image",
    ),
    path(
        "document-versions/<str:key>/pages/<int:number>/text/",
        views.PageTextView.as_view(),
        name="page-text",
    ),
    path(
        "document-versions/<str:key>/pages/<int:number>/note/",
        views.PageNoteView.as_view(),
        name="page-note",
    ),
]
