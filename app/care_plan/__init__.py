"""The person's record and their one shared care plan: the care team, the plan's commands and read
model, and the accept/decline handshake of its actions."""
