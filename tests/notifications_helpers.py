"""A real SMTP peer for the notification tests: aiosmtpd on 127.0.0.1, a free port, in a thread.

Like a real mail server it keeps a message only once it has answered 250 to the client: a client
that vanishes while the peer is still working on the DATA (``delay``) leaves nothing behind."""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Peer:
    messages: list = field(default_factory=list)
    delay: float = 0.0                      # seconds to hold each DATA before answering
    refuse: set = field(default_factory=set)   # recipients answered 550
    dropped: int = 0
    in_data: int = 0                        # DATA commands begun (a test kills a client during one)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.in_data += 1
        if self.delay:
            try:
                await asyncio.sleep(self.delay)
            except asyncio.CancelledError:      # aiosmtpd cancels the handler when the client vanishes
                with self.lock:
                    self.dropped += 1
                raise
            transport = getattr(server, "transport", None)
            if transport is None or transport.is_closing():
                with self.lock:
                    self.dropped += 1
                return "451 client gone"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def wait_until(self, predicate, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate():
                    return True
            time.sleep(0.02)
        with self.lock:
            return bool(predicate())

    def wait_for(self, count: int, timeout: float = 20.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self.lock:
            return list(self.messages)


class SmtpPeer:
    def __init__(self):
        self.peer = Peer()
        self.port = free_port()
        self.controller = Controller(self.peer, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> Peer:
        self.controller.start()
        return self.peer

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()
