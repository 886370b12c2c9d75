"""``dispatch-desk cameras import FILE``: load cameras into the registry from CSV or JSON.

The file is checked whole first; any bad row is printed (row, field, what is wrong) and nothing
is imported. Passwords in stream URLs go to this workstation's credential store.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from dispatch_desk.cameras import registry
from dispatch_desk.cameras.credentials import CredentialStoreError, credential_store
from dispatch_desk.config.paths import Paths
from dispatch_desk.config.settings import Settings
from dispatch_desk.domain.enums import Role
from dispatch_desk.services.context import Actor


def run_import(settings: Settings, paths: Paths, file: Path) -> int:
    from dispatch_desk.desk import DeskCore

    try:
        records = registry.parse_file(file)
    except registry.ImportRejected as exc:
        print(f"dispatch-desk: cameras import: {file}: {exc}", file=sys.stderr)
        from dispatch_desk.audit.admin_log import record_command

        record_command(
            settings,
            paths,
            "camera.import",
            outcome="refused",
            entity_type="camera",
            file=str(file),
            # Where, not what: a bad row's message may quote a stream URL with its password.
            problems=[f"row {p.row}, {p.field}" for p in exc.problems[:50]],
        )
        return 1
    core = DeskCore.open(settings, paths)
    try:
        # Who ran it, as the operating system knows them: there is no desk sign-in here.
        user = f"os:{getpass.getuser()}"[:64]
        actor = Actor(None, user, user, Role.ADMIN, core.workstation)
        store = credential_store(paths.data_dir)
        result, _ = core.store.write_sync(
            registry.import_cameras, actor, records, store, core.clock()
        )
    except CredentialStoreError as exc:
        print(f"dispatch-desk: cameras import: {exc}", file=sys.stderr)
        return 1
    finally:
        core.close()
    print(
        f"{result.added} camera(s) added, {result.updated} updated; "
        f"{result.with_credentials} password(s) kept in the credential store ({store.key_source})"
    )
    return 0
