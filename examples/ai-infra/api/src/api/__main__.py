import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from api import routes
from ai_infra import identity


class Handler(BaseHTTPRequestHandler):
    def _reply(self, status, payload):
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._reply(*routes.handle(self.path, None))

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self._reply(*routes.handle(self.path, self.rfile.read(length)))


def main(argv):
    if "--selftest" in argv:
        status, _ = routes.handle("/health", None)
        assert status == 200
        assert routes.pick_model("tenant-a") == routes.pick_model("tenant-a")
        print(identity("api"))
        return 0
    HTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
    return 0


sys.exit(main(sys.argv[1:]))
