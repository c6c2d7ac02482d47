"""Queue mode example: crawl a small generated web site on 127.0.0.1.

    workload-profiler profile examples/crawl_site.py crawl
    workload-profiler profile examples/crawl_site.py crawl_async --executors async

The site is a fixed link graph of 150 pages, each answered after a 10 ms delay, served by
this module itself on a loopback port (one server per process that imports it: every one
serves the same pages, so items are plain paths).
"""
import asyncio
import re
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGES = 150
DELAY_S = 0.010
LINK = re.compile(r'href="([^"]+)"')


def links_of(page):
    out = [(page + 1) % PAGES, (page + 2) % PAGES]
    out += [(page * 7919 + i * 104729) % PAGES for i in range(1, 4)]
    return out


class Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connections when more workers than that knock at
    # once, and each dropped one waits a second for TCP to retry: a fake straggler.
    request_queue_size = 128
    daemon_threads = True


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        m = re.match(r"^/page/(\d+)$", self.path)
        page = int(m.group(1)) if m else 0
        body = "<h1>Page %d</h1>" % page + " ".join('<a href="/page/%d">%d</a>' % (p, p) for p in links_of(page))
        time.sleep(DELAY_S)
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


_base = None
_lock = threading.Lock()


def site():
    """Starts this process's server once, on a free loopback port, in a daemon thread."""
    global _base
    with _lock:
        if _base is None:
            server = Server(("127.0.0.1", 0), Handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            _base = "http://127.0.0.1:%d" % server.server_address[1]
    return _base


# @workload queue seeds=["/page/0"] budget=20
def crawl(path):
    with urllib.request.urlopen(site() + path, timeout=10) as res:
        html = res.read().decode()
    return LINK.findall(html)


# @workload queue seeds=["/page/0"] budget=20
async def crawl_async(path):
    host, port = site()[len("http://"):].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)).encode())
    await writer.drain()
    html = (await reader.read()).decode()
    writer.close()
    return LINK.findall(html)
