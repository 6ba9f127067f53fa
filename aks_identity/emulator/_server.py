"""HTTPS on 127.0.0.1 in a background thread, with a certificate made at start (trustme)."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import ssl
import tempfile
import threading
from pathlib import Path
from typing import Any

import trustme
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

__all__ = ["HttpsServer"]

HOST = "127.0.0.1"
HANDSHAKE_SECONDS = 5.0
"""How long a client may take to complete the TLS handshake before it is dropped."""

# What http.server itself refuses (request line over 64 KiB, bad request line, too many
# headers) answered in ARM's error envelope instead of its HTML page.
_PROTOCOL_CODES = {
    400: "BadRequest",
    408: "RequestTimeout",
    414: "RequestUriTooLong",
    431: "RequestHeaderFieldsTooLarge",
    501: "NotImplemented",
    505: "HttpVersionNotSupported",
}


class _Handler(WSGIRequestHandler):
    """HTTP/1.1 with keep-alive; no access log (paths would be noise, tokens never logged).

    werkzeug's development handler closes every connection (it cannot know whether the
    application read the request body). The emulator's app always reads it and always sends
    ``Content-Length``, so this handler keeps connections open: a TLS handshake per request
    would cost more than serving the request.
    """

    protocol_version = "HTTP/1.1"
    timeout = 15
    server: _Server
    _handshake_failed = False

    def setup(self) -> None:
        # The TLS handshake runs here, in this connection's own thread (the listening socket
        # does not handshake on accept): a client that connects and sends nothing only holds
        # its own thread, for at most HANDSHAKE_SECONDS, and never the accept loop.
        connection = self.request
        if isinstance(connection, ssl.SSLSocket):
            try:
                connection.settimeout(HANDSHAKE_SECONDS)
                connection.do_handshake()
            except (OSError, ssl.SSLError):
                self._handshake_failed = True
                self.close_connection = True
        super().setup()
        self.server.track(self.connection)
        # Headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self) -> None:
        if not self._handshake_failed:
            super().handle()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals, in ARM's JSON error envelope (never an HTML page)."""
        error = _PROTOCOL_CODES.get(code, "BadRequest")
        text = message or self.responses.get(code, ("Bad request",))[0]
        body = json.dumps({"error": {"code": error, "message": f"{text}."}}).encode()
        self.close_connection = True
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.1"  # an unparsed request still gets a status line
        with contextlib.suppress(OSError):
            self.send_response(code, message)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    def run_wsgi(self) -> None:
        environ = self.make_environ()
        started: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            started[:] = [status, headers]
            return None

        try:
            body = b"".join(self.server.app(environ, start_response))
        except ConnectionError:  # the app dropped the connection (fault injection)
            self.close_connection = True
            return
        status, headers = started
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def finish(self) -> None:
        self.server.untrack(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _Server(ThreadedWSGIServer):
    """Threaded server that can close its open keep-alive connections on stop."""

    block_on_close = False

    def __init__(self, port: int, app: Any, context: ssl.SSLContext) -> None:
        super().__init__(HOST, port, app, handler=_Handler)
        # Wrapped here without handshaking on accept: each connection's thread handshakes.
        self.socket = context.wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False
        )
        self.ssl_context = context
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()

    def track(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """Shut down every open client connection (idle keep-alive ones included)."""
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class HttpsServer:
    """Serves a WSGI app over TLS on the loopback interface until :meth:`stop`."""

    def __init__(self, app: Any, port: int = 0) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="aks-identity-emulator-"))
        ca = trustme.CA(organization_name="aks-identity emulator")
        certificate = ca.issue_cert(HOST, "localhost")
        self.ca_bundle = str(self._dir / "ca.pem")
        ca.cert_pem.write_to_path(self.ca_bundle)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        certificate.configure_cert(context)
        self._server = _Server(port, app, context)
        self.port: int = self._server.server_port
        self.url = f"https://{HOST}:{self.port}"
        self._thread: threading.Thread | None = None

    @property
    def directory(self) -> Path:
        """Private temporary directory of this server (CA bundle, token file)."""
        return self._dir

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"arm-emulator:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve in the calling thread (standalone mode)."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving, close the socket and remove the temporary files."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.close_connections()
        self._server.server_close()
        shutil.rmtree(self._dir, ignore_errors=True)
