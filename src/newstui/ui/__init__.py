"""The Textual reading UI. Only this package may import textual or rich."""
