"""The routes: toolkit's token and revocation views, and the small views in dotserver.views."""

from django.urls import path
from oauth2_provider import views as oauth

from dotserver import views

urlpatterns = [
    path("ota/oauth/token", oauth.TokenView.as_view()),
    path("ota/oauth/logout", views.logout),
    path("ota/rest/whoami", views.whoami),
    path("o/revoke_token/", oauth.RevokeTokenView.as_view()),
    path("_test/requests", views.requests_seen),
]
