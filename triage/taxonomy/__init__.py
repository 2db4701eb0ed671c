"""The label sets (versioned data) and their loader."""
from triage.taxonomy.loader import Taxonomy, TaxonomyError, load_crosswalks, load_taxonomy

__all__ = ["Taxonomy", "TaxonomyError", "load_taxonomy", "load_crosswalks"]
