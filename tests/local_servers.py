"""Real local servers for the notification tests: SMTP (aiosmtpd) and HTTP (http.server)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    """A port nothing listens on (also what a 'server that is down' looks like)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_content().replace("\r\n", "\n")


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 keeping every message it accepts."""

    def __init__(self, *, delay: float = 0.0, login: tuple[str, str] | None = None,
                 port: int | None = None):
        self.delay, self.login = delay, login
        self.port = port or free_port()
        self.received: list[ReceivedMail] = []
        self.logins: list[str] = []
        self._lock = threading.Lock()
        kwargs = {}
        if login:
            kwargs = {"authenticator": self._authenticate, "auth_required": True,
                      "auth_require_tls": False}
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login.decode(), auth_data.password.decode()) == self.login
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        raw = envelope.original_content or envelope.content
        with self._lock:
            self.received.append(ReceivedMail(
                envelope.mail_from, list(envelope.rcpt_tos), raw,
                message_from_bytes(raw, policy=policy.default)))
        return "250 OK"

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


@dataclass
class ReceivedRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: object


class HttpServer:
    """An http.server in a thread recording every POST; answers ``status`` with ``answer``."""

    def __init__(self, status: int = 200, answer: object = None):
        self.status = status
        self.answer = answer if answer is not None else {"errcode": 0, "errmsg": "ok"}
        self.received: list[ReceivedRequest] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                sink.received.append(ReceivedRequest(
                    parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()},
                    dict(self.headers), json.loads(body.decode("utf-8"))))
                answer = json.dumps(sink.answer).encode()
                self.send_response(sink.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> HttpServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
