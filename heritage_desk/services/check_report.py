"""What `heritage-desk check` found and did (CheckReport), and what it is asked to do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from heritage_desk import config
from heritage_desk.storage.images import printable

Severity = Literal["problem", "repaired", "note"]

#: A temp file younger than this may belong to an export or retrain running right now.
TEMP_MIN_AGE_S = 15 * 60


@dataclass(frozen=True)
class Finding:
    """One thing the check saw: a problem left for a person, a repair it made, or a note."""

    severity: Severity
    kind: str  # "integrity", "orphan", "missing image", "changed image", "temp file", ...
    where: str
    message: str

    def line(self) -> str:
        return f"{self.severity}: {self.kind}: {self.where}: {self.message}"


@dataclass
class CheckReport:
    """Everything one check found and did; `ok` is False while a problem is left unrepaired."""

    catalogue: str
    assets: int = 0
    images_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    cancelled: bool = False

    def add(self, severity: Severity, kind: str, where: str, message: str) -> None:
        # One line each: a file name may hold a newline (escaped), a message is re-spaced.
        self.findings.append(Finding(severity, kind, printable(where), " ".join(message.split())))

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "problem"]

    @property
    def repairs(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "repaired"]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.cancelled

    def lines(self) -> list[str]:
        """The report as text: a summary, then problems, repairs and notes."""
        verdict = "OK" if self.ok else "PROBLEMS LEFT"
        out = [
            f"catalogue: {self.catalogue}",
            f"assets: {self.assets}",
            f"images checked: {self.images_checked}",
            f"problems: {len(self.problems)}",
            f"repaired: {len(self.repairs)}",
        ]
        if self.cancelled:
            out.append("cancelled: the check did not finish")
        order: dict[str, int] = {"problem": 0, "repaired": 1, "note": 2}
        out += [f.line() for f in sorted(self.findings, key=lambda f: order[f.severity])]
        out.append(f"result: {verdict}")
        return out


@dataclass(frozen=True)
class CheckOptions:
    """What to check and whether to repair."""

    images_roots: Sequence[Path] = ()
    export_dirs: Sequence[Path] = ()
    models_dir: Path | None = None  # None: the model store's (model_store.models_folder)
    paths: config.Paths | None = None  # the data folder (--data-dir): shared catalogues' models
    repair: bool = True
    checksums: bool = True  # read every image to compare its SHA-256 (slow on big collections)
    temp_min_age_s: float = TEMP_MIN_AGE_S
