from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from frontend import language

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("meetings.api.urls")),
    path("api/", include("voting.api.urls")),
    path("api/", include("documents.api.urls")),
    path("api/", include("speakers.api.urls")),
    path("api/", include("motions.api.urls")),
    # The switcher also stores a logged-in member's preference (meetings.language).
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("jsi18n/", language.JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("frontend.urls")),
]

# A lost database inside a middleware answers 503 (core.unavailable).
handler500 = "core.unavailable.server_error"
