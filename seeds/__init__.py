"""The two articles the product was conceived from, and a loader."""
