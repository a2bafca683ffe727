from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a course file, reported as `file:line: message`."""

    path: Path
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        prefix = "cảnh báo: " if self.warning else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"


class Problems(list):
    """The problems found so far; errors stop a sync, warnings do not."""

    def error(self, path: Path, line: int, message: str) -> None:
        self.append(Problem(path, line, message))

    def warn(self, path: Path, line: int, message: str) -> None:
        self.append(Problem(path, line, message, warning=True))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self if p.warning]
