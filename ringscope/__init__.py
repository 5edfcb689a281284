"""RingScope: find and take down coordinated account networks on an AI API."""

__version__ = "0.1.0"
