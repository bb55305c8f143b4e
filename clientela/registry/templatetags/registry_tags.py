"""Template tags of the registry app: the client page's web-search links."""

from django import template

from clientela.clients.models import Client
from clientela.registry.selectors import WebSearchLink
from clientela.registry.selectors import web_search_links as _web_search_links

register = template.Library()


@register.simple_tag
def web_search_links(client: Client) -> list[WebSearchLink]:
    return _web_search_links(client=client)
