from typing import Any

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from frontend import language


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script as a file (no inline script); its
    bundle and styles come from the CDN drf-spectacular names."""

    @extend_schema(exclude=True)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().get(request, *args, **kwargs)
        cdn = spectacular_settings.SWAGGER_UI_DIST.rstrip("/") + "/"
        response.csp_extra = {"script-src": [cdn], "style-src": [cdn, "'unsafe-inline'"]}
        return response


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("meetings.api.urls")),
    path("api/", include("voting.api.urls")),
    path("api/", include("documents.api.urls")),
    path("api/", include("speakers.api.urls")),
    path("api/", include("motions.api.urls")),
    path("api/", include("minutes.api.urls")),
    # The switcher also stores a logged-in member's preference (meetings.language).
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("jsi18n/", language.JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("frontend.urls")),
]

# A lost database inside a middleware answers 503 (core.unavailable).
handler500 = "core.unavailable.server_error"
