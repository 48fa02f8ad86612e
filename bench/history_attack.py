#!/usr/bin/env python3
"""Replays two attacks on the history import against a movierec binary and prints figures.

1. A dry-run preview of a ~20 KB zip holding one 20 MB title: time to answer, and the
   server's peak resident memory (VmHWM) before and after.
2. A 50,000-row apply by one user while another rates films and logs in: how many of those
   writes failed, and how long the apply took.

Usage: bench/history_attack.py PATH/TO/movierec [PORT] [--apply-only]
Standard library only; the server runs on a fresh SQLite database in a temporary folder.
"""

import http.cookiejar
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile

PASSWORD = "correct horse battery"
HEADER = "Date,Name,Year,Letterboxd URI,Rating\n"


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Client:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, path, data=None, headers=None):
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        request.add_header("Origin", self.base)
        request.add_header("Sec-Fetch-Site", "same-origin")
        try:
            with self.opener.open(request, timeout=600) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def form(self, path, fields):
        return self.request(path, urllib.parse.urlencode(fields).encode())

    def upload(self, query, name, data):
        boundary = "----movierec-bench"
        body = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
        return self.request(
            f"/api/v1/me/imports?{query}",
            body,
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )


def main():
    binary = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 8765
    apply_only = "--apply-only" in sys.argv
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(
            [binary, "serve", "--bind", f"127.0.0.1:{port}",
             "--database-url", f"sqlite://{folder}/bench.db", "--retrain-after", "0",
             "--log", "warn"],
            stdout=subprocess.DEVNULL,
        )
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(base + "/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.5)
            ann, bob = Client(base), Client(base)
            for client, name in ((ann, "ann"), (bob, "bob")):
                client.form("/register", {"username": name, "password": PASSWORD,
                                          "confirm": PASSWORD})

            if not apply_only:
                long_title(server, ann)
            fifty_thousand_rows(base, ann, bob)
        finally:
            server.terminate()
            server.wait()


def long_title(server, ann):
    csv = HEADER + "2024-01-05," + "x" * (20 * 1024 * 1024) + ",1999,u,4\n"
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ratings.csv", csv)
    before = peak_rss_mb(server.pid)
    started = time.monotonic()
    status, body = ann.upload("dry_run=true", "letterboxd.zip", packed.getvalue())
    took = time.monotonic() - started
    print(f"long title: {len(packed.getvalue()) / 1024:.0f} KB zip, answered {status} "
          f"in {took:.2f} s; peak RSS {before:.0f} -> {peak_rss_mb(server.pid):.0f} MB; "
          f"{body[:120]!r}")


def fifty_thousand_rows(base, ann, bob):
    rows = "".join(f"2024-01-05,Unheard Of Picture {i},2001,u{i},3\n"
                   for i in range(50_000))
    outcome = {}

    def apply():
        started = time.monotonic()
        outcome["status"] = ann.upload("", "ratings.csv", (HEADER + rows).encode())[0]
        outcome["took"] = time.monotonic() - started

    thread = threading.Thread(target=apply)
    thread.start()
    tries, failed = 0, 0
    while thread.is_alive():
        for status, _ in (bob.form(f"/movies/{1 + tries % 500}/rating", {"stars": "4"}),
                          Client(base).form("/login", {"username": "bob",
                                                       "password": PASSWORD})):
            tries += 1
            failed += status >= 500
        time.sleep(0.2)
    thread.join()
    print(f"50,000-row apply: {outcome['status']} in {outcome['took']:.1f} s; "
          f"{failed} of {tries} ratings and log-ins by another user failed")


if __name__ == "__main__":
    main()
