"""Screens: the main reading screen, help and small dialogs."""
