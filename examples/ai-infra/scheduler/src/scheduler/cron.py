"""A five-field cron matcher, enough for the job table (no names, no L/W/#)."""

from datetime import datetime


def _field(spec, value, low, high):
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            start, end = (int(x) for x in part.split("-", 1))
        else:
            start = end = int(part)
        if start <= value <= end and (value - start) % step == 0:
            return True
    return False


def matches(expr, when: datetime):
    minute, hour, day, month, weekday = expr.split()
    return (
        _field(minute, when.minute, 0, 59)
        and _field(hour, when.hour, 0, 23)
        and _field(day, when.day, 1, 31)
        and _field(month, when.month, 1, 12)
        and _field(weekday, when.isoweekday() % 7, 0, 6)
    )
