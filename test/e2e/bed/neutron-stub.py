#!/usr/bin/python3
"""The smallest Neutron stand-in Nova 26 needs for servers booted with "networks": "none".

Nova still asks Neutron about ports (listing, showing, deleting and evacuating servers) and
networks/extensions (periodic info-cache heal); with nothing listening, GET /servers/detail
answers 500. Every collection GET here answers an empty list; anything else 404. Each request
is logged. Nova reaches it through [neutron] endpoint_override; it is not in the catalog.
Usage: neutron-stub.py PORT LOGFILE
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

PORT = int(sys.argv[1])
LOGFILE = sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = urlsplit(self.path).path.rstrip("/")
        parts = [p for p in path.split("/") if p]
        status, body = 404, {"NeutronError": {"type": "HTTPNotFound", "message": "stub", "detail": ""}}
        if self.command == "GET":
            if parts and parts[0] == "v2.0" and len(parts) == 2:
                # /v2.0/ports, /v2.0/networks, /v2.0/extensions, /v2.0/security-groups ...
                name = parts[1].replace("-", "_")
                if name.endswith(".json"):
                    name = name[:-5]
                status, body = 200, {name: []}
            elif not parts:
                status, body = 200, {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [{"rel": "self", "href": f"http://127.0.0.1:{PORT}/v2.0/"}]}]}
        self._send(status, body)
        with open(LOGFILE, "a") as f:
            f.write(f"{time.strftime('%H:%M:%S')} {self.command} {self.path} -> {status}\n")

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
