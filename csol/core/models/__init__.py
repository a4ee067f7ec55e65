from csol.core.models.customers import Customer, CustomerStatus, Language, Province, Site
from csol.core.models.events import ACTOR_LINK, ActorEvent, SentEmail
from csol.core.models.memberships import Invitation, Membership, Role
from csol.core.models.outbox import OutboxJob, OutboxState
from csol.core.models.partners import Partner, PartnerAuthorisation, Scope
from csol.core.models.users import User

__all__ = [
    "ACTOR_LINK",
    "ActorEvent",
    "SentEmail",
    "Customer",
    "CustomerStatus",
    "Invitation",
    "Language",
    "Membership",
    "OutboxJob",
    "OutboxState",
    "Partner",
    "PartnerAuthorisation",
    "Province",
    "Role",
    "Scope",
    "Site",
    "User",
]
