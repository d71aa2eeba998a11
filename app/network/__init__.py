"""A network's own pages for its lead."""
