"""newstui: a keyboard-driven terminal news reader.

Only the version lives here so that ``newstui --version`` stays cheap to import.
"""

__version__ = "0.1.0"
