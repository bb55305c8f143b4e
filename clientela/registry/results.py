"""What every registry provider answers with, whatever the registry's own response looks like."""

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class RegistryResult:
    """One company as a registry describes it; a value the registry does not give is ""."""

    source: str  # the registry's name: "ARES", "ANAF", "VIES"
    name: str = ""
    registration_id: str = ""
    tax_id: str = ""
    vat_id: str = ""
    street: str = ""
    city: str = ""
    postal_code: str = ""
    region: str = ""
    country: str = ""
    # "individual" when the registry says this is a person in business (an individual entrepreneur),
    # "company" when it says it is a legal person, "" when it does not say.
    kind: str = ""
    legal_form: str = ""  # as the registry names it (ANAF) or codes it (ARES)

    @property
    def is_individual_entrepreneur(self) -> bool:
        return self.kind == "individual"

    @property
    def address_line(self) -> str:
        return ", ".join(part for part in (self.street, f"{self.postal_code} {self.city}".strip()) if part)

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RegistryResult":
        """Rebuild from ``as_dict()``; unknown keys are ignored and every value is text."""
        names = {field.name for field in fields(cls)}
        return cls(**{key: str(value) for key, value in data.items() if key in names})


@dataclass(frozen=True)
class FieldChange:
    """A client field that applying a registry result would change."""

    field: str
    label: str
    current: str
    registry: str
    current_text: str = ""  # the values as shown (a kind's label rather than its code)
    registry_text: str = ""
