"""Reading a QTI 3.0 source safely: a content package (folder or .zip with ``imsmanifest.xml``), a folder of
item files, or one item file.

Every XML document is parsed with ``defusedxml`` with document type declarations forbidden: a file with a
DTD, an entity or an external reference is refused (an entity-expansion "bomb" or an external entity that
reads local files never gets expanded). Files are size-capped, zip members are read by name and never
extracted, and no path may leave the source (``..``, absolute paths and symbolic links are refused).
Sources in QTI 1.2 or 2.x are recognised and refused as such: this importer converts QTI 3.0 only.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from learnpath.content.limits import MAX_MEDIA_BYTES

#: The QTI 3.0 assessment namespace (items and tests), and the content package namespaces of 3.0 and 3.0.1.
QTI3_NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
CP_NAMESPACES = (
    "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1",
    "http://www.imsglobal.org/xsd/qti/qtiv3p1/imscp_v1p1",
)
#: Largest XML file read, most files in a source, most bytes read from one source.
MAX_XML_BYTES = 5 * 1024 * 1024
MAX_SOURCE_FILES = 5000
MAX_SOURCE_BYTES = 500 * 1024 * 1024

_OLDER_NAMESPACES = {
    "http://www.imsglobal.org/xsd/imsqti_v2p0": "QTI 2.0",
    "http://www.imsglobal.org/xsd/imsqti_v2p1": "QTI 2.1",
    "http://www.imsglobal.org/xsd/imsqti_v2p2": "QTI 2.2",
}


class QtiSourceError(Exception):
    """The source as a whole cannot be imported (missing, unreadable, not QTI 3.0); the message says why."""


class UnsafeXml(Exception):
    """An XML file declares a DTD, entities or external references, which are never read."""


def parse_xml(data: bytes, what: str) -> Element:
    """Parse ``data`` safely: ``UnsafeXml`` for a DTD or entity, ``ValueError`` when not well-formed."""
    if len(data) > MAX_XML_BYTES:
        raise ValueError(f"{what} is larger than {MAX_XML_BYTES // (1024 * 1024)} MB")
    try:
        root: Element = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise UnsafeXml(
            f"{what} declares a DTD, entities or external references ({type(error).__name__}); learnpath "
            "never reads those, because they can expand into gigabytes or read files on the server"
        ) from None
    except ParseError as error:
        raise ValueError(f"{what} is not well-formed XML ({error})") from None
    return root


def namespace_of(element: Element) -> str:
    """The namespace URI of an element's tag ("" when it has none)."""
    return element.tag[1:].partition("}")[0] if element.tag.startswith("{") else ""


def local_name(element: Element) -> str:
    """An element's tag without its namespace."""
    return element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""


def older_qti_version(root: Element) -> str:
    """ "QTI 1.2", "QTI 2.2" (…) when ``root`` is a document of an older QTI version, else ""."""
    if local_name(root) == "questestinterop":
        return "QTI 1.2"
    return _OLDER_NAMESPACES.get(namespace_of(root), "")


@dataclass
class SourceFiles:
    """The files of one source, read on demand by their path inside it (``a/b.xml``)."""

    label: str
    names: list[str]
    _folder: Path | None = None
    _zip: zipfile.ZipFile | None = None
    _read_bytes: int = field(default=0)
    _name_set: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._name_set = set(self.names)

    def read(self, name: str) -> bytes | None:
        """The bytes of ``name``, or None when the source has no such (safe, regular, small enough) file."""
        clean = clean_path(name)
        if clean is None or clean not in self._name_set:
            return None
        if self._zip is not None:
            info = self._zip.getinfo(clean)
            if info.file_size > MAX_MEDIA_BYTES or self._read_bytes + info.file_size > MAX_SOURCE_BYTES:
                return None
            data = self._zip.read(info)
        else:
            assert self._folder is not None
            path = self._folder / clean
            if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_MEDIA_BYTES:
                return None
            data = path.read_bytes()
        self._read_bytes += len(data)
        return data

    def close(self) -> None:
        """Close the archive, if the source is one."""
        if self._zip is not None:
            self._zip.close()


def clean_path(name: str) -> str | None:
    """``name`` as a path inside the source, or None when it would leave it (``..``, absolute, a URL)."""
    if not name or "\\" in name or ":" in name or name.startswith("/"):
        return None
    joined = posixpath.normpath(name)
    if joined.startswith("../") or joined == ".." or joined.startswith("/"):
        return None
    return joined


def open_source(source: Path) -> SourceFiles:
    """Open a folder, a .zip or one .xml file. Raises ``QtiSourceError`` when it is none of those."""
    if not source.exists():
        raise QtiSourceError(f"{source} does not exist")
    if source.is_dir():
        return SourceFiles(source.name, list(_folder_names(source)), _folder=source)
    if source.suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as error:
            raise QtiSourceError(f"{source} is not a readable .zip ({error})") from None
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > MAX_SOURCE_FILES:
            archive.close()
            raise QtiSourceError(f"{source} holds more than {MAX_SOURCE_FILES} files")
        names = [info.filename for info in infos if clean_path(info.filename) == info.filename]
        return SourceFiles(source.stem, sorted(names), _zip=archive)
    if source.is_file():
        return SourceFiles(source.stem, [source.name], _folder=source.parent)
    raise QtiSourceError(f"{source} is not a folder, a .zip or an XML file")


def _folder_names(root: Path) -> Iterator[str]:
    count = 0
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in relative.split("/")):
            continue
        count += 1
        if count > MAX_SOURCE_FILES:
            raise QtiSourceError(f"{root} holds more than {MAX_SOURCE_FILES} files")
        yield relative
