#!/usr/bin/env python3
"""Latency of the recommendations page and API, as a logged-in user sees them.

Starts `movierec serve` on a fresh database in a temporary directory (the embedded catalog with
its critic ratings), registers a user who rates some well-known movies, trains a model through
the API, then times sequential requests over one keep-alive connection and prints the median and
the 99th percentile. Standard library only.

    cargo build --release -p movierec
    bench/recommendations_latency.py [--binary target/release/movierec] [--requests 1000]
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive connection that keeps the session cookie."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = None

    def request(self, method, path, form=None):
        headers = {"Origin": f"http://127.0.0.1:{self.port}", "Sec-Fetch-Site": "same-origin"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data


def wait_for(check, what, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    sys.exit(f"gave up waiting for {what}")


def percentile(sorted_values, q):
    index = min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))
    return sorted_values[index]


def time_requests(client, path, n):
    # A few untimed requests first: connection set-up and first-use caches.
    for _ in range(10):
        client.request("GET", path)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        status, _ = client.request("GET", path)
        times.append((time.perf_counter() - start) * 1000)
        if status != 200:
            sys.exit(f"GET {path} answered {status}")
    times.sort()
    return statistics.median(times), percentile(times, 0.99)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default="target/release/movierec")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--ratings", type=int, default=30, help="movies the user rates")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = dict(os.environ, RUST_LOG="warn")
        server = subprocess.Popen(
            [args.binary, "serve", "--bind", f"127.0.0.1:{port}",
             "--database-url", f"sqlite://{tmp}/movierec.db"],
            env=env,
        )
        try:
            def up():
                try:
                    return Client(port).request("GET", "/health")[0] == 200
                except OSError:
                    return False

            wait_for(up, "the server to start")
            client = Client(port)
            status, _ = client.request(
                "POST", "/register",
                {"username": "bench", "password": "benchmark password", "confirm": "benchmark password"},
            )
            assert status == 303, status
            # The onboarding list: well-known movies across genres.
            _, page = client.request("GET", "/")
            marker = 'class="movie-card onboarding-movie" data-movie-id="'
            ids = [part.split('"', 1)[0] for part in page.decode().split(marker)[1:]]
            for i, movie in enumerate(ids[: args.ratings]):
                client.request("POST", f"/movies/{movie}/rating", {"stars": str(1 + i % 5)})

            def model():
                return json.loads(client.request("GET", "/api/v1/model")[1])

            wait_for(lambda: not model()["training"]["running"], "the first training")
            before = model().get("version")
            status, _ = client.request("POST", "/api/v1/model/train", {})
            assert status == 202, status
            wait_for(
                lambda: (m := model())["version"] != before and not m["training"]["running"],
                "the training",
            )
            recs = json.loads(client.request("GET", "/api/v1/recommendations?n=20")[1])
            assert recs and recs[0]["source"] == "model", recs[:1]

            print(f"{args.requests} sequential requests per row, one connection, "
                  f"user with {len(ids[: args.ratings])} ratings, model v{model()['version']}")
            for path in ["/", "/api/v1/recommendations?n=20"]:
                median, p99 = time_requests(client, path, args.requests)
                print(f"GET {path:32} median {median:6.2f} ms   p99 {p99:6.2f} ms")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
