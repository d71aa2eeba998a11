"""Jinja filters for how OnePlan shows dates and error lists."""
from datetime import date


def long_date(value) -> str:
    """12 March 1941: the NHS.UK style for dates."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def age(born: date, today: date | None = None) -> int:
    today = today or date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def error_list(errors: dict) -> list[dict]:
    """A field -> message dict as the NHS.UK error summary's list, each linking to its field."""
    return [{"text": message, "href": f"#{field}"} for field, message in errors.items()]


def init_app(app) -> None:
    app.add_template_filter(long_date)
    app.add_template_filter(age)
    app.add_template_filter(error_list)
