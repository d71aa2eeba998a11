"""Trust: who may see what (access rules), break-glass access, the person's sharing decisions,
the tamper-evident audit trail and who has looked, staff sessions, accounts and API tokens."""
