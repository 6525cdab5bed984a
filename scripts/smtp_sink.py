"""A real SMTP server for the mailer tests (aiosmtpd), on a free loopback port.

Prints `listening <port>` once ready, then one JSON line per message received:
{"mail_from", "rcpt_tos", "auth_user", "data"}. Accepts AUTH PLAIN/LOGIN for the one
user and password given on the command line (over plain SMTP: loopback only), and refuses
mail from unauthenticated sessions when credentials are configured.

Usage: python smtp_sink.py USER PASSWORD
"""

import json
import socket
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Recorder:
    async def handle_DATA(self, server, session, envelope):
        if session.auth_data is None:
            return "530 Authentication required"
        print(
            json.dumps(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "auth_user": session.auth_data.login.decode(),
                    "data": envelope.content.decode("utf-8", "replace"),
                }
            ),
            flush=True,
        )
        return "250 OK"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return check


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    user, password = sys.argv[1], sys.argv[2]
    port = free_port()
    controller = Controller(
        Recorder(),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator(user, password),
        auth_require_tls=False,
    )
    controller.start()
    print(f"listening {port}", flush=True)
    try:
        # Runs until the test closes stdin or kills the process.
        while sys.stdin.read(1):
            time.sleep(0.1)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
