"""`kokuchi disclosure render DEAL --format pdf|html|docx --output FILE`.

Writes the deal's sale-time disclosure (告知書) as it would be issued now, for staff who work from
the command line or a script. Issuing (freezing) stays in the UI, where the issuer is known.
"""

from kokuchi.disclosures.management.commands._render import RenderCommand
from kokuchi.disclosures.services import DISCLOSURE_FORMATS, export_disclosure


class Command(RenderCommand):
    help = "Render the sale-time disclosure (告知書) of a deal: render DEAL --format pdf|html|docx --output FILE"
    formats = DISCLOSURE_FORMATS
    document_label = "disclosure"

    def export(self, *, deal, fmt):
        return export_disclosure(deal=deal, fmt=fmt)
