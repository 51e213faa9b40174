"""Names that let two stacks of one program share an account and region.

Children are auto-named from their logical names (Pulumi appends a random suffix),
and every logical name starts with a prefix carrying project and stack. IAM role and
bucket names are account- or globally unique and capped at 64 and 63 characters, so
the prefix is kept short and within the characters both allow.
"""

from __future__ import annotations

import hashlib
import re

# The longest child suffix is "-replayer-schedule-role" (23), then Pulumi's "-" plus
# 7 random characters: 32 + 23 + 8 = 63 stays under the IAM role limit of 64.
MAX_PREFIX_LENGTH = 32
_VALID_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_DIGEST_LENGTH = 8


def stack_prefix(project: str, stack: str) -> str:
    """A valid, deterministic prefix for ``project`` and ``stack``, e.g. ``maintenance-gate-dev``."""
    wanted = re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", f"{project}-{stack}".lower())).strip("-")
    if len(wanted) <= MAX_PREFIX_LENGTH:
        return wanted
    # Truncating alone could map two long stack names to one prefix; a digest of the
    # full name keeps them apart.
    digest = hashlib.sha256(f"{project}\0{stack}".encode()).hexdigest()[:_DIGEST_LENGTH]
    head = wanted[: MAX_PREFIX_LENGTH - _DIGEST_LENGTH - 1].rstrip("-")
    return f"{head}-{digest}"


def check_prefix(name: str, what: str, max_length: int = MAX_PREFIX_LENGTH) -> str:
    """Refuse a component name that would make an invalid or too long child name."""
    if len(name) > max_length or not _VALID_PREFIX.match(name):
        raise ValueError(
            f"{what} name {name!r} must be 1 to {max_length} lowercase letters, digits and hyphens "
            "(it prefixes S3 bucket and IAM role names); maintenance_gate_pulumi.naming.stack_prefix() makes one"
        )
    return name
