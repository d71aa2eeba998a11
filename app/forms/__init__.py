"""The questions-as-data engine shared by the single assessment and the care plan: templates of
questions loaded from data files with a schema check, reading answers, and what changed between two."""
