"""The single assessment: one per person, added to section by section; its scored tools and the
rules that turn its findings into suggested care-plan needs."""
