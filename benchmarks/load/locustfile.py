"""Locust users for benchmarks/load/run.py: staff browsing the office pages, customers opening their
link. LOAD_SEED names a JSON file with the staff login, a deal id and customer-link tokens."""

import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, task

SEED = json.loads(Path(os.environ["LOAD_SEED"]).read_text(encoding="utf-8"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class StaffUser(HttpUser):
    """A member of staff: logs in once, then moves between the list and detail pages."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="login")
        token = CSRF.search(page.text)
        self.client.post(
            "/accounts/login/",
            data={
                "username": SEED["username"],
                "password": SEED["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": self.host + "/accounts/login/"},
            name="login",
        )

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/", name="staff")

    @task(2)
    def deals(self) -> None:
        self.client.get("/deals/", name="staff")

    @task(2)
    def deal(self) -> None:
        self.client.get(f"/deals/{SEED['deal_id']}/", name="staff")

    @task(2)
    def customers(self) -> None:
        self.client.get("/customers/", name="staff")

    @task(2)
    def devices(self) -> None:
        self.client.get("/devices/", name="staff")

    @task(2)
    def exposures(self) -> None:
        self.client.get("/exposures/", name="staff")


class CustomerUser(HttpUser):
    """A customer opening the link of their e-mail (the disclosure and the confirmation form)."""

    wait_time = between(0.5, 1.5)

    @task
    def open_link(self) -> None:
        self.client.get(f"/ack/c/{random.choice(SEED['tokens'])}/", name="customer")
