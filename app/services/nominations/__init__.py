"""Use cases of nominations (推荐、自荐): lodge, forward, review, admit to a case pool, decline.

Four kinds share one resource: self-nomination (自荐, NOM-SELF-*), signed leader recommendation
(领导干部署名推荐, NOM-SIGNED), organisational recommendation (组织推荐) and full-committee
nomination (全委会推荐). The rules are decided in `app.domain.nominations`; the queries are
`app.db.nominations_repo`. One module per concern:

    lodging      the four kinds, the three channels (NOM-SELF-CHANNEL, NOM-SIGNED)
    forwarding   forwarding to the organisation department and the interception list
                 (NOM-SELF-FORWARD)
    deadlines    pending forward deadlines, filled in once their year's schedule is known
    reviewing    review, admission to a case's candidate pool, decline
    reading      one, a page, a count, the record; who may see what (NOM-SELF-CONFIDENTIAL)
    attachments  evidence files, with `files` (the store on disk and the content checks)
    common       the view, the visible row, the record entry

Every name the API uses is re-exported here.
"""

from app.domain.nominations import NominationKind, NominationStatus, SelfChannel
from app.services.nominations.attachments import add_attachment, list_attachments, open_attachment
from app.services.nominations.common import NominationView
from app.services.nominations.files import (
    ALLOWED_TYPES,
    AttachmentStore,
    AttachmentTooLarge,
    UnsupportedMediaType,
)
from app.services.nominations.forwarding import InterceptedView, forward, intercepted
from app.services.nominations.lodging import lodge
from app.services.nominations.reading import (
    ORDERS,
    count,
    listing,
    read,
    record_entries,
    visible_nomination_ids,
)
from app.services.nominations.reviewing import admit, decline, review

__all__ = [
    "ALLOWED_TYPES",
    "ORDERS",
    "AttachmentStore",
    "AttachmentTooLarge",
    "InterceptedView",
    "NominationKind",
    "NominationStatus",
    "NominationView",
    "SelfChannel",
    "UnsupportedMediaType",
    "add_attachment",
    "admit",
    "count",
    "decline",
    "forward",
    "intercepted",
    "list_attachments",
    "listing",
    "lodge",
    "open_attachment",
    "read",
    "record_entries",
    "review",
    "visible_nomination_ids",
]
