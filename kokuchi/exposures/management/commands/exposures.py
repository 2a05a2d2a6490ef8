"""`kokuchi exposures [--customer CODE] --format json|csv`: export device × vulnerability rows.

For resellers who feed the list into their own tools (SFA, spreadsheets); the columns are fixed
(exposures.selectors.EXPOSURE_COLUMNS).
"""

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from kokuchi.core.exports import safe_row
from kokuchi.customers.models import Customer
from kokuchi.exposures.selectors import EXPOSURE_COLUMNS, exposure_rows


class Command(BaseCommand):
    help = "Export exposures (one row per device × vulnerability) as JSON or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--customer", help="Customer code to restrict to.")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, customer=None, format="json", **options):
        if customer and not Customer.objects.filter(customer_code=customer).exists():
            raise CommandError(f"No customer with code {customer!r}.")
        rows = exposure_rows(customer_code=customer)
        if format == "json":
            self.stdout.write(json.dumps(list(rows), ensure_ascii=False, indent=2))
            return
        # Every cell through safe_row: a vulnerability title, a vendor's product name or a serial
        # number starting with "=" or "@" must not become a formula in the spreadsheet.
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(safe_row(EXPOSURE_COLUMNS))
        for row in rows:
            values = row | {
                "aliases": " ".join(row["aliases"]),
                "needs_review": "yes" if row["needs_review"] else "no",
                "kev": "yes" if row["kev"] else "no",
                "epss": "" if row["epss"] is None else row["epss"],
                "cvss": "" if row["cvss"] is None else row["cvss"],
            }
            writer.writerow(safe_row(values[column] for column in EXPOSURE_COLUMNS))
