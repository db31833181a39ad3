"""The logout view, a protected resource, and the request log."""

import json

from django.http import HttpResponse, JsonResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_backends import get_oauthlib_core

# Every request answered, in order (the server is single-threaded).
SEEN = []


class RecordRequests:
    """Records method, path, grant type, where the parameters were, and the status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/_test/"):
            return self.get_response(request)
        # Reading the body first keeps it readable for the views.
        body = request.body
        form = QueryDict(body) if "urlencoded" in request.content_type else QueryDict()
        query = request.GET
        grant = form.get("grant_type") or query.get("grant_type")
        if form:
            placement = "form"
        elif query:
            placement = "query"
        else:
            placement = "none"
        response = self.get_response(request)
        SEEN.append(
            {
                "method": request.method,
                "path": request.path,
                "grant_type": grant,
                "placement": placement,
                "status": response.status_code,
                "content_type": response.get("Content-Type", ""),
            }
        )
        return response


def requests_seen(request):
    """GET: the log of answered requests."""
    return JsonResponse(SEEN, safe=False)


def _bearer(request):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _invalid_token():
    response = JsonResponse({"error": "invalid_token"}, status=401)
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


@csrf_exempt
def logout(request):
    """POST with a bearer token: revokes it and its refresh token in toolkit's store."""
    if request.method != "POST":
        return HttpResponse(status=405)
    token = _bearer(request)
    access = get_access_token_model().objects.filter(token=token).first() if token else None
    if access is None or access.is_expired():
        return _invalid_token()
    refresh = getattr(access, "refresh_token", None)
    if refresh is not None:
        # Revokes the refresh token and deletes the access token with it.
        refresh.revoke()
    else:
        access.revoke()
    return JsonResponse({"status": "success"})


def whoami(request):
    """A resource that needs a valid bearer token: answers the user and the scope."""
    valid, core = get_oauthlib_core().verify_request(request, scopes=[])
    if not valid:
        return _invalid_token()
    token = core.access_token
    answer = {
        # Client-credentials tokens have no user.
        "user": token.user.username if token.user else None,
        "client_id": token.application.client_id,
        "scope": token.scope,
    }
    return HttpResponse(json.dumps(answer), content_type="application/json")
