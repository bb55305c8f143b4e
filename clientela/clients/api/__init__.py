"""REST API of clients, groups and contacts: serializers shape the JSON, the services do the work.

Serializers only type-check and shape input; normalising and checking values is the services'
job, so the API answers with the same rules and messages as the web UI. Every read starts from a
selector, so another user's record does not exist for the caller (404), and every write is one
service call.
"""

from clientela.clients.api.clients import ClientViewSet
from clientela.clients.api.contacts import ContactViewSet
from clientela.clients.api.groups import GroupViewSet

__all__ = ["ClientViewSet", "ContactViewSet", "GroupViewSet"]
