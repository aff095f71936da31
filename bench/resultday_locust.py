"""The result-day mix for Locust (started by bench/bench_resultday.py, one headless run per step).

Who is in the mix (user classes and their weights):

- ``Student`` (6): one visit after another, each as a different student: the sign-in page, sign-in
  (the password check), 我的证书, the certificate's PDF, sign-out. A PDF not yet stored answers 202
  with ``Retry-After``; the student asks once more after that wait (a second 202 is not a failure).
- ``Public`` (3): an employer or anyone verifying, two lookups in three by the QR link
  (``/verify/t/<token>``), one in three by number and name on the form (its page, then the POST).
- ``Institution`` (1): an institution's staff, signed in once, listing its students' certificates
  (a page of 50) and now and then exporting the whole list to XLSX.
- ``OrgFinalizer`` (exactly one): an org's staff who signs in and finalizes the 1,000-candidate
  session named in the data file for this step (through the page), then idles.

The data (accounts, numbers, names, tokens, the session) come from the JSON file named by
``RESULTDAY_DATA``. Not a test and not imported by the portal.
"""

import json
import os
import random
import re

import gevent
from locust import FastHttpUser, between, events, task
from locust.stats import StatsEntry

DATA = json.loads(open(os.environ["RESULTDAY_DATA"], encoding="utf-8").read())
PASSWORD = DATA["password"]
SIGN_IN = "POST /account/login/"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@events.quitting.add_listener
def write_summary(environment, **_kwargs):
    """Percentiles of every request but the password check (whose floor is the hasher's CPU time),
    for bench_resultday's hold criterion; Locust's CSV has them per endpoint and for all together only."""
    stats = environment.stats
    rest = StatsEntry(stats, "all but sign-in", "")
    for (name, _method), entry in stats.entries.items():
        if name != SIGN_IN:
            rest.extend(entry)
    summary = {"requests": rest.num_requests, "failures": rest.num_failures}
    if rest.num_requests:
        summary.update(p50_ms=rest.get_response_time_percentile(0.5), p95_ms=rest.get_response_time_percentile(0.95))
    with open(os.environ["RESULTDAY_SUMMARY"], "w", encoding="utf-8") as handle:
        json.dump(summary, handle)


def csrf_of(text: str) -> str | None:
    match = CSRF.search(text or "")
    return match.group(1) if match else None


def sign_in(user: FastHttpUser, username: str) -> bool:
    with user.client.get("/account/login/", name="GET /account/login/", catch_response=True) as page:
        token = csrf_of(page.text)
        if page.status_code != 200 or not token:
            page.failure(f"sign-in page: {page.status_code}")
            return False
    with user.client.post("/account/login/", name=SIGN_IN, allow_redirects=False, catch_response=True,
                          data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}) as response:
        if response.status_code != 302:
            response.failure(f"sign-in refused: {response.status_code}")
            return False
    return True


class Student(FastHttpUser):
    weight = 6
    wait_time = between(0.5, 1.5)

    @task
    def visit(self):
        student = random.choice(DATA["students"])
        self.client.cookiejar.clear()
        if not sign_in(self, student["username"]):
            return
        self.wait()
        with self.client.get("/certificates/mine/", name="GET /certificates/mine/", catch_response=True) as mine:
            if mine.status_code != 200 or student["number"] not in (mine.text or ""):
                mine.failure(f"我的证书: {mine.status_code}, certificate not listed")
                return
            token = csrf_of(mine.text)
        self.wait()
        self.pdf(student["number"])
        self.wait()
        self.client.post("/account/logout/", name="POST /account/logout/", allow_redirects=False,
                         data={"csrfmiddlewaretoken": token or ""})

    def pdf(self, number: str):
        for attempt in range(2):
            with self.client.get(f"/certificates/{number}/pdf", name="GET /certificates/[number]/pdf",
                                 catch_response=True) as response:
                if response.status_code == 200 and (response.content or b"").startswith(b"%PDF"):
                    return
                if response.status_code != 202:
                    response.failure(f"PDF: {response.status_code}")
                    return
                retry_after = float(response.headers.get("Retry-After") or 5)
            if attempt == 0:
                gevent.sleep(min(retry_after, 10))



class Public(FastHttpUser):
    weight = 3
    wait_time = between(0.5, 1.5)

    @task(2)
    def by_qr_link(self):
        holder = random.choice(DATA["public"])
        with self.client.get(f"/verify/t/{holder['token']}", name="GET /verify/t/[token]",
                             catch_response=True) as response:
            if response.status_code != 200 or "verdict-valid" not in (response.text or ""):
                response.failure(f"QR verification: {response.status_code}, not valid")

    @task(1)
    def by_number_and_name(self):
        holder = random.choice(DATA["public"])
        with self.client.get("/verify/", name="GET /verify/", catch_response=True) as page:
            token = csrf_of(page.text)
            if page.status_code != 200 or not token:
                page.failure(f"verification page: {page.status_code}")
                return
        self.wait()
        with self.client.post("/verify/", name="POST /verify/", catch_response=True, data={
                "csrfmiddlewaretoken": token, "number": holder["number"], "name": holder["name"]}) as response:
            if response.status_code != 200 or "verdict-valid" not in (response.text or ""):
                response.failure(f"verification by number and name: {response.status_code}, not valid")


class Institution(FastHttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        self.signed_in = sign_in(self, random.choice(DATA["institutions"]))

    @task(4)
    def list_page(self):
        if self.signed_in:
            self.client.get("/certificates/", name="GET /certificates/ (institution list)")

    @task(1)
    def export(self):
        if not self.signed_in:
            return
        with self.client.get("/certificates/?export=xlsx", name="GET /certificates/?export=xlsx",
                             catch_response=True) as response:
            if response.status_code != 200 or not (response.content or b"").startswith(b"PK"):
                response.failure(f"XLSX export: {response.status_code}")


class OrgFinalizer(FastHttpUser):
    fixed_count = 1
    wait_time = between(1, 2)

    def on_start(self):
        self.done = not DATA.get("session")

    @task
    def finalize(self):
        if self.done:
            return
        self.done = True
        gevent.sleep(DATA.get("finalize_after", 0))  # after the other users are started and the stats reset
        if not sign_in(self, DATA["org"]):
            return
        path = f"/assessments/sessions/{DATA['session']}/finalize/"
        with self.client.get(path, name="GET /assessments/sessions/[pk]/finalize/", catch_response=True) as page:
            token = csrf_of(page.text)
            if page.status_code != 200 or not token:
                page.failure(f"finalize page: {page.status_code}")
                return
        with self.client.post(path, name="POST /assessments/sessions/[pk]/finalize/ (1,000 candidates)",
                              allow_redirects=False, catch_response=True,
                              data={"csrfmiddlewaretoken": token}) as response:
            if response.status_code != 302:
                response.failure(f"finalize: {response.status_code}")
