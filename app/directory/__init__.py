"""The directory administrators keep: networks, agencies and staff accounts."""
