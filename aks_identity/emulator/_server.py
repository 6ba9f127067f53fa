"""HTTPS on 127.0.0.1 in a background thread, with a certificate made at start (trustme)."""

from __future__ import annotations

import shutil
import socket
import ssl
import tempfile
import threading
from pathlib import Path
from typing import Any

import trustme
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

__all__ = ["HttpsServer"]

HOST = "127.0.0.1"


class _Handler(WSGIRequestHandler):
    """HTTP/1.1 with keep-alive; no access log (paths would be noise, tokens never logged).

    werkzeug's development handler always answers ``Connection: close`` because an application
    may leave a request body unread; the emulator's app always reads it, so connections are
    kept open (a TLS handshake per request would cost more than the request itself).
    """

    protocol_version = "HTTP/1.1"
    timeout = 60

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close":
            return
        super().send_header(keyword, value)

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


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
        self._server: BaseWSGIServer = make_server(
            HOST, port, app, threaded=True, request_handler=_Handler, ssl_context=context
        )
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
        self._server.server_close()
        shutil.rmtree(self._dir, ignore_errors=True)
