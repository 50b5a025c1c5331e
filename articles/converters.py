"""URL converters: issue dates appear in URLs as ISO dates (2021-10-28)."""
import datetime as dt


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        return dt.date.fromisoformat(value)  # an impossible date (2021-02-30) raises: no match, 404

    def to_url(self, value: dt.date) -> str:
        return value.isoformat()
