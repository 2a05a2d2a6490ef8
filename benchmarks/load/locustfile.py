"""Locust users for benchmarks/load/run.py: staff browsing the office pages, customers opening their
link. LOAD_SEED names a JSON file with signed-in staff sessions, a deal id and customer-link tokens."""

import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

SEED = json.loads(Path(os.environ["LOAD_SEED"]).read_text(encoding="utf-8"))


class StaffUser(HttpUser):
    """A member of staff, signed in, moving between the list and detail pages."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        # Signed in beforehand (run.py seeds the sessions): the password hash of a login storm would
        # dominate the figures; login has its own throttle and costs.
        self.client.cookies.set("sessionid", random.choice(SEED["sessions"]))

    def page(self, path: str) -> None:
        with self.client.get(path, name="staff", catch_response=True) as response:
            if "/accounts/login/" in response.url:
                response.failure("sent to the login page: the session is not signed in")

    @task(3)
    def dashboard(self) -> None:
        self.page("/")

    @task(2)
    def deals(self) -> None:
        self.page("/deals/")

    @task(2)
    def deal(self) -> None:
        self.page(f"/deals/{SEED['deal_id']}/")

    @task(2)
    def customers(self) -> None:
        self.page("/customers/")

    @task(2)
    def devices(self) -> None:
        self.page("/devices/")

    @task(2)
    def exposures(self) -> None:
        self.page("/exposures/")


class CustomerUser(HttpUser):
    """A customer opening the link of their e-mail (the disclosure and the confirmation form)."""

    wait_time = between(0.5, 1.5)

    @task
    def open_link(self) -> None:
        self.client.get(f"/ack/c/{random.choice(SEED['tokens'])}/", name="customer")
