"""learnpath: an open-source personalized learning platform."""

__version__ = "0.1.0"
