"""`{% load acknowledgements %}{% acknowledgement_panel deal %}`: the panel a deal page includes."""

from django import template

from kokuchi.acknowledgements.forms import LinkForm, RevokeForm
from kokuchi.acknowledgements.selectors import deal_ack_status
from kokuchi.acknowledgements.sending import remembered_links, send_links

register = template.Library()


@register.inclusion_tag("acknowledgements/_deal_panel.html", takes_context=True)
def acknowledgement_panel(context, deal):
    status = deal_ack_status(deal)
    return {
        "deal": deal,
        "status": status,
        "link_form": LinkForm(customer=deal.customer),
        "revoke_form": RevokeForm(),
        "send_links": send_links(status, remembered_links(context.get("request"))),
        "user_can_edit": context.get("user_can_edit"),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
