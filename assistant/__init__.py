"""Vuoropuhe: stakeholder feedback and market dialogues for a wellbeing services county."""

__version__ = "0.1.0"
