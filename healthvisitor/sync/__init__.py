"""Offline working (issue 12): a laptop's local copy, and synchronising it safely.

What is built:

* ``local.open_local_copy(path)``: the laptop's copy, same schema, built by
  the same migrations, encrypted at rest (SQLCipher; a random key per copy
  kept only in the OS keyring: no keyring, no copy). Its engine turns every
  change the ordinary services make into an outbox entry in the same
  transaction, and refuses at once what cannot be done offline.
  ``wipe_local_copy`` deletes the copy, the files beside it and its keys.
* ``pulling.pull(server, local, actor, today=...)``: copies exactly what the
  user's role allows (their caseload and the caseloads they cover, those
  families, the children's records, open referrals, reference data without
  password hashes). Idempotent; an interrupted pull changes nothing.
* ``pushing.push(local, server)``: sends the outbox batch by batch. Additions
  (contacts with measurements and ASQ scores, referrals with their steps,
  referral prompts, audit events) carry laptop-made UUIDs; every change has a
  ``change_id`` the server records once, so sending twice or resuming after an
  interruption applies nothing twice. Order is the server's (receipt sequence,
  audit chain). Offline audit events are verified on the laptop and signed
  into the server's chain, which stays intact.
* Edits to children's, families' and carers' details carry their base;
  accepted if based on the latest version, otherwise merged field by field;
  the same field changed on both sides keeps both values as a ``SyncConflict``
  (``conflicts.open_conflicts`` / ``resolve_conflict``: keep the server's,
  take the laptop's, or type another; ``ConflictDesk`` for the screen,
  ``ui/sync_conflicts.py``). Allocation and safeguarding are never sent from
  a laptop.
* ``at_start.check_offline_copy``: at start, a disabled user's copy is wiped
  (at the first start with a connection, audited on the server), and a copy
  not synchronised within ``offline.sync_required_after_days`` must
  synchronise before it shows records.

* ``desk.OfflineDesk``: one user's copy as the window uses it (where it lives,
  ``offline/<account id>.db`` in the data folder; its status; synchronising:
  push, then pull), and ``check_copies_at_start`` for every copy on the
  computer as the app opens on the shared database (``ui/offline_sync.py``).

* ``offline_sign_in``: signing in on the copy when the shared database cannot
  be reached (a laptop-made argon2id verifier kept after each right password
  online; wrong passwords counted and audited in the copy), the idle lock's
  desk offline, and ``OfflineWorkspace`` for the window on the copy
  (``ui/offline_window.py``).

Not built yet (docs/offline.md): switching a window onto the copy
mid-session, offline changes to referrals and prompts already on the server,
new families or children registered offline.
"""

from healthvisitor.sync.at_start import CopyState, StartCheck, check_offline_copy
from healthvisitor.sync.conflicts import (
    ConflictDesk,
    ConflictLine,
    Resolution,
    open_conflicts,
    resolve_conflict,
)
from healthvisitor.sync.desk import CopyStatus, OfflineDesk, SyncOutcome, copy_path
from healthvisitor.sync.local import (
    LocalCopyUnavailableError,
    SyncStatus,
    open_local_copy,
    sync_status,
    wipe_local_copy,
)
from healthvisitor.sync.pulling import pull
from healthvisitor.sync.pushing import PushResult, push
from healthvisitor.sync.records import OfflineNotAllowedError, SyncRefusedError

__all__ = [
    "ConflictDesk",
    "ConflictLine",
    "CopyState",
    "CopyStatus",
    "LocalCopyUnavailableError",
    "OfflineDesk",
    "OfflineNotAllowedError",
    "PushResult",
    "Resolution",
    "StartCheck",
    "SyncOutcome",
    "SyncRefusedError",
    "SyncStatus",
    "check_offline_copy",
    "copy_path",
    "open_conflicts",
    "open_local_copy",
    "pull",
    "push",
    "resolve_conflict",
    "sync_status",
    "wipe_local_copy",
]
