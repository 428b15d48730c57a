"""A minimal HTTP/1.1 client standing in for a physician's browser behind the TLS proxy.

The app runs with production settings, so its cookies are ``Secure`` and it trusts
``X-Forwarded-Proto: https`` from the proxy. The bench talks plain HTTP over loopback, so this
client plays the proxy's part honestly: it sends ``X-Forwarded-Proto: https`` and the public
``Host`` on every request, keeps every cookie itself (Secure ones too, as a browser on HTTPS
would) and sends ``Origin`` on POSTs as a browser does, so CSRF is checked exactly as in
production. It never follows redirects: the caller checks each one.

stdlib ``http.client`` gives the raw (still compressed) bodies, so bytes are counted as sent.
"""

from __future__ import annotations

import http.client
import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

PUBLIC_HOST = "localhost"
ACCEPT_ENCODING = "gzip, br"
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.CannotSendRequest)


def redirect_path(target: str) -> str:
    """The path and query of a redirect target, without scheme and host."""
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Response:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    elapsed_ms: float
    port: int

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def location_path(self) -> str:
        """The path of a redirect (Location or htmx's HX-Redirect), without scheme and host."""
        return redirect_path(self.header("Location") or self.header("HX-Redirect") or "")

    @property
    def wire_bytes(self) -> int:
        """Status line + headers + body as sent (the body still compressed when it was)."""
        head = len(f"HTTP/1.1 {self.status} {self.reason}\r\n") + 2
        head += sum(len(k) + len(v) + 4 for k, v in self.headers)
        return head + len(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """One user's cookies and keep-alive connections to one or more app servers.

    With several ports, consecutive requests go to the next server in turn (a round-robin load
    balancer with no stickiness), unless a request names its port.
    """

    def __init__(self, ports: Sequence[int], *, timeout: float = 30.0, address: str = "127.0.0.1") -> None:
        self.ports = list(ports)
        self._cycle = itertools.cycle(self.ports)
        self.timeout = timeout
        self.address = address
        self.cookies: dict[str, str] = {}
        self._connections: dict[int, http.client.HTTPConnection] = {}
        self.reconnects = 0

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: Mapping[str, object] | Iterable[tuple[str, object]] = (), **kwargs) -> Response:
        return self.request("POST", path, form=form, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        form: Mapping[str, object] | Iterable[tuple[str, object]] | None = None,
        headers: Mapping[str, str] | None = None,
        port: int | None = None,
        cookies: bool = True,
    ) -> Response:
        port = port if port is not None else next(self._cycle)
        sent = {
            "Host": PUBLIC_HOST,
            "X-Forwarded-Proto": "https",
            "Accept-Encoding": ACCEPT_ENCODING,
            "User-Agent": "dahguide-bench",
        }
        body = None
        if method != "GET":
            sent["Origin"] = f"https://{PUBLIC_HOST}"
            if "csrftoken" in self.cookies:
                sent["X-CSRFToken"] = self.cookies["csrftoken"]
            items = form.items() if isinstance(form, Mapping) else (form or ())
            body = urlencode(list(items), doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if cookies and self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        response = self._send(port, method, path, body, sent)
        if cookies:
            self._remember(response.headers)
        return response

    def _send(self, port: int, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Response:
        for attempt in (1, 2):
            connection = self._connections.get(port)
            reused = connection is not None
            if connection is None:
                connection = http.client.HTTPConnection(self.address, port, timeout=self.timeout)
                self._connections[port] = connection
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                raw = connection.getresponse()
                data = raw.read()
            except _STALE:
                # The server closed an idle keep-alive connection before reading this request:
                # reconnect once, as every HTTP client pool does. Anything else is an error.
                connection.close()
                del self._connections[port]
                if not reused or attempt == 2:
                    raise
                self.reconnects += 1
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if raw.will_close:
                connection.close()
                del self._connections[port]
            return Response(raw.status, raw.reason, raw.getheaders(), data, elapsed, port)
        raise AssertionError("unreachable")

    def _remember(self, headers: Iterable[tuple[str, str]]) -> None:
        for name, value in headers:
            if name.lower() != "set-cookie":
                continue
            jar = SimpleCookie()
            jar.load(value)
            for key, morsel in jar.items():
                expired = morsel["max-age"] in {"0", "-1"} or (morsel["expires"] and "1970" in morsel["expires"])
                if expired or morsel.value == "":
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
