"""A small django-oauth-toolkit deployment for the workspace's interop tests.

It serves the token endpoint at Seaware's path (/ota/oauth/token), a logout view that revokes the
bearer token in django-oauth-toolkit's own store (/ota/oauth/logout), a protected resource
(/ota/rest/whoami), toolkit's own revocation endpoint (/o/revoke_token/), and a log of the requests
it answered (/_test/requests), so that tests can assert the exact request sequence.
"""
