"""The single point of access: intake, person matching and search, NHS numbers, triage and its
response clocks, and the front door's figures."""
