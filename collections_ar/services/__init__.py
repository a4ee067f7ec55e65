"""Writes on receivables. Every money movement goes through `allocation`, which holds the locks."""

from collections_ar.services.allocation import (
    allocation_reverse,
    credit_note_apply,
    linked_credit_notes_apply,
    payment_allocate,
    payment_allocate_oldest_first,
    payment_record,
    payment_transition,
    write_off_record,
)
from collections_ar.services.collection import (
    credit_hold_auto_run,
    credit_profile_update,
    customer_credit_hold_set,
    note_add,
    promise_add,
    promise_transition,
)

__all__ = [
    "allocation_reverse",
    "credit_hold_auto_run",
    "credit_note_apply",
    "credit_profile_update",
    "customer_credit_hold_set",
    "linked_credit_notes_apply",
    "note_add",
    "payment_allocate",
    "payment_allocate_oldest_first",
    "payment_record",
    "payment_transition",
    "promise_add",
    "promise_transition",
    "write_off_record",
]
