"""`host:port` settings (MEETBOT_WEBHOOK_LISTEN, MEETBOT_METRICS_LISTEN)."""

from __future__ import annotations


def parse_listen(value: str) -> tuple[str, int]:
    host, sep, port = value.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError("must be host:port, e.g. 127.0.0.1:8443")
    return host.strip("[]"), int(port)
