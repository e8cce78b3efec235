"""Size limits that keep loading and checking bounded, whatever a pack or a learner sends.

The numbers are generous for real courses and small enough that the worst input finishes in well
under a second per answer and a bounded time per pack.
"""

from __future__ import annotations

#: Largest YAML file read, and most YAML bytes read for one pack, in bytes.
MAX_YAML_BYTES = 20 * 1024 * 1024
MAX_PACK_YAML_BYTES = 200 * 1024 * 1024
#: Most YAML nodes (scalars, lists, mappings) in one file: bounds memory whatever the bytes hold.
MAX_YAML_NODES = 2_000_000
#: Deepest nesting of lists and mappings in a YAML file; real packs need fewer than ten levels.
MAX_YAML_DEPTH = 40
#: Most files under items/.
MAX_ITEM_FILES = 1000
#: Most files under media/, largest one, and all of them together, in bytes.
MAX_MEDIA_FILES = 2000
MAX_MEDIA_BYTES = 50 * 1024 * 1024
MAX_MEDIA_TOTAL_BYTES = 500 * 1024 * 1024
#: Deepest folder under media/.
MAX_MEDIA_DEPTH = 4

#: Longest learner response read as a number or an expression (characters).
MAX_MATH_RESPONSE_CHARS = 500
#: Longest learner response read as text or choices (characters).
MAX_TEXT_RESPONSE_CHARS = 2000
#: Most tokens in one expression, deepest bracket nesting, deepest syntax tree.
MAX_EXPRESSION_TOKENS = 300
MAX_BRACKET_DEPTH = 30
MAX_TREE_DEPTH = 60
#: Largest absolute constant exponent, and largest exact number (in bits) built while reading one.
#: 12,000 bits is about 3,600 digits, under Python's 4,300-digit limit on int-to-text conversion.
MAX_EXPONENT = 100
MAX_NUMBER_BITS = 12_000
#: Longest digit string in a number (integer part and fraction part together).
MAX_NUMBER_DIGITS = 60
#: Largest decimal exponent accepted in scientific notation (1e400 is fine, 1e999999 is not).
MAX_SCIENTIFIC_EXPONENT = 400

#: Template draws tried before a template is declared unsatisfiable.
MAX_TEMPLATE_DRAWS = 1000
#: Seeds a template is instantiated with while validating.
TEMPLATE_VALIDATION_SEEDS = 12
