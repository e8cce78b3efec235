"""Importers of outside content formats into learnpath content packs (docs/oatutor-import.md)."""

from learnpath.content.importers.oatutor import (
    ConversionNote,
    OatutorConversion,
    OatutorSourceError,
    SkippedProblem,
    convert_oatutor,
    write_skip_list,
)

__all__ = [
    "ConversionNote",
    "OatutorConversion",
    "OatutorSourceError",
    "SkippedProblem",
    "convert_oatutor",
    "write_skip_list",
]
