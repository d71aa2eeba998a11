"""Words people type into trust and directory records (a name, a reason, a note): the two rules
every such field follows, in the words the NHS.UK pages use beside the field."""
from typing import Optional


def problem(value: Optional[str], label: str, *, max_length: int, required: bool = False) -> Optional[str]:
    """Why this text cannot be kept, or None: a required field must be given ("Enter the hub's name"),
    and no field may be longer than its column ("The hub's name must be 120 characters or fewer")."""
    if not value:
        return f"Enter {label}" if required else None
    if len(value) > max_length:
        return f"{label[:1].upper()}{label[1:]} must be {max_length} characters or fewer"
    return None
