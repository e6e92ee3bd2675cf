#!/usr/bin/env python3
"""A loopback HTTP server for TradeWatch's fetch tests: replays the responses a test scripts.

Usage: loopback_server.py DIR
Listens on 127.0.0.1 (a free port, written to DIR/port once listening). For each request it
reads DIR/routes.json (so a test can change the script between runs), takes the first route whose
"path" equals the request's path and whose "query" items all appear in the request's query, and
answers with that route's next response (the last one repeats). Each request is appended to
DIR/requests.jsonl as {"path", "query", "headers"}.

A response: {"status": 200, "headers": {...}, "body": "text"} and optionally
"truncate": N (announce the whole body's length, send N bytes, close), "delay": seconds (wait
before answering), "etag" / "last_modified"
(answer 304 to a request carrying the matching If-None-Match / If-Modified-Since).
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

DIR = sys.argv[1]
COUNTERS = {}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        with LOCK:
            with open(os.path.join(DIR, "requests.jsonl"), "a") as log:
                log.write(json.dumps({"path": parts.path, "query": parts.query,
                                      "headers": {k: v for k, v in self.headers.items()}}) + "\n")
            with open(os.path.join(DIR, "routes.json")) as f:
                routes = json.load(f)
            chosen = None
            for index, route in enumerate(routes):
                if route["path"] == parts.path and all(query.get(k) == v for k, v in route.get("query", {}).items()):
                    key = route.get("id", index)
                    count = COUNTERS.get(key, 0)
                    COUNTERS[key] = count + 1
                    responses = route["responses"]
                    chosen = responses[min(count, len(responses) - 1)]
                    break
        if chosen is None:
            return self.answer(404, {}, json.dumps({"statusCode": 404, "message": "no route"}).encode())
        time.sleep(chosen.get("delay", 0))
        etag, modified = chosen.get("etag"), chosen.get("last_modified")
        if (etag and self.headers.get("If-None-Match") == etag) or \
           (modified and self.headers.get("If-Modified-Since") == modified):
            return self.answer(304, {}, b"")
        headers = dict(chosen.get("headers", {}))
        if etag:
            headers["ETag"] = etag
        if modified:
            headers["Last-Modified"] = modified
        self.answer(chosen.get("status", 200), headers, chosen.get("body", "").encode(), chosen.get("truncate"))

    def answer(self, status, headers, body, truncate=None):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if truncate is not None:
            self.wfile.write(body[:truncate])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
