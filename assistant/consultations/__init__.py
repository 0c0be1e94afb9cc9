"""Consultation sessions (käsittelytilaisuudet) and the comments imported from them."""
