"""The web layer: rendering pages and htmx blocks, security headers and request guards, error pages,
Jinja filters, front-end assets, and reading form fields."""
