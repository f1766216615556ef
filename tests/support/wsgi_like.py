"""A backend that answers WebSocket upgrades the way a WSGI application
server does (gunicorn or uWSGI running Django or Flask, or Django's
runserver without Channels): with plain HTTP, never 101.

  /page...       200 and an HTML page; the upgrade headers are ignored
  /socket.io/... 400, as engine.io answers a request it cannot serve
  anything else  404, Django's "Not Found" page (no URL pattern matches)

Usage: python3 wsgi_like.py PORT  (prints "ready" once listening)."""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    server_version = "gunicorn"
    sys_version = ""

    def do_GET(self):
        if self.path.startswith("/page"):
            status, ctype = 200, "text/html"
            body = b"<!doctype html><title>Shop</title><p>home page</p>\n"
        elif self.path.startswith("/socket.io/"):
            status, ctype = 400, "application/json"
            body = b'{"code":3,"message":"Bad request"}'
        else:
            status, ctype = 404, "text/html"
            body = (
                b"<!doctype html><html lang=\"en\"><head><title>Not Found</title></head>"
                b"<body><h1>Not Found</h1><p>The requested resource was not found on this server.</p></body></html>"
            )
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
print("ready", flush=True)
server.serve_forever()
