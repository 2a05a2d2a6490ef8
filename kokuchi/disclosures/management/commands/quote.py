"""`kokuchi quote render DEAL --format pdf|xlsx --output FILE`.

Writes the deal's quote (見積書) with the chapter-6 clause, e.g. to attach it to an e-mail or to
load the XLSX into another quote system.
"""

from kokuchi.disclosures.management.commands._render import RenderCommand
from kokuchi.disclosures.services import export_quote


class Command(RenderCommand):
    help = "Render the quote (見積書) of a deal: render DEAL --format pdf|xlsx --output FILE"
    formats = ("pdf", "xlsx")
    document_label = "quote"

    def export(self, *, deal, fmt):
        return export_quote(deal=deal, fmt=fmt)
