#!/usr/bin/python3
"""A local SMTP server that keeps every message it accepts, for tests and the demo (issue #14).

Run with the system python (/usr/bin/python3): Debian's python3-aiosmtpd is installed for it.

    tools/smtp-sink.py --dir DIR [--port 0] [--port-file F]
                       [--starttls-cert CERT --starttls-key KEY] [--tls-cert CERT --tls-key KEY]
                       [--auth USER:PASS] [--reject-rcpt SUBSTRING]

Listens on 127.0.0.1 (--port 0: a free port; --port-file names a file that receives the port
once the server listens). Each accepted message is written atomically (a temporary file, then a
rename) as DIR/<n>.eml (as received) and DIR/<n>.json ({"from", "to": [...], "subject", "text",
"html"} with the MIME decoded), n = 1, 2, ... in the order of arrival. --starttls-* offers
STARTTLS; --tls-* speaks TLS from the first byte (implicit TLS); --auth accepts AUTH PLAIN and
LOGIN only for that user and password (others get 535); --reject-rcpt answers 550 to every
recipient that contains SUBSTRING. Runs in the foreground until SIGTERM or SIGINT.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, folder, reject):
        self.folder = folder
        self.reject = reject
        existing = [int(name[:-5]) for name in os.listdir(folder)
                    if name.endswith(".json") and name[:-5].isdigit()]
        self.count = max(existing, default=0)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject and self.reject in address:
            return "550 5.1.1 <%s>: recipient rejected by the test sink" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        record = {
            "from": str(message.get("From", "")),
            "envelopeFrom": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(message.get("Subject", "")),
            "messageId": str(message.get("Message-ID", "")),
            "date": str(message.get("Date", "")),
            "text": text.get_content().replace("\r\n", "\n") if text is not None else "",
            "html": html.get_content().replace("\r\n", "\n") if html is not None else "",
        }
        self.count += 1
        base = os.path.join(self.folder, str(self.count))
        write_atomically(base + ".eml", raw)
        write_atomically(base + ".json",
                         json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))
        return "250 OK: kept as %d.eml" % self.count


def write_atomically(path, data):
    temporary = path + ".tmp"
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.rename(temporary, path)


def server_context(cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        good = (isinstance(auth_data, LoginPassword)
                and auth_data.login == user.encode("utf-8")
                and auth_data.password == password.encode("utf-8"))
        return AuthResult(success=good, handled=False)  # False: aiosmtpd answers 535
    return authenticate


async def serve(args):
    os.makedirs(args.dir, exist_ok=True)
    handler = Sink(args.dir, args.reject_rcpt)
    options = {"decode_data": False, "enable_SMTPUTF8": True, "hostname": "smtp-sink.test"}
    if args.starttls_cert:
        options["tls_context"] = server_context(args.starttls_cert, args.starttls_key)
        options["require_starttls"] = False
    if args.auth:
        user, _, password = args.auth.partition(":")
        options["authenticator"] = authenticator_for(user, password)
        options["auth_require_tls"] = False  # the client decides; tests cover plain loopback too
    implicit = server_context(args.tls_cert, args.tls_key) if args.tls_cert else None

    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, **options), host="127.0.0.1",
                                      port=args.port, ssl=implicit, reuse_address=True)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        write_atomically(args.port_file, ("%d\n" % port).encode())
    print("smtp-sink: listening on 127.0.0.1:%d, writing to %s" % (port, args.dir), flush=True)

    stopped = asyncio.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stopped.set)
    await stopped.wait()
    server.close()
    await server.wait_closed()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--starttls-cert")
    parser.add_argument("--starttls-key")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--auth", help="USER:PASS")
    parser.add_argument("--reject-rcpt", help="550 for recipients containing this")
    args = parser.parse_args()
    if bool(args.starttls_cert) != bool(args.starttls_key) or \
            bool(args.tls_cert) != bool(args.tls_key):
        parser.error("a certificate needs its key and a key its certificate")
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
