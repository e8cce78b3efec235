"""learnpath.content: content packs (format version 1, docs/content-packs.md), pure Python.

- ``pack``: ``load_pack``, ``validate_pack``, ``pack_from_documents``, ``dump_pack`` and the problems
  they report (``problems``); the checks themselves are in ``validation`` and ``schema_check``, the
  hardened YAML reader and canonical writer in ``yaml_io``, the documents-to-model step in ``build``.
- ``model``: the frozen dataclasses of a loaded pack.
- ``checking``: ``check_response`` and ``Verdict``, over ``numeric`` (numbers as people write them),
  ``mathexpr`` (a safe expression reader), ``equivalence`` and ``text`` (short-text normalisation).
- ``templates``: ``instantiate`` for parametric items, over ``exact`` (whitelisted exact arithmetic).
- ``limits``: every size bound in one place.

Nothing is imported here, so importing a submodule stays cheap (``checking`` pulls in sympy).
"""
