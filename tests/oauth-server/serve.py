"""Starts the interop test server on a loopback port.

Usage: python serve.py [host]. Creates the schema and the fixtures in an in-memory database, binds
an ephemeral port, prints "listening on http://HOST:PORT" on stdout, and serves one request at a
time until its standard input closes (the test process ended, however it ended) or it is killed.

Fixtures:
- user "ann", password "ann-password";
- confidential client "seaware-ota" / "seaware-secret" with the password grant (and refresh);
- confidential client "pagos-api" / "pagos-secret" with the client-credentials grant.
"""

import os
import sys
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ["DJANGO_SETTINGS_MODULE"] = "dotserver.settings"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import get_application_model  # noqa: E402


def fixtures():
    user = get_user_model().objects.create_user("ann", password="ann-password")
    application = get_application_model()
    application.objects.create(
        name="seaware",
        client_id="seaware-ota",
        client_secret="seaware-secret",
        client_type=application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application.GRANT_PASSWORD,
        user=user,
    )
    application.objects.create(
        name="pagos",
        client_id="pagos-api",
        client_secret="pagos-secret",
        client_type=application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application.GRANT_CLIENT_CREDENTIALS,
        user=user,
    )


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the tests assert on /_test/requests instead."""

    def log_message(self, format, *args):
        pass


def exit_when_stdin_closes():
    sys.stdin.buffer.read()
    os._exit(0)


def main():
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    call_command("migrate", verbosity=0, interactive=False)
    fixtures()
    server = make_server(host, 0, get_wsgi_application(), WSGIServer, QuietHandler)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    print(f"listening on http://{host}:{server.server_port}", flush=True)
    # Requests are served in this thread: the in-memory database belongs to its connection.
    server.serve_forever()


if __name__ == "__main__":
    main()
