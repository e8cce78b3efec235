"""Words of the content model as a reader reads them, in the reader's language.

``{{ resource.modality|modality_name }}``: "Reading", "Videos", "Interactive" or "Projects" for a
resource's modality (``content.model.MODALITY_NAMES``), never its id.
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from learnpath.content.model import MODALITY_NAMES

register = template.Library()


@register.filter(name="modality_name")
def modality_name(modality: str) -> str:
    """The translated name of a modality; an id with no name is shown as it is."""
    name = MODALITY_NAMES.get(modality)
    return gettext(name) if name else modality
